"""SLA clocks as database rows: compute each request's clocks and promise from its event log,
sweep the due rows exactly once, record escalations as notifications and deliver them.

The database is the truth. ``SlaState.next_check_at`` says when a request needs looking at;
the beat sweep takes due rows with ``select_for_update(skip_locked=True)``, and every
notification has a unique key, so two sweeps (or a sweep run twice) act once."""

from __future__ import annotations

import dataclasses
import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from portal.enqueue import enqueue_after_commit
from portal.models import Message, RequestEvent, SupportRequest
from portal.roles import MANAGE_SUPPORT_PERMISSION
from triage.engine import AccountFacts, PlanTier, Tier
from triage.engine import calendar as engine_calendar
from triage.engine import clock as engine_clock
from triage.engine import promise as engine_promise
from triage.models import Notification, RotaOverride, RotaSlot, SlaConfig, SlaState

logger = logging.getLogger(__name__)

DEFAULT_CALENDAR = {
    "timezone": "Europe/Berlin",
    "periods": {day: ["08:00-12:30", "13:30-18:00"] for day in ("mon", "tue", "wed", "thu", "fri")},
    "holiday_country": "DE",
}
SLA_CLOCKS = ("acknowledge", "first_response", "next_update", "resolution")


@dataclasses.dataclass(frozen=True)
class SlaSetup:
    version: int
    calendar: engine_calendar.BusinessCalendar
    targets: engine_promise.SlaPolicy
    ladder: engine_clock.LadderPolicy
    avg_handling_minutes: int


def sla_setup_get() -> SlaSetup:
    """The active SLA configuration (version 1 with the defaults is created on first use)."""
    row = SlaConfig.objects.order_by("-version").first()
    if row is None:
        row, _ = SlaConfig.objects.get_or_create(
            version=1,
            defaults={
                "calendar": DEFAULT_CALENDAR,
                "targets": engine_promise.SlaPolicy().to_dict(),
                "ladder": engine_clock.LadderPolicy().to_dict(),
                "note": "Defaults from DESIGN.md",
                "created_at": timezone.now(),
            },
        )
    return SlaSetup(
        version=row.version,
        calendar=engine_calendar.BusinessCalendar.from_dict(row.calendar),
        targets=engine_promise.SlaPolicy.from_dict({**row.targets, "version": row.version}),
        ladder=engine_clock.LadderPolicy.from_dict({**row.ladder, "version": row.version}),
        avg_handling_minutes=row.avg_handling_minutes,
    )


@transaction.atomic
def sla_config_update(
    *, manager, calendar: dict, targets: dict, ladder: dict, note: str = "", now=None
) -> SlaConfig:
    """Save the next SLA version after validating it with the engine; open requests are
    recomputed after commit (their clocks keep their history and paused time)."""
    if not manager.has_perm(MANAGE_SUPPORT_PERMISSION):
        raise ValueError("Only managers can change SLA targets.")
    targets = {k: v for k, v in targets.items() if k != "version"}
    ladder = {k: v for k, v in ladder.items() if k != "version"}
    engine_calendar.BusinessCalendar.from_dict(calendar)
    engine_promise.SlaPolicy.from_dict({"version": 0, **targets})
    engine_clock.LadderPolicy.from_dict({"version": 0, **ladder})
    sla_setup_get()
    latest = SlaConfig.objects.select_for_update().order_by("-version").first()
    row = SlaConfig.objects.create(
        version=latest.version + 1,
        calendar=calendar,
        targets=targets,
        ladder=ladder,
        avg_handling_minutes=latest.avg_handling_minutes,
        note=note[:200],
        created_by=manager,
        created_at=now or timezone.now(),
    )
    from triage.tasks import sla_recompute_open

    enqueue_after_commit(sla_recompute_open)
    return row


# -- on call ----------------------------------------------------------------------------------


def oncall_now(*, now: datetime, setup: SlaSetup | None = None):
    """(primary, backup) on call at ``now``: an override covering ``now`` wins over the weekly
    rota (read in the team calendar's timezone). Either may be None."""
    override = (
        RotaOverride.objects.select_related("primary", "backup")
        .filter(starts_at__lte=now, ends_at__gt=now)
        .order_by("-starts_at")
        .first()
    )
    if override:
        return override.primary, override.backup
    setup = setup or sla_setup_get()
    local = setup.calendar.local(now)
    for slot in RotaSlot.objects.select_related("primary", "backup").filter(
        weekday=local.weekday()
    ):
        end_ok = slot.end == datetime.min.time() or local.time() < slot.end
        if slot.start <= local.time() and end_ok:
            return slot.primary, slot.backup
    return None, None


def _managers():
    User = get_user_model()
    return list(
        User.objects.filter(
            Q(groups__permissions__codename="manage_support") | Q(is_superuser=True), is_active=True
        ).distinct()
    )


def _agents_on_duty() -> int:
    User = get_user_model()
    return (
        User.objects.filter(groups__permissions__codename="work_queue", is_active=True)
        .distinct()
        .count()
    )


# -- clocks -----------------------------------------------------------------------------------


def _engine_events(support_request: SupportRequest) -> list:
    """The request's event log in the clock engine's terms; empty while it has no tier."""
    events: list = []
    rows = support_request.events.order_by("at", "pk").values_list("kind", "at", "data")
    submitted_at = None
    for kind, at, data in rows:
        if kind == RequestEvent.Kind.SUBMITTED:
            submitted_at = at
        elif kind == RequestEvent.Kind.TIER_CHANGED:
            tier = Tier(data["to"])
            if not events:
                events.append(engine_clock.Submitted(at=submitted_at or at, tier=tier))
            else:
                events.append(engine_clock.TierChanged(at=at, tier=tier))
        elif not events:
            continue
        elif kind == RequestEvent.Kind.STATUS_CHANGED:
            events.append(engine_clock.StatusChanged(at=at, status=data["to"]))
        elif kind == RequestEvent.Kind.ACKNOWLEDGED:
            events.append(engine_clock.Acknowledged(at=at))
        elif (
            kind == RequestEvent.Kind.MESSAGE_ADDED
            and data.get("message_kind") == Message.Kind.AGENT
        ):
            events.append(engine_clock.AgentReplied(at=at))
        elif kind in (RequestEvent.Kind.NOTE_ADDED, RequestEvent.Kind.ASSIGNED):
            events.append(engine_clock.AgentActivity(at=at))
    return events


def _account(support_request: SupportRequest) -> AccountFacts:
    organization = support_request.organization
    return AccountFacts(
        annual_contract_value=float(organization.annual_contract_value),
        plan_tier=PlanTier(organization.plan_tier),
        renewal_date=organization.renewal_date,
        health_score=organization.health_score,
        at_risk=organization.at_risk,
    )


def _clocks(support_request, setup: SlaSetup, now: datetime):
    events = _engine_events(support_request)
    if not events:
        return None
    return engine_clock.recompute_clocks(
        events,
        policy=setup.targets,
        calendar=setup.calendar,
        now=now,
        account=_account(support_request),
    )


def _promise(
    support_request, setup: SlaSetup, now: datetime, agents_on_duty: int | None = None
) -> tuple[dict, bool]:
    tier = Tier(support_request.tier)
    ahead = SupportRequest.objects.filter(
        tier=support_request.tier,
        status__in=SupportRequest.OPEN_STATUSES,
        created_at__lt=support_request.created_at,
        acknowledged_at__isnull=True,
    ).count()
    promise = engine_promise.promise_for(
        tier=tier,
        account=_account(support_request),
        calendar=setup.calendar,
        policy=setup.targets,
        received_at=support_request.created_at,
        now=now,
        queue=engine_promise.QueueLoad(
            open_ahead=ahead,
            agents_on_duty=_agents_on_duty() if agents_on_duty is None else agents_on_duty,
            avg_handling_minutes=float(setup.avg_handling_minutes),
        ),
    )
    headline = promise.headline
    if headline is None:
        return {}, promise.capacity_alert
    return (
        {
            "kind": headline.kind.value,
            "due_at": headline.due_at.isoformat(),
            "words": headline.words,
            "text": engine_promise.format_due(
                headline.due_at,
                words=headline.words,
                customer_timezone=support_request.organization.timezone,
                now=now,
            ),
            "widened": headline.widened,
            "shortened_because": list(promise.shortened_because),
            "capacity_note": promise.capacity_note,
            "around_the_clock": promise.around_the_clock,
        },
        promise.capacity_alert,
    )


