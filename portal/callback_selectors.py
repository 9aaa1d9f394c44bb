"""Reads for callbacks, with the access checks: the customer's call and booking of one
request, the free slots inside the request's promise, and the agents' day of callbacks."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, Q
from django.http import Http404

from portal.models import CallbackBooking, CallbackSlot, EmergencyCall, SupportRequest
from portal.roles import is_agent


def emergency_call_current(*, support_request: SupportRequest) -> EmergencyCall | None:
    return (
        EmergencyCall.objects.select_related("accepted_by", "primary", "backup")
        .filter(support_request=support_request)
        .current()
    )


def callback_booking_active(*, support_request: SupportRequest) -> CallbackBooking | None:
    return (
        CallbackBooking.objects.active()
        .select_related("slot", "agent")
        .filter(support_request=support_request)
        .first()
    )


def callback_booking_get_for_customer(
    *, support_request: SupportRequest, booking_id: int
) -> CallbackBooking:
    """``support_request`` comes from ``support_request_get_for_customer``; a booking of any
    other request is the same 404 as a missing one."""
    booking = (
        CallbackBooking.objects.select_related("slot", "support_request__organization")
        .filter(pk=booking_id, support_request=support_request)
        .first()
    )
    if booking is None:
        raise Http404("No such callback.")
    return booking


def callback_booking_get_for_agent(*, user, booking_id: int) -> CallbackBooking:
    if not is_agent(user):
        raise PermissionDenied("This page is for the support team.")
    booking = (
        CallbackBooking.objects.select_related("slot", "support_request", "agent")
        .filter(pk=booking_id)
        .first()
    )
    if booking is None:
        raise Http404("No such callback.")
    return booking


def emergency_call_get_for_agent(*, user, call_id: int) -> EmergencyCall:
    if not is_agent(user):
        raise PermissionDenied("This page is for the support team.")
    call = EmergencyCall.objects.select_related("support_request").filter(pk=call_id).first()
    if call is None:
        raise Http404("No such call.")
    return call


def callback_window_end(*, support_request: SupportRequest, now: datetime) -> datetime:
    """The latest start of a callback the customer may pick: the request's response promise,
    or (before the promise exists) now + the Urgent first-response target."""
    from triage.engine import Tier
    from triage.selectors import sla_state_for_request
    from triage.sla_services import sla_setup_get

    state = sla_state_for_request(support_request=support_request)
    due = (state.promise or {}).get("due_at") if state else None
    if due:
        return datetime.fromisoformat(due)
    target = sla_setup_get().targets.for_tier(Tier.URGENT).first_response
    minutes = target.minutes if target and target.minutes else 30
    return now + timedelta(minutes=minutes)


@dataclasses.dataclass(frozen=True)
class SlotOption:
    slot_id: int
    starts_at: datetime
    ends_at: datetime


def callback_slot_options(
    *, support_request: SupportRequest, now: datetime, limit: int | None = None
) -> list[SlotOption]:
    """Free slot times inside the promise, earliest first, one per start time (the customer
    picks a time, not a person)."""
    limit = limit or getattr(settings, "CALLBACK_SLOT_OPTIONS", 6)
    end = callback_window_end(support_request=support_request, now=now)
    free = (
        CallbackSlot.objects.filter(starts_at__gt=now, starts_at__lte=end)
        .annotate(taken=Count("bookings", filter=Q(bookings__status=CallbackBooking.Status.BOOKED)))
        .filter(taken__lt=F("capacity"))
        .order_by("starts_at", "taken", "agent_id")
    )
    options: dict[datetime, SlotOption] = {}
    for slot in free[: limit * 10]:
        if slot.starts_at not in options:
            options[slot.starts_at] = SlotOption(slot.pk, slot.starts_at, slot.ends_at)
        if len(options) >= limit:
            break
    return list(options.values())


@dataclasses.dataclass(frozen=True)
class AgentCallbackRow:
    booking: CallbackBooking
    reasons: list[str]


def callback_list_today_for_agent(*, user, now: datetime):
    """Active emergency calls, and every callback of today (the team calendar's day) with
    the reasons of the latest assessment. Returns (calls, rows)."""
    if not is_agent(user):
        raise PermissionDenied("This page is for the support team.")
    from triage.sla_services import sla_setup_get

    tz = sla_setup_get().calendar.local(now).tzinfo
    local = now.astimezone(tz)
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    end = start + timedelta(days=1)
    calls = list(
        EmergencyCall.objects.filter(status__in=EmergencyCall.ACTIVE_STATUSES)
        .select_related("support_request__organization", "customer", "accepted_by", "primary")
        .order_by("created_at")
    )
    bookings = list(
        CallbackBooking.objects.filter(
            Q(scheduled_for__gte=start, scheduled_for__lt=end) | Q(status="booked", kind="asap")
        )
        .select_related("support_request__organization", "customer", "agent", "slot")
        .prefetch_related("support_request__assessments")
        .order_by("scheduled_for", "pk")
    )
    rows = []
    for booking in bookings:
        assessments = [
            a for a in booking.support_request.assessments.all() if a.trigger != "override"
        ]
        latest = max(assessments, key=lambda a: (a.created_at, a.pk), default=None)
        rows.append(AgentCallbackRow(booking=booking, reasons=latest.reasons if latest else []))
    return calls, rows


def agent_list_for_reassign(*, user):
    if not is_agent(user):
        raise PermissionDenied("This page is for the support team.")
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(groups__permissions__codename="work_queue", is_active=True)
        .distinct()
        .order_by("email")
    )
