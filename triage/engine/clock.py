"""SLA clocks recomputed from a request's event log, and the escalation ladder over them.

:func:`recompute_clocks` folds the events (submitted, tier changed, status changed, acknowledged,
agent replied, agent activity) into one :class:`ClockState` per running concern. It is a pure
function of the log, the *current* policy and calendar, and ``now``, so a changed tier, policy or
calendar is applied by recomputing: every SLA clock stays anchored where it started (submission,
or the latest agent reply for ``next_update``) and keeps every pause, so nothing restarts from
zero and no paused time is forgotten.

Clock semantics:

* ``acknowledge`` runs from submission to the first acknowledgement (an agent reply counts);
  ``first_response`` to the first agent reply; ``resolution`` to the final resolution, paused
  while the request waits on the customer and while it sat resolved before a reopen;
  ``next_update`` from the latest agent reply to the next one, paused like ``resolution``.
* A clock that stopped keeps the tier in force when it stopped (a later upgrade does not turn an
  acknowledgement that was on time into a breach); a running clock uses the current tier.
* A stop at or before the due instant is ``MET``; a running clock at or past it is ``BREACHED``.
  Resolving a request stops its other clocks as ``CANCELLED`` (``BREACHED`` if already late).
* ``INSTANT`` targets (self-service) are not agent clocks and yield no state.
* ``heartbeat`` (agent inactivity on an active, acknowledged request) and ``idle`` (waiting on the
  customer) carry no target; :func:`next_step` reads their thresholds from the ladder policy and
  counts them on the tier's clock (business time, or real time for a 24×7 tier).
* Clocks measure the policy targets, shortened for important accounts; a promise widened for
  capacity (see :mod:`triage.engine.promise`) does not move them — that gap is the capacity
  alert managers see.

Events stamped after ``now`` are ignored, so a replayed log gives the state as of ``now``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from triage.engine.calendar import BusinessCalendar, Closure
from triage.engine.promise import (
    AccountFacts,
    Kind,
    Rule,
    SlaPolicy,
    Tier,
    account_priority_reasons,
    target_due,
    tier_calendar,
)

__all__ = [
    "Acknowledged",
    "AgentActivity",
    "AgentReplied",
    "ClockKind",
    "ClockState",
    "ClockStatus",
    "Event",
    "LadderPolicy",
    "NextStep",
    "RequestClocks",
    "Stage",
    "StatusChanged",
    "Submitted",
    "TierChanged",
    "TierLadder",
    "next_step",
    "recompute_clocks",
]

WAITING_ON_CUSTOMER = "waiting_on_customer"
RESOLVED_STATUSES = frozenset({"resolved", "closed"})
_ZERO = timedelta(0)


# -- events -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Submitted:
    at: datetime
    tier: Tier


@dataclass(frozen=True)
class TierChanged:
    at: datetime
    tier: Tier


@dataclass(frozen=True)
class StatusChanged:
    """``status`` uses the portal's values; ``waiting_on_customer`` pauses, ``resolved`` and
    ``closed`` stop, anything else is open."""

    at: datetime
    status: str


@dataclass(frozen=True)
class Acknowledged:
    at: datetime


@dataclass(frozen=True)
class AgentReplied:
    at: datetime


@dataclass(frozen=True)
class AgentActivity:
    """Agent work the customer does not see (a note, an assignment): keeps the heartbeat quiet."""

    at: datetime


Event = Submitted | TierChanged | StatusChanged | Acknowledged | AgentReplied | AgentActivity


# -- clock state ------------------------------------------------------------------------------


class ClockKind(StrEnum):
    ACKNOWLEDGE = "acknowledge"
    FIRST_RESPONSE = "first_response"
    NEXT_UPDATE = "next_update"
    RESOLUTION = "resolution"
    HEARTBEAT = "heartbeat"
    IDLE = "idle"


class ClockStatus(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"
    MET = "met"
    BREACHED = "breached"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class ClockState:
    """One clock as of ``now``.

    ``target`` is the business time allowed; ``paused`` the business time spent paused (what the
    due instant moved by). While paused, ``due_at`` assumes the pause ends at ``now``.
    ``calendar`` is the clock's own calendar with its pauses as closures, so
    ``calendar.business_time_between(now, due_at)`` is the time left. ``key`` is unique per
    clock of a request (recurring clocks include their cycle).
    """

    kind: ClockKind
    key: str
    tier: Tier
    started_at: datetime
    status: ClockStatus
    policy_version: int
    due_at: datetime | None = None
    target: timedelta | None = None
    paused: timedelta = _ZERO
    paused_since: datetime | None = None
    stopped_at: datetime | None = None
    calendar: BusinessCalendar | None = field(default=None, repr=False)

    @property
    def is_stopped(self) -> bool:
        return self.stopped_at is not None

    def time_left(self, now: datetime) -> timedelta | None:
        """Business time until due (negative when overdue); ``None`` for clocks without one."""
        if self.due_at is None or self.calendar is None:
            return None
        return self.calendar.business_time_between(now, self.due_at)


@dataclass(frozen=True)
class RequestClocks:
    tier: Tier
    policy_version: int
    clocks: tuple[ClockState, ...]

    def get(self, kind: ClockKind) -> ClockState | None:
        return next((clock for clock in self.clocks if clock.kind is kind), None)


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y%m%dT%H%M%S.%fZ")


@dataclass
class _Pause:
    start: datetime
    end: datetime | None  # None: still paused


@dataclass
class _Log:
    """The facts of the event log that clocks need, folded in time order."""

    submitted: Submitted
    tiers: list[tuple[datetime, Tier]]
    acknowledged_at: datetime | None = None
    replies: list[datetime] = field(default_factory=list)
    last_activity: datetime | None = None
    status: str = "new"
    pauses: list[_Pause] = field(default_factory=list)  # waiting, and resolved-then-reopened
    waiting_since: datetime | None = None
    resolved_at: datetime | None = None
    resumed_at: datetime | None = None  # last time the request left waiting or resolved

    def tier_at(self, at: datetime) -> Tier:
        current = self.tiers[0][1]
        for changed_at, tier in self.tiers:
            if changed_at <= at:
                current = tier
        return current


def _fold(events: Iterable[Event], now: datetime) -> _Log:
    ordered = sorted((e for e in events if e.at <= now), key=lambda e: e.at)
    submitted = next((e for e in ordered if isinstance(e, Submitted)), None)
    if submitted is None:
        raise ValueError("the event log has no Submitted event at or before now")
    log = _Log(submitted=submitted, tiers=[(submitted.at, Tier(submitted.tier))])
    for event in ordered:
        if event.at < submitted.at:
            raise ValueError(f"{event!r} happened before the request was submitted")
        match event:
            case TierChanged(at=at, tier=tier):
                log.tiers.append((at, Tier(tier)))
            case Acknowledged(at=at):
                log.acknowledged_at = log.acknowledged_at or at
                log.last_activity = at
            case AgentReplied(at=at):
                log.replies.append(at)
                log.acknowledged_at = log.acknowledged_at or at
                log.last_activity = at
            case AgentActivity(at=at):
                log.last_activity = at
            case StatusChanged(at=at, status=status):
                _change_status(log, at, status)
    return log


def _change_status(log: _Log, at: datetime, status: str) -> None:
    was_paused = log.status == WAITING_ON_CUSTOMER or log.status in RESOLVED_STATUSES
    now_paused = status == WAITING_ON_CUSTOMER or status in RESOLVED_STATUSES
    if was_paused and log.pauses and log.pauses[-1].end is None:
        log.pauses[-1].end = at
    if now_paused:
        log.pauses.append(_Pause(at, None))
    elif was_paused:
        log.resumed_at = at
    log.waiting_since = at if status == WAITING_ON_CUSTOMER else None
    log.resolved_at = at if status in RESOLVED_STATUSES else None
    log.status = status


def recompute_clocks(
    events: Iterable[Event],
    *,
    policy: SlaPolicy,
    calendar: BusinessCalendar,
    now: datetime,
    account: AccountFacts | None = None,
) -> RequestClocks:
    """Every clock of one request as of ``now``; see the module docstring for the semantics.

    Raises ``ValueError`` when the log has no ``Submitted`` event or an event precedes it.
    """
    log = _fold(events, now)
    start = log.submitted.at
    important = account is not None and bool(
        account_priority_reasons(account, policy.account_rules, calendar.local(start).date())
    )

    def sla_clock(
        kind: ClockKind, key: str, anchor: datetime, stop: datetime | None, pauses: bool
    ) -> ClockState | None:
        # Resolution stops everything; the clock's own event stops only itself.
        own_stop = stop
        stopped_at = stop if stop is not None else log.resolved_at
        tier = log.tier_at(stopped_at) if stopped_at is not None else log.tiers[-1][1]
        target = policy.for_tier(tier).target(Kind(kind.value))
        if target is None or target.rule is Rule.INSTANT:
            return None
        clock_calendar = tier_calendar(calendar, policy, tier)
        base_due, _, _ = target_due(
            target, important=important, calendar=clock_calendar, start=anchor
        )
        allowed = clock_calendar.business_time_between(anchor, base_due)
        horizon = stopped_at if stopped_at is not None else now
        closures: list[Closure] = []
        paused = _ZERO
        paused_since: datetime | None = None
        for pause in log.pauses if pauses else []:
            lo = max(pause.start, anchor)
            hi = min(pause.end or horizon, horizon)
            if pause.end is None and stopped_at is None:
                paused_since = pause.start
            if lo < hi:
                closures.append(Closure(lo, hi, "paused"))
                paused += clock_calendar.business_time_between(lo, hi)
        effective = clock_calendar.with_closures(closures)
        due = effective.add_business_time(anchor, allowed)
        if stopped_at is not None:
            if stopped_at > due:
                status = ClockStatus.BREACHED
            elif own_stop is not None:
                status = ClockStatus.MET
            else:
                status = ClockStatus.CANCELLED
        elif due <= now:
            status = ClockStatus.BREACHED
        elif paused_since is not None:
            status = ClockStatus.PAUSED
        else:
            status = ClockStatus.RUNNING
        return ClockState(
            kind=kind,
            key=key,
            tier=tier,
            started_at=anchor,
            status=status,
            policy_version=policy.version,
            due_at=due,
            target=allowed,
            paused=paused,
            paused_since=paused_since,
            stopped_at=stopped_at,
            calendar=effective,
        )

    first_reply = log.replies[0] if log.replies else None
    candidates = [
        sla_clock(ClockKind.ACKNOWLEDGE, "acknowledge", start, log.acknowledged_at, False),
        sla_clock(ClockKind.FIRST_RESPONSE, "first_response", start, first_reply, False),
    ]
    if log.replies:
        key = f"next_update:{len(log.replies)}"
        candidates.append(sla_clock(ClockKind.NEXT_UPDATE, key, log.replies[-1], None, True))
    final_stop = log.resolved_at
    candidates.append(sla_clock(ClockKind.RESOLUTION, "resolution", start, final_stop, True))
    clocks = [c for c in candidates if c is not None]

    tier = log.tiers[-1][1]
    active = log.status not in RESOLVED_STATUSES and log.status != WAITING_ON_CUSTOMER
    if log.acknowledged_at is not None and active:
        anchor = max(
            at for at in (log.last_activity, log.resumed_at, log.tiers[-1][0]) if at is not None
        )
        clocks.append(
            ClockState(
                kind=ClockKind.HEARTBEAT,
                key=f"heartbeat:{_iso(anchor)}",
                tier=tier,
                started_at=anchor,
                status=ClockStatus.RUNNING,
                policy_version=policy.version,
                calendar=tier_calendar(calendar, policy, tier),
            )
        )
    if log.waiting_since is not None:
        clocks.append(
            ClockState(
                kind=ClockKind.IDLE,
                key=f"idle:{_iso(log.waiting_since)}",
                tier=tier,
                started_at=log.waiting_since,
                status=ClockStatus.RUNNING,
                policy_version=policy.version,
                calendar=tier_calendar(calendar, policy, tier),
            )
        )
    return RequestClocks(tier=tier, policy_version=policy.version, clocks=tuple(clocks))


# -- escalation ladder ------------------------------------------------------------------------


class Stage(StrEnum):
    PAGE_BACKUP = "page_backup"
    PAGE_MANAGER = "page_manager"
    WARNING = "warning"
    BREACH = "breach"
    HEARTBEAT = "heartbeat"
    IDLE_REMINDER = "idle_reminder"
    IDLE_CLOSE = "idle_close"


@dataclass(frozen=True)
class TierLadder:
    """How one tier escalates. ``None`` switches a step off.

    ``page_on_ack_miss``: a missed acknowledgement pages the backup on-call at the due instant,
    then the manager ``manager_after_minutes`` later (instead of warning/breach on that clock).
    ``warn_at_fraction`` of an SLA clock's business-time target sends the pre-breach warning.
    ``heartbeat_minutes`` of agent inactivity reminds the assignee, again every as many minutes.
    ``idle_*_minutes`` after the request started waiting on the customer: reminder, then close.
    Minutes count on the tier's clock: business minutes unless the tier runs 24×7.
    """

    page_on_ack_miss: bool = False
    manager_after_minutes: int | None = None
    warn_at_fraction: float | None = 0.75
    heartbeat_minutes: int | None = None
    idle_reminder_minutes: int | None = 10
    idle_close_minutes: int | None = 15

    def __post_init__(self) -> None:
        if self.warn_at_fraction is not None and not 0 < self.warn_at_fraction < 1:
            raise ValueError("warn_at_fraction must be between 0 and 1")
        for name in (
            "manager_after_minutes",
            "heartbeat_minutes",
            "idle_reminder_minutes",
            "idle_close_minutes",
        ):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise ValueError(f"{name} must be > 0")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TierLadder:
        return cls(**{key: data[key] for key in cls().to_dict() if key in data})

    def to_dict(self) -> dict[str, Any]:
        return {
            "page_on_ack_miss": self.page_on_ack_miss,
            "manager_after_minutes": self.manager_after_minutes,
            "warn_at_fraction": self.warn_at_fraction,
            "heartbeat_minutes": self.heartbeat_minutes,
            "idle_reminder_minutes": self.idle_reminder_minutes,
            "idle_close_minutes": self.idle_close_minutes,
        }


def _default_ladders() -> dict[Tier, TierLadder]:
    return {
        # A warning 15 s before a 1-minute target helps nobody: Emergency pages instead.
        Tier.EMERGENCY: TierLadder(
            page_on_ack_miss=True,
            manager_after_minutes=4,
            heartbeat_minutes=10,
            warn_at_fraction=None,
        ),
        Tier.URGENT: TierLadder(
            page_on_ack_miss=True, manager_after_minutes=10, heartbeat_minutes=10
        ),
        Tier.SEMI_URGENT: TierLadder(),
        Tier.NON_URGENT: TierLadder(),
        Tier.INFORMATIONAL: TierLadder(),
    }


@dataclass(frozen=True)
class LadderPolicy:
    version: int = 1
    tiers: Mapping[Tier, TierLadder] = field(default_factory=_default_ladders)

    def __post_init__(self) -> None:
        missing = set(Tier) - set(self.tiers)
        if missing:
            raise ValueError(f"ladder policy lacks tiers: {sorted(missing)}")

    def for_tier(self, tier: Tier) -> TierLadder:
        return self.tiers[Tier(tier)]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LadderPolicy:
        return cls(
            version=int(data["version"]),
            tiers={Tier(name): TierLadder.from_dict(raw) for name, raw in data["tiers"].items()},
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "tiers": {tier.value: self.tiers[tier].to_dict() for tier in Tier},
        }


@dataclass(frozen=True)
class NextStep:
    """``stage`` is the most advanced step due at ``now`` (``None``: nothing due), ``due_at``
    when it fell due, ``key`` its notification key (``"<clock key>:<stage>"``, unique per clock
    and stage: prefix it with the request id and insert it once). ``next_check_at`` is when the
    following step falls due (``None``: no further step while the clock stays as it is)."""

    stage: Stage | None
    due_at: datetime | None
    key: str | None
    next_check_at: datetime | None


_Step = tuple[Stage, datetime, str]


def _schedule(clock: ClockState, now: datetime, ladder: TierLadder) -> list[_Step]:
    # Heartbeat and idle count the tier's time: business time for business-hours tiers (no
    # reminders all night), real time for a 24×7 tier.
    tier_clock = clock.calendar or BusinessCalendar.twenty_four_seven()

    def after(minutes: float) -> datetime:
        return tier_clock.add_business_time(clock.started_at, timedelta(minutes=minutes))

    if clock.kind is ClockKind.HEARTBEAT:
        if ladder.heartbeat_minutes is None:
            return []
        every = timedelta(minutes=ladder.heartbeat_minutes)
        quiet = tier_clock.business_time_between(clock.started_at, now)
        done = max(0, math.floor(quiet / every))
        # The latest reminder due (if any) and the one after it, each with its own key.
        return [
            (Stage.HEARTBEAT, after(n * ladder.heartbeat_minutes), f"{clock.key}:heartbeat:{n}")
            for n in (done, done + 1)
            if n >= 1
        ]
    if clock.kind is ClockKind.IDLE:
        steps: list[_Step] = []
        if ladder.idle_reminder_minutes is not None:
            at = after(ladder.idle_reminder_minutes)
            steps.append((Stage.IDLE_REMINDER, at, f"{clock.key}:{Stage.IDLE_REMINDER}"))
        if ladder.idle_close_minutes is not None:
            at = after(ladder.idle_close_minutes)
            steps.append((Stage.IDLE_CLOSE, at, f"{clock.key}:{Stage.IDLE_CLOSE}"))
        return steps
    if clock.is_stopped or clock.status is ClockStatus.PAUSED:
        return []
    if clock.due_at is None or clock.target is None or clock.calendar is None:
        return []
    if clock.kind is ClockKind.ACKNOWLEDGE and ladder.page_on_ack_miss:
        steps = [(Stage.PAGE_BACKUP, clock.due_at, f"{clock.key}:{Stage.PAGE_BACKUP}")]
        if ladder.manager_after_minutes is not None:
            at = clock.due_at + timedelta(minutes=ladder.manager_after_minutes)
            steps.append((Stage.PAGE_MANAGER, at, f"{clock.key}:{Stage.PAGE_MANAGER}"))
        return steps
    steps = []  # warning, then breach
    if ladder.warn_at_fraction is not None:
        warn_at = clock.calendar.add_business_time(
            clock.started_at, clock.target * ladder.warn_at_fraction
        )
        steps.append((Stage.WARNING, warn_at, f"{clock.key}:{Stage.WARNING}"))
    steps.append((Stage.BREACH, clock.due_at, f"{clock.key}:{Stage.BREACH}"))
    return steps


def next_step(clock: ClockState, now: datetime, ladder_policy: LadderPolicy) -> NextStep:
    """Which escalation step of ``clock`` is due at ``now``.

    Steps a down sweep slept through are not replayed: when several are due, the most advanced
    wins (a breach makes its warning moot; the manager page supersedes the backup page).
    Stopped and paused clocks have no steps. Heartbeats repeat every ``heartbeat_minutes`` of
    inactivity, each with its own key.
    """
    steps = sorted(
        _schedule(clock, now, ladder_policy.for_tier(clock.tier)), key=lambda step: step[1]
    )
    due = [step for step in steps if step[1] <= now]
    upcoming = [step for step in steps if step[1] > now]
    next_check_at = upcoming[0][1] if upcoming else None
    if not due:
        return NextStep(stage=None, due_at=None, key=None, next_check_at=next_check_at)
    stage, due_at, key = due[-1]
    return NextStep(stage=stage, due_at=due_at, key=key, next_check_at=next_check_at)