def sla_refresh(
    *,
    support_request: SupportRequest,
    now: datetime | None = None,
    setup: SlaSetup | None = None,
    clocks=None,
    agents_on_duty: int | None = None,
) -> SlaState | None:
    """Recompute the timer row of one request from its event log (call after every change).
    Returns None (and removes the row) for a request without a tier. The sweep passes its
    ``setup``, the ``clocks`` it just computed from the same log and its agent count."""
    now = now or timezone.now()
    support_request = SupportRequest.objects.select_related("organization").get(
        pk=support_request.pk
    )
    setup = setup or sla_setup_get()
    if clocks is None:
        clocks = _clocks(support_request, setup, now)
    if clocks is None:
        SlaState.objects.filter(support_request=support_request).delete()
        return None
    notified = set(support_request.notifications.values_list("key", flat=True))
    next_check = None
    for clock in clocks.clocks:
        step = engine_clock.next_step(clock, now, setup.ladder)
        if step.stage is not None and not _already(notified, support_request.pk, step.key):
            candidate = step.due_at
        else:
            candidate = step.next_check_at
        if candidate is not None and (next_check is None or candidate < next_check):
            next_check = candidate
    running = [
        c for c in clocks.clocks if c.kind.value in SLA_CLOCKS and c.due_at and not c.is_stopped
    ]
    nearest = min(running, key=lambda c: c.due_at, default=None)
    promise, capacity_alert = (
        _promise(support_request, setup, now, agents_on_duty)
        if support_request.is_open
        else ({}, False)
    )
    update = clocks.get(engine_clock.ClockKind.NEXT_UPDATE)
    if support_request.acknowledged_at and update and update.due_at and not update.is_stopped:
        # Once a person is on it, the customer is promised the next update instead.
        promise = {
            "kind": "next_update",
            "due_at": update.due_at.isoformat(),
            "words": "your next update",
            "text": engine_promise.format_due(
                update.due_at,
                words="your next update",
                customer_timezone=support_request.organization.timezone,
                now=now,
            ),
            "widened": False,
        }
        capacity_alert = False
    state, _ = SlaState.objects.update_or_create(
        support_request=support_request,
        defaults={
            "next_check_at": next_check,
            "next_deadline_at": nearest.due_at if nearest and support_request.is_open else None,
            "next_deadline_kind": nearest.kind.value if nearest else "",
            "clocks": [
                {
                    "kind": c.kind.value,
                    "status": c.status.value,
                    "due_at": c.due_at.isoformat() if c.due_at else None,
                }
                for c in clocks.clocks
            ],
            "promise": promise,
            "capacity_alert": capacity_alert,
            "config_version": setup.version,
            "updated_at": now,
        },
    )
    return state


def _already(notified: set[str], request_id: int, key: str | None) -> bool:
    prefix = f"{request_id}:{key}"
    return any(k == prefix or k.startswith(prefix + "@") for k in notified)


# -- the sweep --------------------------------------------------------------------------------

STAGE_TEXT = {
    "page_backup": "Not acknowledged in time: you are paged as backup on-call for #{id} “{subject}”.",
    "page_manager": "Still not acknowledged: #{id} “{subject}” ({tier}) needs a person now.",
    "warning": "SLA warning: #{id} “{subject}” ({tier}) is close to its {clock} deadline.",
    "breach": "SLA breached: #{id} “{subject}” ({tier}) missed its {clock} deadline.",
    "heartbeat": "No activity for a while on #{id} “{subject}” ({tier}): please post an update.",
    "idle_reminder": "We are waiting for your answer on “{subject}” — reply when you can.",
    "idle_close": "We closed “{subject}” because we did not hear back. Reply to reopen it.",
}


class _Team:
    """Who is on call and who manages, read once per sweep (they are the same for every row
    of one sweep's ``now``)."""

    def __init__(self, now: datetime, setup: SlaSetup) -> None:
        self.now, self.setup = now, setup
        self._oncall = self._managers = self._agents = None

    def oncall(self):
        if self._oncall is None:
            self._oncall = oncall_now(now=self.now, setup=self.setup)
        return self._oncall

    def managers(self):
        if self._managers is None:
            self._managers = _managers()
        return self._managers

    def agents_on_duty(self) -> int:
        if self._agents is None:
            self._agents = _agents_on_duty()
        return self._agents


