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


class ProductArea(models.TextChoices):
    """Where in the product a request or a help article belongs."""

    GENERAL = "general", "General"
    ACCOUNT = "account", "Account & access"
    BILLING = "billing", "Billing"
    API = "api", "API & integrations"
    REPORTING = "reporting", "Reporting & exports"
    WORKFLOWS = "workflows", "Workflows & automation"


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

    ProductArea = ProductArea

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
        DETAILS_ADDED = "details_added", "Details added"
        URGENCY_FLAGGED = "urgency_flagged", "Urgency claim flagged"
        CALL_REQUESTED = "call_requested", "Call requested"
        CALL_BACKUP_PAGED = "call_backup_paged", "Backup paged for the call"
        CALL_ACCEPTED = "call_accepted", "Call accepted"
        CALL_CALLING = "call_calling", "Calling"
        CALL_ENDED = "call_ended", "Call ended"
        CALLBACK_BOOKED = "callback_booked", "Callback booked"
        CALLBACK_RESCHEDULED = "callback_rescheduled", "Callback rescheduled"
        CALLBACK_CANCELLED = "callback_cancelled", "Callback cancelled"
        CALLBACK_REASSIGNED = "callback_reassigned", "Callback reassigned"
        CALLBACK_ENDED = "callback_ended", "Callback ended"

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


# -- callbacks (issue 6) ------------------------------------------------------------------------


class CallbackSlot(models.Model):
    """A window in which one agent can call back ``capacity`` customers. Generated from the
    on-call rota; a seat in it is a :class:`CallbackBooking` with ``seat`` 1…capacity."""

    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="callback_slots"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    capacity = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["starts_at", "agent_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["agent", "starts_at"], name="callback_slot_agent_start_unique"
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="callback_slot_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(capacity__gte=1), name="callback_slot_capacity_min_1"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agent} at {self.starts_at:%Y-%m-%d %H:%M}"


class CallbackBookingQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status=CallbackBooking.Status.BOOKED)


class CallbackBooking(models.Model):
    """A priority callback promised to a customer: in a slot (one seat of it) or as soon as
    possible. At most one active booking per request and per slot seat (database-enforced)."""

    class Kind(models.TextChoices):
        SCHEDULED = "scheduled", "At a chosen time"
        ASAP = "asap", "As soon as possible"

    class Status(models.TextChoices):
        BOOKED = "booked", "Booked"
        CANCELLED = "cancelled", "Cancelled"
        COMPLETED = "completed", "Completed"
        NO_ANSWER = "no_answer", "No answer"

    support_request = models.ForeignKey(
        SupportRequest, on_delete=models.CASCADE, related_name="callback_bookings"
    )
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="callback_bookings"
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_callbacks",
    )
    slot = models.ForeignKey(
        CallbackSlot, on_delete=models.PROTECT, null=True, blank=True, related_name="bookings"
    )
    seat = models.PositiveSmallIntegerField(null=True, blank=True)
    kind = models.CharField(max_length=12, choices=Kind)
    phone = models.CharField(max_length=20, help_text="E.164")
    scheduled_for = models.DateTimeField()
    status = models.CharField(max_length=12, choices=Status, default=Status.BOOKED)
    follow_up = models.CharField(max_length=12, blank=True, help_text="After no answer.")
    outcome_note = models.CharField(max_length=500, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    objects = CallbackBookingQuerySet.as_manager()

    class Meta:
        ordering = ["scheduled_for", "pk"]
        indexes = [models.Index(fields=["status", "scheduled_for"])]
        constraints = [
            models.UniqueConstraint(
                fields=["slot", "seat"],
                condition=Q(status="booked"),
                name="callback_booking_one_per_seat",
            ),
            models.UniqueConstraint(
                fields=["support_request"],
                condition=Q(status="booked"),
                name="callback_booking_one_active_per_request",
            ),
            models.CheckConstraint(
                condition=Q(kind="asap", slot__isnull=True, seat__isnull=True)
                | Q(kind="scheduled", slot__isnull=False, seat__gte=1),
                name="callback_booking_kind_matches_slot",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["booked", "cancelled", "completed", "no_answer"]),
                name="callback_booking_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"callback for #{self.support_request_id} at {self.scheduled_for:%Y-%m-%d %H:%M}"

    @property
    def changeable_until(self):
        """The last moment the customer may reschedule or cancel (the service enforces it)."""
        from datetime import timedelta

        minutes = getattr(settings, "CALLBACK_CHANGE_CUTOFF_MINUTES", 30)
        return self.scheduled_for - timedelta(minutes=minutes)


class EmergencyCallQuerySet(models.QuerySet):
    def current(self):
        """The newest call of the request (active or finished), or None."""
        return self.order_by("-created_at", "-pk").first()


class EmergencyCall(models.Model):
    """“Call me now” on an Emergency: paging → accepted → calling → an outcome. The primary
    on-call is paged at once; the sweep pages the backup when ``page_due_at`` passes."""

    class Status(models.TextChoices):
        PAGING = "paging", "Paging on-call"
        ACCEPTED = "accepted", "Accepted"
        CALLING = "calling", "Calling"
        COMPLETED = "completed", "Completed"
        NO_ANSWER = "no_answer", "No answer"

    ACTIVE_STATUSES = (Status.PAGING, Status.ACCEPTED, Status.CALLING)

    support_request = models.ForeignKey(
        SupportRequest, on_delete=models.CASCADE, related_name="emergency_calls"
    )
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="emergency_calls"
    )
    phone = models.CharField(max_length=20, help_text="E.164")
    status = models.CharField(max_length=12, choices=Status, default=Status.PAGING)
    primary = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    backup = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    page_due_at = models.DateTimeField(
        help_text="The backup is paged when nobody accepted by then."
    )
    backup_paged_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    calling_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    outcome_note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField()

    objects = EmergencyCallQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "page_due_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["support_request"],
                condition=Q(status__in=["paging", "accepted", "calling"]),
                name="emergency_call_one_active_per_request",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["paging", "accepted", "calling", "completed", "no_answer"]),
                name="emergency_call_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"call for #{self.support_request_id} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES
