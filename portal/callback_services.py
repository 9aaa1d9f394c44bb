"""Writes for callbacks: “Call me now” on an Emergency (paging the on-call, the backup after
the acknowledgement window), priority callbacks in slots for Urgent requests, the agent's
side of a call, and “add details” that re-runs triage for everything else.

The tier gate lives here, not in the page: every service that books or pages raises
:class:`CallbackNotAllowed` for a request whose tier does not qualify."""

from __future__ import annotations

import dataclasses
import logging
import re
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.utils import timezone

from portal.callbacks import ASYNC, BOOK, CALL_NOW, PhoneError, callback_ics, callback_mode
from portal.callbacks import phone_to_e164 as _phone_to_e164
from portal.enqueue import enqueue_after_commit
from portal.models import CallbackBooking, CallbackSlot, EmergencyCall, SupportRequest
from portal.roles import is_agent
from portal.services import ServiceError, _event, _lock

logger = logging.getLogger(__name__)

Tier = SupportRequest.Tier


class EventKind:
    """Kinds this module appends to the request's event log (``RequestEvent.kind``)."""

    CALL_REQUESTED = "call_requested"
    CALL_BACKUP_PAGED = "call_backup_paged"
    CALL_ACCEPTED = "call_accepted"
    CALL_CALLING = "call_calling"
    CALL_ENDED = "call_ended"
    CALLBACK_BOOKED = "callback_booked"
    CALLBACK_RESCHEDULED = "callback_rescheduled"
    CALLBACK_CANCELLED = "callback_cancelled"
    CALLBACK_REASSIGNED = "callback_reassigned"
    CALLBACK_ENDED = "callback_ended"
    DETAILS_ADDED = "details_added"
    URGENCY_FLAGGED = "urgency_flagged"


class CallbackError(ServiceError):
    """Refused; the message is safe to show. ``field`` names the form field at fault."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.field = field


class CallbackNotAllowed(CallbackError):
    """The request's tier does not qualify for this kind of call (HTTP 403)."""


class RateLimited(CallbackError):
    """Too many attempts in the last hour (HTTP 429)."""


def _setting(name: str, default):
    return getattr(settings, name, default)


def _phone(raw: str, support_request: SupportRequest) -> str:
    try:
        return _phone_to_e164(raw, region=support_request.organization.country or "US")
    except PhoneError as error:
        raise CallbackError(str(error), field="phone") from None


def _gate(support_request: SupportRequest, mode: str) -> None:
    if not support_request.is_open:
        raise CallbackNotAllowed(
            "This request is no longer open, so we cannot book a call for it. "
            "Open a new request if something is wrong again."
        )
    actual = callback_mode(support_request.tier)
    if actual == mode:
        return
    tier = support_request.get_tier_display() or "not assessed yet"
    if mode == CALL_NOW:
        message = f"“Call me now” is for Emergency requests only; this request is {tier}. " + (
            "You can book a priority callback instead."
            if actual == BOOK
            else "We answer it in writing in the conversation; add details if things got worse."
        )
    else:
        message = f"Priority callbacks are for Urgent requests; this request is {tier}. " + (
            "Use “Call me now” — we page our on-call specialist right away."
            if actual == CALL_NOW
            else "We answer it in writing in the conversation; add details if things got worse."
        )
    raise CallbackNotAllowed(message)


def _rate_limit(key: str, *, limit: int, message: str) -> None:
    """Count one attempt against a one-hour window in the cache; raise past ``limit``."""
    cache.add(key, 0, timeout=3600)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=3600)
        count = 1
    if count > limit:
        raise RateLimited(message)


def _booking_attempt(user) -> None:
    limit = _setting("CALLBACK_BOOKING_LIMIT_PER_HOUR", 10)
    _rate_limit(
        f"callback:booking:{user.pk}",
        limit=limit,
        message=f"You have tried to book a call {limit} times in the last hour. "
        "Please wait a little, or reply in the conversation and we will sort it out.",
    )


def _page_window() -> timedelta:
    """The Emergency acknowledgement window (1 minute by default) from the SLA targets;
    ``CALLBACK_PAGE_WINDOW_SECONDS`` overrides it."""
    seconds = _setting("CALLBACK_PAGE_WINDOW_SECONDS", None)
    if seconds:
        return timedelta(seconds=float(seconds))
    from triage.engine import Tier as EngineTier
    from triage.sla_services import sla_setup_get

    target = sla_setup_get().targets.for_tier(EngineTier.EMERGENCY).acknowledge
    return timedelta(minutes=target.minutes if target and target.minutes else 1)


def _notify(
    *,
    support_request: SupportRequest,
    key: str,
    stage: str,
    recipients,
    text: str,
    due_at: datetime,
    now: datetime,
    audience: str = "staff",
) -> int:
    """Record one notification per recipient under a unique key (a second attempt with the
    same key is a no-op) and deliver each after commit."""
    from triage.models import Notification
    from triage.tasks import notification_deliver

    created = 0
    for person in {p.pk: p for p in recipients if p is not None}.values():
        try:
            with transaction.atomic():
                notification = Notification.objects.create(
                    key=f"{key}@{person.pk}",
                    support_request=support_request,
                    stage=stage,
                    audience=audience,
                    recipient=person,
                    text=text[:500],
                    due_at=due_at,
                    created_at=now,
                )
        except IntegrityError:
            continue
        enqueue_after_commit(notification_deliver, notification.pk)
        created += 1
    return created


def _managers():
    from triage.sla_services import _managers

    return _managers()


# -- Emergency: call me now ---------------------------------------------------------------------


@transaction.atomic
def emergency_call_request(
    *, customer, support_request: SupportRequest, phone: str, now: datetime | None = None
) -> EmergencyCall:
    """Page the primary on-call (the managers when nobody is on call) to call ``phone`` now.

    Idempotent while a call is active: a second press returns the active call and pages
    nobody again. Raises CallbackNotAllowed (tier), RateLimited, CallbackError (phone)."""
    now = now or timezone.now()
    _gate(support_request, CALL_NOW)
    _booking_attempt(customer)
    number = _phone(phone, support_request)
    locked = _lock(support_request)
    _gate(locked, CALL_NOW)
    active = locked.emergency_calls.filter(status__in=EmergencyCall.ACTIVE_STATUSES).first()
    if active is not None:
        return active
    from triage.sla_services import oncall_now

    primary, backup = oncall_now(now=now)
    call = EmergencyCall.objects.create(
        support_request=locked,
        customer=customer,
        phone=number,
        primary=primary,
        backup=backup,
        page_due_at=now + _page_window(),
        created_at=now,
    )
    _event(
        support_request=locked,
        kind=EventKind.CALL_REQUESTED,
        actor=customer,
        at=now,
        call_id=call.pk,
        paged=primary.pk if primary else None,
    )
    _notify(
        support_request=locked,
        key=f"{locked.pk}:call:{call.pk}:primary",
        stage="call_page",
        recipients=[primary] if primary else _managers(),
        text=f"EMERGENCY call requested on #{locked.pk} “{locked.subject[:120]}”: "
        f"accept it and call {number} now.",
        due_at=now,
        now=now,
    )
    return call


def _call_escalate(call_id: int, now: datetime) -> int:
    """Page the backup for one overdue call, once (a conditional update claims it)."""
    from triage.sla_services import oncall_now

    call = (
        EmergencyCall.objects.select_related("support_request", "primary", "backup")
        .filter(pk=call_id)
        .first()
    )
    if call is None:
        return 0
    _, backup_now = oncall_now(now=now)
    backup = call.backup or backup_now
    claimed = EmergencyCall.objects.filter(
        pk=call.pk, status=EmergencyCall.Status.PAGING, backup_paged_at__isnull=True
    ).update(backup_paged_at=now, backup=backup)
    if not claimed:
        return 0
    support_request = call.support_request
    _event(
        support_request=support_request,
        kind=EventKind.CALL_BACKUP_PAGED,
        actor=None,
        at=now,
        call_id=call.pk,
        paged=backup.pk if backup else None,
    )
    recipients = [backup] if backup and backup != call.primary else _managers()
    return _notify(
        support_request=support_request,
        key=f"{support_request.pk}:call:{call.pk}:backup",
        stage="call_page_backup",
        recipients=recipients,
        text=f"EMERGENCY call on #{support_request.pk} not accepted within the window: "
        f"you are paged as backup. Call {call.phone} now.",
        due_at=call.page_due_at,
        now=now,
    )