def _recipients(stage: str, support_request: SupportRequest, team: _Team):
    if stage in ("idle_reminder", "idle_close"):
        return [support_request.requester], Notification.Channel.CUSTOMER
    primary, backup = team.oncall()
    if stage == "page_backup":
        people = [backup or primary]
    elif stage == "page_manager":
        people = team.managers()
    elif (
        stage == "breach" and not team.setup.ladder.for_tier(support_request.tier).page_on_ack_miss
    ):
        # Tiers without a paging ladder tell the managers about a breach; Emergency and Urgent
        # already page the manager when nobody acknowledges.
        people = [support_request.assignee or primary, *team.managers()]
    else:
        people = [support_request.assignee or primary]
    unique = {p.pk: p for p in people if p is not None}
    return list(unique.values()) or team.managers(), Notification.Channel.STAFF


def _record(support_request, clock, step, now: datetime, team: _Team) -> list[Notification]:
    """Insert the notifications of one due step; a key that exists already means another
    sweep did it: nothing is recorded twice."""
    people, audience = _recipients(step.stage.value, support_request, team)
    created = []
    text = STAGE_TEXT[step.stage.value].format(
        id=support_request.pk,
        subject=support_request.subject[:120],
        tier=support_request.get_tier_display(),
        clock=clock.kind.value.replace("_", " "),
    )
    for person in people:
        try:
            with transaction.atomic():
                created.append(
                    Notification.objects.create(
                        key=f"{support_request.pk}:{step.key}@{person.pk}",
                        support_request=support_request,
                        stage=step.stage.value,
                        audience=audience,
                        recipient=person,
                        text=text,
                        due_at=step.due_at,
                        created_at=now,
                    )
                )
        except IntegrityError:
            continue
    return created


def _process(state: SlaState, now: datetime, setup: SlaSetup, team: _Team) -> list[int]:
    """Record what is due for one request and refresh its timer row; returns the ids of the
    notifications recorded (delivered in one batch per committed chunk)."""
    support_request = SupportRequest.objects.select_related(
        "organization", "requester", "assignee"
    ).get(pk=state.support_request_id)
    clocks = _clocks(support_request, setup, now)
    recorded: list[Notification] = []
    clocks_changed = False
    if clocks is not None:
        for clock in clocks.clocks:
            step = engine_clock.next_step(clock, now, setup.ladder)
            if step.stage is None:
                continue
            new = _record(support_request, clock, step, now, team)
            recorded += new
            if new and step.stage is engine_clock.Stage.IDLE_CLOSE:
                from portal.services import support_request_close_idle

                support_request_close_idle(support_request=support_request, now=now)
                clocks_changed = True
    # Recording notifications does not change the clocks: reuse them unless the request closed.
    sla_refresh(
        support_request=support_request,
        now=now,
        setup=setup,
        clocks=None if clocks_changed else clocks,
        agents_on_duty=team.agents_on_duty(),
    )
    return [notification.pk for notification in recorded]


def sla_sweep(*, now: datetime | None = None, limit: int = 500, chunk: int = 25) -> dict[str, int]:
    """Act on every timer row that is due, oldest first, exactly once; re-send notifications
    that were recorded but never delivered (the broker was down). Safe to run concurrently.

    Rows are locked (``skip_locked``) and committed ``chunk`` at a time, so a page is visible
    as soon as its chunk commits rather than when the whole sweep ends; each row is taken at
    most once per sweep."""
    from triage.tasks import notification_deliver_batch

    fixed_now = now
    setup = sla_setup_get()
    processed = notified = 0
    taken: list[int] = []
    while len(taken) < limit:
        # Without a given ``now`` every chunk looks at the clock again, so rows falling due
        # during a long sweep are not left for the next one.
        now = fixed_now or timezone.now()
        team = _Team(now, setup)
        with transaction.atomic():
            due = list(
                SlaState.objects.select_for_update(skip_locked=True)
                .filter(next_check_at__lte=now)
                .exclude(pk__in=taken)
                .order_by("next_check_at")[: min(chunk, limit - len(taken))]
            )
            recorded: list[int] = []
            for state in due:
                taken.append(state.pk)
                try:
                    with transaction.atomic():
                        recorded += _process(state, now, setup, team)
                    processed += 1
                except Exception:
                    logger.exception("SLA sweep failed for request %s", state.support_request_id)
            if recorded:
                enqueue_after_commit(notification_deliver_batch, recorded)
            notified += len(recorded)
        if not due:
            break
    _resend_stuck(now=now, limit=100)
    return {"processed": processed, "notifications": notified}


