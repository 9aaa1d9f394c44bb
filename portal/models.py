"""Organizations, memberships, support requests, their threads and their append-only event log."""

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.urls import reverse

models.CharField.register_lookup(Length)


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"“{value}” is not a known time zone (for example Europe/Berlin).")


class Organization(models.Model):
    """A customer account: who pays, how much, and how healthy the relationship is."""

    class PlanTier(models.TextChoices):
        STARTER = "starter", "Starter"
        BUSINESS = "business", "Business"
        ENTERPRISE = "enterprise", "Enterprise"

    name = models.CharField(max_length=200, unique=True)
    email_domain = models.CharField(
        max_length=200,
        blank=True,
        help_text="People who sign up with this email domain join the organization as requesters.",
    )
    plan_tier = models.CharField(max_length=20, choices=PlanTier, default=PlanTier.STARTER)
    annual_contract_value = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    renewal_date = models.DateField(null=True, blank=True)
    health_score = models.PositiveSmallIntegerField(
        default=70, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    at_risk = models.BooleanField(default=False)
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    country = models.CharField(max_length=2, default="US", help_text="ISO 3166-1 alpha-2 code.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(annual_contract_value__gte=0), name="organization_acv_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(health_score__gte=0, health_score__lte=100),
                name="organization_health_score_0_100",
            ),
            models.CheckConstraint(
                condition=Q(plan_tier__in=["starter", "business", "enterprise"]),
                name="organization_plan_tier_valid",
            ),
            models.CheckConstraint(
                condition=Q(country__length=2), name="organization_country_two_letters"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A customer user's place in exactly one organization."""

    class Role(models.TextChoices):
        REQUESTER = "requester", "Requester"
        ORG_ADMIN = "org_admin", "Organization admin"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role, default=Role.REQUESTER)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(role__in=["requester", "org_admin"]), name="membership_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.organization} ({self.get_role_display()})"


class SupportRequest(models.Model):
    """A customer's request. Every state change is also written to :class:`RequestEvent`."""

    class Status(models.TextChoices):
        NEW = "new", "New"
        TRIAGED = "triaged", "Triaged"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        WAITING_ON_CUSTOMER = "waiting_on_customer", "Waiting on customer"
        RESOLVED = "resolved", "Resolved"
        CLOSED = "closed", "Closed"

    class ClaimedUrgency(models.TextChoices):
        LOW = "low", "Low — whenever you can"
        NORMAL = "normal", "Normal"
        HIGH = "high", "High — it is blocking work"
        CRITICAL = "critical", "Critical — we are down"

    class ProductArea(models.TextChoices):
        GENERAL = "general", "General"
        ACCOUNT = "account", "Account & access"
        BILLING = "billing", "Billing"
        API = "api", "API & integrations"
        REPORTING = "reporting", "Reporting & exports"
        WORKFLOWS = "workflows", "Workflows & automation"

    class Tier(models.TextChoices):
        EMERGENCY = "emergency", "Emergency"
        URGENT = "urgent", "Urgent"
        SEMI_URGENT = "semi_urgent", "Semi-urgent"
        NON_URGENT = "non_urgent", "Non-urgent"
        INFORMATIONAL = "informational", "Informational"

    OPEN_STATUSES = (
        Status.NEW,
        Status.TRIAGED,
        Status.ACKNOWLEDGED,
        Status.WAITING_ON_CUSTOMER,
    )

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="support_requests"
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="support_requests"
    )
    subject = models.CharField(max_length=200)
    body = models.TextField()
    product_area = models.CharField(max_length=20, choices=ProductArea, default=ProductArea.GENERAL)
    production_affected = models.BooleanField(default=False)
    users_affected = models.PositiveIntegerField(null=True, blank=True)
    workaround_available = models.BooleanField(
        null=True, blank=True, help_text="Unknown when left empty."
    )
    claimed_urgency = models.CharField(
        max_length=20, choices=ClaimedUrgency, default=ClaimedUrgency.NORMAL
    )
    call_requested = models.BooleanField(default=False, help_text="“I need a call now.”")
    status = models.CharField(max_length=24, choices=Status, default=Status.NEW)
    tier = models.CharField(
        max_length=16,
        choices=Tier,
        blank=True,
        help_text="The effective urgency tier: the latest assessment, or an agent's override.",
    )
    tier_overridden = models.BooleanField(default=False)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_requests",
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        permissions = [
            ("work_queue", "Can work the agent queue"),
            ("edit_knowledge_base", "Can write and curate knowledge-base articles"),
            ("manage_support", "Can edit triage policy, SLA targets, calendars and rotas"),
        ]
        indexes = [
            models.Index(fields=["organization", "-created_at"]),
            models.Index(fields=["status", "created_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(subject__length__gt=0) & ~Q(subject__regex=r"^\s*$"),
                name="support_request_subject_not_blank",
            ),
            models.CheckConstraint(
                condition=~Q(body__regex=r"^\s*$"), name="support_request_body_not_blank"
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=[
                        "new",
                        "triaged",
                        "acknowledged",
                        "waiting_on_customer",
                        "resolved",
                        "closed",
                    ]
                ),
                name="support_request_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(claimed_urgency__in=["low", "normal", "high", "critical"]),
                name="support_request_claimed_urgency_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject}"

    def get_absolute_url(self) -> str:
        return reverse("request_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class Message(models.Model):
    """One entry in a request's thread. Internal notes are for staff eyes only."""

    class Kind(models.TextChoices):
        CUSTOMER = "customer", "Customer reply"
        AGENT = "agent", "Agent reply"
        INTERNAL_NOTE = "internal_note", "Internal note"

    support_request = models.ForeignKey(
        SupportRequest, on_delete=models.CASCADE, related_name="messages"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="support_messages"
    )
    kind = models.CharField(max_length=20, choices=Kind)
    body = models.TextField()
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["customer", "agent", "internal_note"]),
                name="message_kind_valid",
            ),
            models.CheckConstraint(
                condition=~Q(body__regex=r"^\s*$"), name="message_body_not_blank"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on #{self.support_request_id}"

    @property
    def is_internal(self) -> bool:
        return self.kind == self.Kind.INTERNAL_NOTE


class RequestEvent(models.Model):
    """Append-only log of everything that happened to a request; SLA clocks and metrics
    are computed from it. Rows are never updated or deleted."""

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", "Submitted"
        MESSAGE_ADDED = "message_added", "Message added"
        NOTE_ADDED = "note_added", "Internal note added"
        STATUS_CHANGED = "status_changed", "Status changed"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        ASSIGNED = "assigned", "Assigned"
        TIER_CHANGED = "tier_changed", "Tier changed"

    support_request = models.ForeignKey(
        SupportRequest, on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(max_length=24, choices=Kind)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField()
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["support_request", "at"])]

    def __str__(self) -> str:
        return (
            f"{self.get_kind_display()} on #{self.support_request_id} at {self.at:%Y-%m-%d %H:%M}"
        )

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and not self._state.adding:
            raise ValueError("Request events are append-only and cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Request events are append-only and cannot be deleted.")