@transaction.atomic
def emergency_call_accept(*, agent, call: EmergencyCall, now: datetime | None = None) -> bool:
    """The agent takes the call (first one wins). Also acknowledges the request.
    Returns False when this agent had already accepted it. Raises CallbackError otherwise."""
    now = now or timezone.now()
    if not is_agent(agent):
        raise CallbackError("Only the support team can accept calls.")
    claimed = EmergencyCall.objects.filter(pk=call.pk, status=EmergencyCall.Status.PAGING).update(
        status=EmergencyCall.Status.ACCEPTED, accepted_by=agent, accepted_at=now
    )
    call.refresh_from_db()
    if not claimed:
        if call.accepted_by_id == agent.pk:
            return False
        who = call.accepted_by.email if call.accepted_by else "nobody"
        raise CallbackError(f"This call is already {call.get_status_display().lower()} ({who}).")
    _event(
        support_request=call.support_request,
        kind=EventKind.CALL_ACCEPTED,
        actor=agent,
        at=now,
        call_id=call.pk,
    )
    from portal.services import support_request_acknowledge

    if call.support_request.acknowledged_at is None and call.support_request.is_open:
        support_request_acknowledge(support_request=call.support_request, agent=agent, now=now)
    return True


@transaction.atomic
def emergency_call_mark_calling(*, agent, call: EmergencyCall, now: datetime | None = None) -> None:
    now = now or timezone.now()
    moved = EmergencyCall.objects.filter(
        pk=call.pk, status=EmergencyCall.Status.ACCEPTED, accepted_by=agent
    ).update(status=EmergencyCall.Status.CALLING, calling_at=now)
    if not moved:
        raise CallbackError("Only the agent who accepted the call can mark it as calling.")
    call.refresh_from_db()
    _event(
        support_request=call.support_request,
        kind=EventKind.CALL_CALLING,
        actor=agent,
        at=now,
        call_id=call.pk,
    )


NO_ANSWER_TEXT = (
    "We tried to call you at {phone} and could not reach you. We carry on here in writing — "
    "reply with anything new{again}."
)


@transaction.atomic
def emergency_call_record_outcome(
    *, agent, call: EmergencyCall, outcome: str, note: str = "", now: datetime | None = None
) -> None:
    """``completed``, ``no_answer_retry`` (stay accepted: the agent tries again) or
    ``no_answer_async`` (end the call and say so in the thread)."""
    now = now or timezone.now()
    if not is_agent(agent):
        raise CallbackError("Only the support team can record a call's outcome.")
    status = {
        "completed": EmergencyCall.Status.COMPLETED,
        "no_answer_retry": EmergencyCall.Status.ACCEPTED,
        "no_answer_async": EmergencyCall.Status.NO_ANSWER,
    }.get(outcome)
    if status is None:
        raise CallbackError("Please choose one of the listed outcomes.", field="outcome")
    ended = status != EmergencyCall.Status.ACCEPTED
    moved = EmergencyCall.objects.filter(
        pk=call.pk,
        status__in=[EmergencyCall.Status.ACCEPTED, EmergencyCall.Status.CALLING],
        accepted_by=agent,
    ).update(status=status, ended_at=now if ended else None, outcome_note=note[:500])
    if not moved:
        raise CallbackError("Accept the call first; only its agent records the outcome.")
    call.refresh_from_db()
    _event(
        support_request=call.support_request,
        kind=EventKind.CALL_ENDED if ended else EventKind.CALL_CALLING,
        actor=agent,
        at=now,
        call_id=call.pk,
        outcome=outcome,
    )
    if outcome == "no_answer_async":
        _post_no_answer(call.support_request, agent, call.phone, now, again=True)


def _post_no_answer(support_request, agent, phone: str, now: datetime, *, again: bool) -> None:
    from portal.services import message_post

    message_post(
        support_request=support_request,
        author=agent,
        body=NO_ANSWER_TEXT.format(
            phone=phone, again=", or ask for a call again on this page" if again else ""
        ),
        now=now,
    )


# -- Urgent: priority callback ------------------------------------------------------------------