RESEND_AFTER = timedelta(minutes=5)


def _resend_stuck(*, now: datetime, limit: int) -> int:
    """Enqueue again the notifications recorded but still not emailed after RESEND_AFTER (the
    broker was down, or a worker died): each at most once per RESEND_AFTER, so a slow queue is
    never flooded with copies."""
    from triage.tasks import notification_deliver

    stuck = list(
        Notification.objects.filter(emailed_at__isnull=True, created_at__lt=now - RESEND_AFTER)
        .filter(Q(resent_at__isnull=True) | Q(resent_at__lt=now - RESEND_AFTER))
        .values_list("pk", flat=True)[:limit]
    )
    sent = 0
    for pk in stuck:
        claimed = (
            Notification.objects.filter(pk=pk)
            .filter(Q(resent_at__isnull=True) | Q(resent_at__lt=now - RESEND_AFTER))
            .update(resent_at=now)
        )
        if not claimed:
            continue
        try:
            notification_deliver.apply_async(args=(pk,), retry=False)
            sent += 1
        except Exception:
            logger.warning("broker unavailable; notification %s stays queued in the database", pk)
            Notification.objects.filter(pk=pk).update(resent_at=None)
            break
    return sent


# -- delivery ---------------------------------------------------------------------------------


def notification_deliver(*, notification_id: int, now: datetime | None = None) -> bool:
    """Email the recipient once (a conditional update claims the send), then post the staff
    webhook if one is configured. Returns False when there was nothing left to do."""
    from django.core.mail import send_mail

    now = now or timezone.now()
    notification = (
        Notification.objects.select_related("recipient", "support_request")
        .filter(pk=notification_id)
        .first()
    )
    if notification is None or notification.recipient is None:
        return False
    claimed = Notification.objects.filter(pk=notification_id, emailed_at__isnull=True).update(
        emailed_at=now
    )
    path = (
        f"/agent/requests/{notification.support_request_id}/"
        if notification.audience == Notification.Channel.STAFF
        else f"/requests/{notification.support_request_id}/"
    )
    if claimed:
        try:
            send_mail(
                subject=f"[Callgate #{notification.support_request_id}] {notification.text[:80]}",
                message=f"{notification.text}\n\n{settings.PORTAL_BASE_URL}{path}\n",
                from_email=None,
                recipient_list=[notification.recipient.email],
            )
        except Exception:
            Notification.objects.filter(pk=notification_id).update(emailed_at=None)
            raise
    return bool(claimed)


def webhook_post(*, notification_id: int, now: datetime | None = None) -> bool:
    """POST a staff notification as JSON to settings.TRIAGE_WEBHOOK_URL, signed with
    HMAC-SHA256 over the body (header ``X-Callgate-Signature: sha256=<hex>``). Raises on a
    network error or a non-2xx answer so the task retries with backoff; the recorded
    ``webhook_sent_at`` makes a retry after success a no-op."""
    import hashlib
    import hmac
    import json
    import urllib.request

    url = settings.TRIAGE_WEBHOOK_URL
    notification = Notification.objects.filter(
        pk=notification_id, audience=Notification.Channel.STAFF, webhook_sent_at__isnull=True
    ).first()
    if not url or notification is None:
        return False
    body = json.dumps(
        {
            "key": notification.key,
            "request_id": notification.support_request_id,
            "stage": notification.stage,
            "text": notification.text,
            "recipient": notification.recipient.email if notification.recipient else None,
            "due_at": notification.due_at.isoformat(),
            "url": f"{settings.PORTAL_BASE_URL}/agent/requests/{notification.support_request_id}/",
        },
        sort_keys=True,
    ).encode()
    signature = hmac.new(settings.TRIAGE_WEBHOOK_SECRET.encode(), body, hashlib.sha256).hexdigest()
    Notification.objects.filter(pk=notification_id).update(
        webhook_attempts=notification.webhook_attempts + 1
    )
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "X-Callgate-Signature": f"sha256={signature}",
            "X-Callgate-Key": notification.key,
        },
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - configured URL
        if not 200 <= response.status < 300:
            raise ConnectionError(f"webhook answered {response.status}")
    Notification.objects.filter(pk=notification_id).update(webhook_sent_at=now or timezone.now())
    return True
