"""Triage policy versions and the append-only record of every urgency assessment."""

from django.conf import settings
from django.db import models


class TriagePolicy(models.Model):
    """One version of the triage policy (thresholds and weights as data). The newest is active;
    old versions stay so every assessment can name the one it used."""

    version = models.PositiveIntegerField(unique=True)
    data = models.JSONField()
    note = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"policy v{self.version}"

    @property
    def label(self) -> str:
        return f"v{self.version}"


class UrgencyAssessment(models.Model):
    """What the engine saw and said, at one moment. Never changed after it is written."""

    class Trigger(models.TextChoices):
        SUBMITTED = "submitted", "Submitted"
        CUSTOMER_MESSAGE = "customer_message", "Customer message"
        DETAILS_ADDED = "details_added", "Details added"
        OVERRIDE = "override", "Agent override"

    support_request = models.ForeignKey(
        "portal.SupportRequest", on_delete=models.CASCADE, related_name="assessments"
    )
    trigger = models.CharField(max_length=20, choices=Trigger)
    tier = models.CharField(max_length=16)
    score = models.PositiveSmallIntegerField()
    confidence = models.FloatField()
    policy_version = models.CharField(max_length=40)
    inputs = models.JSONField()
    outputs = models.JSONField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(max_length=500, blank=True, help_text="An override's reason.")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["support_request", "created_at"])]

    def __str__(self) -> str:
        return f"{self.tier} for #{self.support_request_id}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and not self._state.adding:
            raise ValueError("Assessments are append-only.")
        super().save(*args, **kwargs)

    @property
    def reasons(self) -> list[str]:
        return list(self.outputs.get("reasons", []))