def callback_slots_ensure(*, start: datetime, until: datetime, max_slots: int = 96) -> int:
    """Create the rota's callback slots between ``start`` and ``until`` (aligned to
    ``CALLBACK_SLOT_MINUTES``): one per on-call primary and slot, ``CALLBACK_SLOT_CAPACITY``
    seats. Idempotent (unique agent + start). Returns how many were created."""
    from triage.sla_services import oncall_now, sla_setup_get

    minutes = _setting("CALLBACK_SLOT_MINUTES", 10)
    capacity = _setting("CALLBACK_SLOT_CAPACITY", 1)
    step = timedelta(minutes=minutes)
    epoch = datetime(2000, 1, 1, tzinfo=start.tzinfo)
    at = epoch + ((start - epoch) // step + 1) * step
    setup = sla_setup_get()
    rows = []
    while at <= until and len(rows) < max_slots:
        primary, _ = oncall_now(now=at, setup=setup)
        if primary is not None:
            rows.append(
                CallbackSlot(agent=primary, starts_at=at, ends_at=at + step, capacity=capacity)
            )
        at += step
    before = CallbackSlot.objects.count()
    CallbackSlot.objects.bulk_create(rows, ignore_conflicts=True)
    return CallbackSlot.objects.count() - before


def _take_seat(slot_id: int, *, support_request: SupportRequest, now: datetime) -> CallbackSlot:
    """Lock the slot row and check it may be booked for this request now; returns the slot
    with ``free_seat`` set. Raises CallbackError (field ``slot``)."""
    from portal.callback_selectors import callback_window_end

    # Read the promise before taking the row lock: the lock is held until commit.
    window_end = callback_window_end(support_request=support_request, now=now)
    slot = CallbackSlot.objects.select_for_update().filter(pk=slot_id).first()
    if slot is None:
        raise CallbackError(
            "That time is no longer offered. Please pick another one.", field="slot"
        )
    if slot.starts_at <= now:
        raise CallbackError("That time has already passed. Please pick a later one.", field="slot")
    if slot.starts_at > window_end:
        raise CallbackError(
            "That time is later than we promised to get back to you. Please pick one of the "
            "listed times, or “as soon as possible”.",
            field="slot",
        )
    slot.free_seat = _free_seat(slot)
    if slot.free_seat is None:
        raise CallbackError(
            "Someone else just booked that time. Please pick another one.", field="slot"
        )
    return slot


def _free_seat(slot: CallbackSlot) -> int | None:
    """The lowest seat of a (locked) slot that no active booking holds, or None when full."""
    taken = set(
        slot.bookings.filter(status=CallbackBooking.Status.BOOKED).values_list("seat", flat=True)
    )
    return next((seat for seat in range(1, slot.capacity + 1) if seat not in taken), None)


TAKEN = "Someone else just booked that time. Please pick another one."


@transaction.atomic
def callback_book(
    *,
    customer,
    support_request: SupportRequest,
    slot_id: int | None,
    phone: str,
    now: datetime | None = None,
) -> CallbackBooking:
    """Book a priority callback in slot ``slot_id`` (``None``: as soon as possible).

    Holds the request's row lock (one active booking per request) and the slot's row lock
    while it picks a free seat; the partial unique constraints on (slot, seat) and on the
    request back both up. Raises CallbackNotAllowed, RateLimited, CallbackError."""
    now = now or timezone.now()
    _gate(support_request, BOOK)
    _booking_attempt(customer)
    number = _phone(phone, support_request)
    locked = _lock(support_request)
    _gate(locked, BOOK)
    existing = locked.callback_bookings.active().first()
    if existing is not None:
        raise CallbackError(
            "You already have a callback booked for this request. Change or cancel it below."
        )
    try:
        with transaction.atomic():
            if slot_id is None:
                from triage.sla_services import oncall_now

                primary, _ = oncall_now(now=now)
                booking = CallbackBooking.objects.create(
                    support_request=locked,
                    customer=customer,
                    agent=locked.assignee or primary,
                    kind=CallbackBooking.Kind.ASAP,
                    phone=number,
                    scheduled_for=now,
                    created_at=now,
                    updated_at=now,
                )
            else:
                slot = _take_seat(slot_id, support_request=locked, now=now)
                booking = CallbackBooking.objects.create(
                    support_request=locked,
                    customer=customer,
                    agent_id=slot.agent_id,
                    slot=slot,
                    seat=slot.free_seat,
                    kind=CallbackBooking.Kind.SCHEDULED,
                    phone=number,
                    scheduled_for=slot.starts_at,
                    created_at=now,
                    updated_at=now,
                )
    except IntegrityError:
        raise CallbackError(TAKEN, field="slot") from None
    _event(
        support_request=locked,
        kind=EventKind.CALLBACK_BOOKED,
        actor=customer,
        at=now,
        booking_id=booking.pk,
        scheduled_for=booking.scheduled_for.isoformat(),
        kind_of_call=booking.kind,
    )
    if booking.kind == CallbackBooking.Kind.ASAP:
        _notify(
            support_request=locked,
            key=f"{locked.pk}:callback:{booking.pk}:asap",
            stage="callback_asap",
            recipients=[booking.agent] if booking.agent else _managers(),
            text=f"Priority callback (as soon as possible) on #{locked.pk} "
            f"“{locked.subject[:120]}”: call {number}.",
            due_at=now,
            now=now,
        )
    _confirm_after_commit(booking.pk)
    return booking


def _check_change(booking: CallbackBooking, customer, now: datetime) -> None:
    if booking.customer_id != customer.pk and booking.support_request.requester_id != customer.pk:
        raise CallbackError("Only the person who booked this callback can change it.")
    if booking.status != CallbackBooking.Status.BOOKED:
        raise CallbackError("This callback is no longer booked.")
    if now >= booking.changeable_until:
        minutes = _setting("CALLBACK_CHANGE_CUTOFF_MINUTES", 30)
        raise CallbackError(
            f"Your call is less than {minutes} minutes away, so it can no longer be changed "
            "here. Reply in the conversation and we will sort it out with you."
        )


@transaction.atomic
def callback_reschedule(
    *, customer, booking: CallbackBooking, slot_id: int, now: datetime | None = None
) -> CallbackBooking:
    """Move the booking to another slot, until the change cutoff before the call."""
    now = now or timezone.now()
    _booking_attempt(customer)
    locked = CallbackBooking.objects.select_for_update().get(pk=booking.pk)
    _check_change(locked, customer, now)
    _gate(locked.support_request, BOOK)
    previous = locked.scheduled_for
    try:
        with transaction.atomic():
            slot = _take_seat(slot_id, support_request=locked.support_request, now=now)
            if slot.pk == locked.slot_id:
                return locked
            locked.slot = slot
            locked.seat = slot.free_seat
            locked.agent_id = slot.agent_id
            locked.kind = CallbackBooking.Kind.SCHEDULED
            locked.scheduled_for = slot.starts_at
            locked.reminder_sent_at = None
            locked.updated_at = now
            locked.save()
    except IntegrityError:
        raise CallbackError(TAKEN, field="slot") from None
    _event(
        support_request=locked.support_request,
        kind=EventKind.CALLBACK_RESCHEDULED,
        actor=customer,
        at=now,
        booking_id=locked.pk,
        **{"from": previous.isoformat(), "to": locked.scheduled_for.isoformat()},
    )
    _confirm_after_commit(locked.pk)
    booking.refresh_from_db()
    return locked


@transaction.atomic
def callback_cancel(*, customer, booking: CallbackBooking, now: datetime | None = None) -> None:
    """Cancel until the change cutoff; the seat is free again at once."""
    now = now or timezone.now()
    locked = CallbackBooking.objects.select_for_update().get(pk=booking.pk)
    _check_change(locked, customer, now)
    locked.status = CallbackBooking.Status.CANCELLED
    locked.updated_at = now
    locked.save(update_fields=["status", "updated_at"])
    _event(
        support_request=locked.support_request,
        kind=EventKind.CALLBACK_CANCELLED,
        actor=customer,
        at=now,
        booking_id=locked.pk,
    )
    booking.refresh_from_db()


@transaction.atomic
def callback_reassign(
    *, actor, booking: CallbackBooking, to_agent, now: datetime | None = None
) -> None:
    """Hand the callback to another agent at the same time (their slot is created when they
    have none; a full slot refuses)."""
    now = now or timezone.now()
    if not is_agent(actor) or not is_agent(to_agent):
        raise CallbackError("Callbacks can only be reassigned within the support team.")
    locked = CallbackBooking.objects.select_for_update().get(pk=booking.pk)
    if locked.status != CallbackBooking.Status.BOOKED:
        raise CallbackError("This callback is no longer booked.")
    if locked.agent_id == to_agent.pk:
        return
    previous = locked.agent_id
    try:
        with transaction.atomic():
            if locked.slot_id:
                old = locked.slot
                slot, _ = CallbackSlot.objects.get_or_create(
                    agent=to_agent,
                    starts_at=old.starts_at,
                    defaults={"ends_at": old.ends_at, "capacity": old.capacity},
                )
                slot = CallbackSlot.objects.select_for_update().get(pk=slot.pk)
                seat = _free_seat(slot)
                if seat is None:
                    raise CallbackError(f"{to_agent.email} has no free seat at that time.")
                locked.slot, locked.seat = slot, seat
            locked.agent = to_agent
            locked.updated_at = now
            locked.save()
    except IntegrityError:
        raise CallbackError(f"{to_agent.email} has no free seat at that time.") from None
    _event(
        support_request=locked.support_request,
        kind=EventKind.CALLBACK_REASSIGNED,
        actor=actor,
        at=now,
        booking_id=locked.pk,
        **{"from": previous, "to": to_agent.pk},
    )
    booking.refresh_from_db()


@transaction.atomic
def callback_record_outcome(
    *, agent, booking: CallbackBooking, outcome: str, note: str = "", now: datetime | None = None
) -> CallbackBooking | None:
    """``completed``; ``no_answer_retry`` books the next free slot inside the promise (or
    falls back to writing); ``no_answer_async`` says so in the thread. Returns the retry
    booking, if any."""
    now = now or timezone.now()
    if not is_agent(agent):
        raise CallbackError("Only the support team can record a call's outcome.")
    if outcome not in ("completed", "no_answer_retry", "no_answer_async"):
        raise CallbackError("Please choose one of the listed outcomes.", field="outcome")
    locked = CallbackBooking.objects.select_for_update().get(pk=booking.pk)
    if locked.status != CallbackBooking.Status.BOOKED:
        raise CallbackError("The outcome of this callback is already recorded.")
    completed = outcome == "completed"
    locked.status = (
        CallbackBooking.Status.COMPLETED if completed else CallbackBooking.Status.NO_ANSWER
    )
    locked.follow_up = "" if completed else outcome.removeprefix("no_answer_")
    locked.outcome_note = note[:500]
    locked.updated_at = now
    locked.save(update_fields=["status", "follow_up", "outcome_note", "updated_at"])
    support_request = locked.support_request
    _event(
        support_request=support_request,
        kind=EventKind.CALLBACK_ENDED,
        actor=agent,
        at=now,
        booking_id=locked.pk,
        outcome=outcome,
    )
    retry = None
    if outcome == "no_answer_retry":
        retry = _retry_booking(locked, agent, now)
    if outcome == "no_answer_async" or (outcome == "no_answer_retry" and retry is None):
        _post_no_answer(support_request, agent, locked.phone, now, again=False)
    booking.refresh_from_db()
    return retry


def _retry_booking(previous: CallbackBooking, agent, now: datetime) -> CallbackBooking | None:
    from portal.callback_selectors import callback_slot_options, callback_window_end

    support_request = previous.support_request
    callback_slots_ensure(
        start=now, until=callback_window_end(support_request=support_request, now=now)
    )
    for option in callback_slot_options(support_request=support_request, now=now):
        try:
            with transaction.atomic():
                slot = _take_seat(option.slot_id, support_request=support_request, now=now)
                booking = CallbackBooking.objects.create(
                    support_request=support_request,
                    customer=previous.customer,
                    agent_id=slot.agent_id,
                    slot=slot,
                    seat=slot.free_seat,
                    kind=CallbackBooking.Kind.SCHEDULED,
                    phone=previous.phone,
                    scheduled_for=slot.starts_at,
                    created_at=now,
                    updated_at=now,
                )
        except (CallbackError, IntegrityError):
            continue
        _event(
            support_request=support_request,
            kind=EventKind.CALLBACK_BOOKED,
            actor=agent,
            at=now,
            booking_id=booking.pk,
            scheduled_for=booking.scheduled_for.isoformat(),
            retry_of=previous.pk,
        )
        _confirm_after_commit(booking.pk)
        return booking
    return None


def _confirm_after_commit(booking_id: int) -> None:
    def send() -> None:
        try:
            callback_confirmation_send(booking_id=booking_id)
        except Exception:
            logger.exception("callback confirmation for booking %s not sent", booking_id)

    transaction.on_commit(send)


def callback_confirmation_send(*, booking_id: int, now: datetime | None = None) -> bool:
    """Email the customer their callback time (in their timezone) with an .ics attachment."""
    import zoneinfo

    booking = (
        CallbackBooking.objects.select_related("support_request__organization", "customer")
        .filter(pk=booking_id, status=CallbackBooking.Status.BOOKED)
        .first()
    )
    if booking is None:
        return False
    support_request = booking.support_request
    tz = zoneinfo.ZoneInfo(support_request.organization.timezone)
    local = booking.scheduled_for.astimezone(tz)
    url = f"{settings.PORTAL_BASE_URL}{support_request.get_absolute_url()}"
    when = (
        "as soon as possible"
        if booking.kind == CallbackBooking.Kind.ASAP
        else f"on {local:%A %d %B at %H:%M} ({local.tzname()})"
    )
    minutes = _setting("CALLBACK_SLOT_MINUTES", 10)
    ends_at = (
        booking.slot.ends_at if booking.slot else booking.scheduled_for + timedelta(minutes=minutes)
    )
    body = (
        f"We will call you at {booking.phone} {when} about “{support_request.subject}”.\n\n"
        f"You can change or cancel the call until "
        f"{booking.changeable_until.astimezone(tz):%H:%M} at {url}\n"
    )
    message = EmailMessage(
        subject=f"[Callgate #{support_request.pk}] Callback {when}",
        body=body,
        to=[booking.customer.email],
    )
    message.attach(
        "callback.ics",
        callback_ics(
            uid=f"callback-{booking.pk}@callgate",
            starts_at=booking.scheduled_for,
            ends_at=ends_at,
            summary=f"Callgate callback: #{support_request.pk} {support_request.subject[:80]}",
            description=f"We call you at {booking.phone}. {url}",
            url=url,
            stamp=now or timezone.now(),
        ),
        "text/calendar",
    )
    message.send()
    return True


# -- everything else: add details ---------------------------------------------------------------

ESCALATION_WORDS = re.compile(
    r"\b(urgent|asap|emergency|critical|call me|call us|immediately|right now)\b|!{2,}",
    re.IGNORECASE,
)


@dataclasses.dataclass(frozen=True)
class DetailsResult:
    tier_before: str
    tier_after: str
    flagged: bool

    @property
    def unlocked(self) -> bool:
        return callback_mode(self.tier_before) == ASYNC and callback_mode(self.tier_after) != ASYNC


@transaction.atomic
def details_add(
    *,
    customer,
    support_request: SupportRequest,
    production_affected: bool,
    users_affected: int | None,
    workaround_available: bool | None,
    evidence: str = "",
    now: datetime | None = None,
) -> DetailsResult:
    """Record new impact facts (and evidence, as a customer message) and re-run triage.

    Rate-limited per request (``CALLBACK_RETRIAGE_LIMIT_PER_HOUR``, 5). A claim of critical
    urgency, or escalation words, that still leaves the request below Urgent is flagged in
    the event log for the agents. Raises RateLimited, CallbackError."""
    from portal.services import _assess, _sla_refresh, message_post

    now = now or timezone.now()
    if not support_request.is_open:
        raise CallbackError("This request is closed. Please open a new request.")
    limit = _setting("CALLBACK_RETRIAGE_LIMIT_PER_HOUR", 5)
    _rate_limit(
        f"callback:retriage:{support_request.pk}",
        limit=limit,
        message=f"This request was re-assessed {limit} times in the last hour. We have "
        "everything you sent; a person will read it — please reply in the conversation instead.",
    )
    locked = _lock(support_request)
    tier_before = locked.tier
    changes = {}
    for field, value in (
        ("production_affected", production_affected),
        ("users_affected", users_affected),
        ("workaround_available", workaround_available),
    ):
        if getattr(locked, field) != value:
            changes[field] = {"from": getattr(locked, field), "to": value}
            setattr(locked, field, value)
    evidence = (evidence or "").strip()
    if not changes and not evidence:
        raise CallbackError("Nothing changed. Tell us what is different now, or add evidence.")
    locked.updated_at = now
    locked.save(
        update_fields=[
            "production_affected",
            "users_affected",
            "workaround_available",
            "updated_at",
        ]
    )
    _event(
        support_request=locked,
        kind=EventKind.DETAILS_ADDED,
        actor=customer,
        at=now,
        changes=changes,
        evidence=bool(evidence),
    )
    if evidence:
        message_post(support_request=locked, author=customer, body=evidence, now=now)
    else:
        _assess(support_request=locked, trigger="details_added", now=now)
        _sla_refresh(locked, now)
    locked.refresh_from_db()
    claimed = (
        locked.claimed_urgency == SupportRequest.ClaimedUrgency.CRITICAL
        or locked.call_requested
        or bool(ESCALATION_WORDS.search(evidence))
    )
    flagged = claimed and callback_mode(locked.tier) == ASYNC
    if flagged:
        _event(
            support_request=locked,
            kind=EventKind.URGENCY_FLAGGED,
            actor=customer,
            at=now,
            claimed=locked.claimed_urgency,
            tier=locked.tier,
            reason="Escalation claimed again, but the details do not show an outage or a "
            "blocked team: calls stay locked.",
        )
    support_request.refresh_from_db()
    return DetailsResult(tier_before=tier_before, tier_after=locked.tier, flagged=flagged)


# -- the sweep ----------------------------------------------------------------------------------


def callback_sweep(*, now: datetime | None = None, limit: int = 200) -> dict[str, int]:
    """Page the backup for calls nobody accepted within the window, and remind customers and
    agents before booked callbacks. Exactly once per step, safe to run concurrently: rows
    are taken with ``select_for_update(skip_locked=True)`` and claimed with conditional
    updates; notification keys are unique."""
    now = now or timezone.now()
    escalated = reminded = 0
    with transaction.atomic():
        due = list(
            EmergencyCall.objects.select_for_update(skip_locked=True)
            .filter(
                status=EmergencyCall.Status.PAGING,
                backup_paged_at__isnull=True,
                page_due_at__lte=now,
            )
            .order_by("page_due_at")
            .values_list("pk", flat=True)[:limit]
        )
        for call_id in due:
            try:
                with transaction.atomic():
                    escalated += _call_escalate(call_id, now)
            except Exception:
                logger.exception("callback sweep: escalating call %s failed", call_id)
    ahead = timedelta(minutes=_setting("CALLBACK_REMINDER_MINUTES", 15))
    with transaction.atomic():
        bookings = list(
            CallbackBooking.objects.select_for_update(skip_locked=True)
            .filter(
                status=CallbackBooking.Status.BOOKED,
                kind=CallbackBooking.Kind.SCHEDULED,
                reminder_sent_at__isnull=True,
                scheduled_for__lte=now + ahead,
                scheduled_for__gt=now,
            )
            .order_by("scheduled_for")[:limit]
        )
        for booking in bookings:
            try:
                with transaction.atomic():
                    reminded += _remind(booking, now)
            except Exception:
                logger.exception("callback sweep: reminding booking %s failed", booking.pk)
    return {"calls_escalated": escalated, "reminders": reminded}


def _remind(booking: CallbackBooking, now: datetime) -> int:
    import zoneinfo

    claimed = CallbackBooking.objects.filter(
        pk=booking.pk, status=CallbackBooking.Status.BOOKED, reminder_sent_at__isnull=True
    ).update(reminder_sent_at=now)
    if not claimed:
        return 0
    support_request = SupportRequest.objects.select_related("organization").get(
        pk=booking.support_request_id
    )
    local = booking.scheduled_for.astimezone(
        zoneinfo.ZoneInfo(support_request.organization.timezone)
    )
    key = f"{support_request.pk}:callback:{booking.pk}:reminder:{int(booking.scheduled_for.timestamp())}"
    sent = _notify(
        support_request=support_request,
        key=key,
        stage="callback_reminder",
        recipients=[booking.customer],
        audience="customer",
        text=f"Reminder: we call you at {booking.phone} at {local:%H:%M} ({local.tzname()}) "
        f"about “{support_request.subject[:120]}”.",
        due_at=booking.scheduled_for - timedelta(minutes=_setting("CALLBACK_REMINDER_MINUTES", 15)),
        now=now,
    )
    sent += _notify(
        support_request=support_request,
        key=key,
        stage="callback_reminder",
        recipients=[booking.agent] if booking.agent else [],
        text=f"Callback at {booking.scheduled_for:%H:%M} UTC: #{support_request.pk} "
        f"“{support_request.subject[:120]}”, call {booking.phone}.",
        due_at=booking.scheduled_for,
        now=now,
    )
    return sent
