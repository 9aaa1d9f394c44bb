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


class SlaConfig(models.Model):
    """One version of the SLA setup: the team calendar, the tier targets and the escalation
    ladder, as the pure engine's dictionaries. The newest is active."""

    version = models.PositiveIntegerField(unique=True)
    calendar = models.JSONField()
    targets = models.JSONField()
    ladder = models.JSONField()
    avg_handling_minutes = models.PositiveIntegerField(default=20)
    note = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"SLA v{self.version}"


class RotaSlot(models.Model):
    """A weekly on-call slot (in the team calendar's timezone): who is primary and backup."""

    weekday = models.PositiveSmallIntegerField(help_text="0 = Monday … 6 = Sunday")
    start = models.TimeField()
    end = models.TimeField(help_text="Exclusive; 00:00 means midnight at the end of the day.")
    primary = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    backup = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["weekday", "start"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(weekday__gte=0, weekday__lte=6), name="rota_weekday_valid"
            )
        ]

    def __str__(self) -> str:
        return f"{self.weekday} {self.start}-{self.end}: {self.primary}"


class RotaOverride(models.Model):
    """Swaps and cover: between ``starts_at`` and ``ends_at`` these people are on call."""

    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    primary = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    backup = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="rota_override_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"override {self.starts_at:%Y-%m-%d %H:%M}: {self.primary}"


class SlaState(models.Model):
    """The timer row of one request: when the sweep must look at it next (``next_check_at``),
    its nearest running deadline (the queue's order) and the customer-facing promise. Derived
    from the event log; recomputed whenever the log, the tier or the SLA setup changes."""

    support_request = models.OneToOneField(
        "portal.SupportRequest", on_delete=models.CASCADE, related_name="sla"
    )
    next_check_at = models.DateTimeField(null=True, db_index=True)
    next_deadline_at = models.DateTimeField(null=True, db_index=True)
    next_deadline_kind = models.CharField(max_length=20, blank=True)
    clocks = models.JSONField(default=list)
    promise = models.JSONField(default=dict)
    capacity_alert = models.BooleanField(default=False)
    config_version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"SLA of #{self.support_request_id}"

    @property
    def next_deadline_label(self) -> str:
        return self.next_deadline_kind.replace("_", " ")


class Notification(models.Model):
    """One escalation or reminder. ``key`` is unique per request, clock and stage, so a
    sweep that runs twice (or two sweeps at once) records it once."""

    class Channel(models.TextChoices):
        STAFF = "staff", "Staff"
        CUSTOMER = "customer", "Customer"

    key = models.CharField(max_length=200, unique=True)
    support_request = models.ForeignKey(
        "portal.SupportRequest", on_delete=models.CASCADE, related_name="notifications"
    )
    stage = models.CharField(max_length=20)
    audience = models.CharField(max_length=10, choices=Channel, default=Channel.STAFF)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="notifications"
    )
    text = models.CharField(max_length=500)
    due_at = models.DateTimeField(
        help_text="When the step fell due (lateness = created_at - due_at)."
    )
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    webhook_sent_at = models.DateTimeField(null=True, blank=True)
    webhook_attempts = models.PositiveSmallIntegerField(default=0)
    resent_at = models.DateTimeField(null=True, blank=True, help_text="Last re-enqueue.")

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return self.key
