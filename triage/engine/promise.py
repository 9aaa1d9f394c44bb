"""The response promise: per-tier SLA targets, shortened for important accounts and widened
honestly when the queue cannot meet them, as due instants and words a customer can read.

Targets live in a versioned :class:`SlaPolicy` that managers edit (stored as JSON). Each tier
has one target per :class:`Kind`; a target is "within N minutes" (business minutes on the team's
calendar, or real minutes when the tier runs ``around_the_clock``), "by the next business day",
or "instant" (a self-service answer). Nothing here reads the clock: ``now`` is an argument.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from triage.engine.calendar import BusinessCalendar
from triage.engine.types import AccountFacts, Tier

__all__ = [
    "AccountFacts",
    "AccountRules",
    "Kind",
    "KindPromise",
    "QueueLoad",
    "Rule",
    "SlaPolicy",
    "SlaPromise",
    "Target",
    "Tier",
    "TierTargets",
    "account_priority_reasons",
    "describe_duration",
    "format_due",
    "promise_for",
    "target_due",
    "tier_calendar",
]


class Kind(StrEnum):
    ACKNOWLEDGE = "acknowledge"
    FIRST_RESPONSE = "first_response"
    NEXT_UPDATE = "next_update"
    RESOLUTION = "resolution"


class Rule(StrEnum):
    WITHIN = "within"
    NEXT_BUSINESS_DAY = "next_business_day"
    INSTANT = "instant"


@dataclass(frozen=True)
class Target:
    """One promise. ``minutes`` counts for ``WITHIN`` only. ``important_minutes`` is the shorter
    ``WITHIN`` target for important accounts; whichever of the two falls due first wins."""

    rule: Rule
    minutes: int = 0
    important_minutes: int | None = None

    def __post_init__(self) -> None:
        if self.rule is Rule.WITHIN and self.minutes <= 0:
            raise ValueError("a WITHIN target needs minutes > 0")
        if self.rule is not Rule.WITHIN and self.minutes:
            raise ValueError(f"a {self.rule} target takes no minutes")
        if self.important_minutes is not None and self.important_minutes <= 0:
            raise ValueError("important_minutes must be > 0")

    @classmethod
    def within(cls, minutes: int, *, important: int | None = None) -> Target:
        return cls(Rule.WITHIN, minutes, important)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Target:
        return cls(
            rule=Rule(data["rule"]),
            minutes=int(data.get("minutes", 0)),
            important_minutes=data.get("important_minutes"),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule.value,
            "minutes": self.minutes,
            "important_minutes": self.important_minutes,
        }


NEXT_BUSINESS_DAY = Target(Rule.NEXT_BUSINESS_DAY)
INSTANT = Target(Rule.INSTANT)


@dataclass(frozen=True)
class TierTargets:
    """A tier's targets; ``None`` means no promise of that kind."""

    around_the_clock: bool
    acknowledge: Target | None
    first_response: Target | None
    next_update: Target | None
    resolution: Target | None

    def target(self, kind: Kind) -> Target | None:
        value: Target | None = getattr(self, kind.value)
        return value

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TierTargets:
        def read(kind: Kind) -> Target | None:
            raw = data.get(kind.value)
            return None if raw is None else Target.from_dict(raw)

        return cls(
            around_the_clock=bool(data.get("around_the_clock", False)),
            acknowledge=read(Kind.ACKNOWLEDGE),
            first_response=read(Kind.FIRST_RESPONSE),
            next_update=read(Kind.NEXT_UPDATE),
            resolution=read(Kind.RESOLUTION),
        )

    def to_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = {"around_the_clock": self.around_the_clock}
        for kind in Kind:
            target = self.target(kind)
            result[kind.value] = None if target is None else target.to_dict()
        return result


@dataclass(frozen=True)
class AccountRules:
    """When an account counts as important (any one reason is enough)."""

    contract_value_at_least: float = 50_000
    priority_plans: frozenset[str] = frozenset({"enterprise"})
    renewal_within_days: int = 60
    at_risk: bool = True
    health_below: int = 40

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AccountRules:
        defaults = cls()
        return cls(
            contract_value_at_least=float(
                data.get("contract_value_at_least", defaults.contract_value_at_least)
            ),
            priority_plans=frozenset(data.get("priority_plans", defaults.priority_plans)),
            renewal_within_days=int(data.get("renewal_within_days", defaults.renewal_within_days)),
            at_risk=bool(data.get("at_risk", defaults.at_risk)),
            health_below=int(data.get("health_below", defaults.health_below)),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "contract_value_at_least": self.contract_value_at_least,
            "priority_plans": sorted(self.priority_plans),
            "renewal_within_days": self.renewal_within_days,
            "at_risk": self.at_risk,
            "health_below": self.health_below,
        }


def _default_tiers() -> dict[Tier, TierTargets]:
    hours = 60
    return {
        # DESIGN: a human within 1 minute, 24×7.
        Tier.EMERGENCY: TierTargets(
            around_the_clock=True,
            acknowledge=Target.within(1),
            first_response=Target.within(1),
            next_update=Target.within(30),
            resolution=Target.within(4 * hours),
        ),
        # DESIGN: < 30 minutes; the issue: acknowledged within 10 minutes.
        Tier.URGENT: TierTargets(
            around_the_clock=False,
            acknowledge=Target.within(10, important=5),
            first_response=Target.within(30, important=15),
            next_update=Target.within(2 * hours),
            resolution=Target.within(8 * hours),
        ),
        # DESIGN: 2–4 business hours: 4 by default, 2 for important accounts.
        Tier.SEMI_URGENT: TierTargets(
            around_the_clock=False,
            acknowledge=Target.within(4 * hours, important=2 * hours),
            first_response=Target.within(4 * hours, important=2 * hours),
            next_update=NEXT_BUSINESS_DAY,
            resolution=Target.within(24 * hours),
        ),
        # DESIGN: next business day.
        Tier.NON_URGENT: TierTargets(
            around_the_clock=False,
            acknowledge=NEXT_BUSINESS_DAY,
            first_response=Target(Rule.NEXT_BUSINESS_DAY, important_minutes=4 * hours),
            next_update=Target.within(16 * hours),
            resolution=Target.within(40 * hours),
        ),
        # DESIGN: instant self-service answer from the KB.
        Tier.INFORMATIONAL: TierTargets(
            around_the_clock=False,
            acknowledge=None,
            first_response=INSTANT,
            next_update=None,
            resolution=None,
        ),
    }


@dataclass(frozen=True)
class SlaPolicy:
    """The versioned targets managers edit. ``version`` goes up with every saved change."""

    version: int = 1
    tiers: Mapping[Tier, TierTargets] = field(default_factory=_default_tiers)
    account_rules: AccountRules = field(default_factory=AccountRules)

    def __post_init__(self) -> None:
        missing = set(Tier) - set(self.tiers)
        if missing:
            raise ValueError(f"policy lacks tiers: {sorted(missing)}")

    def for_tier(self, tier: Tier) -> TierTargets:
        return self.tiers[Tier(tier)]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SlaPolicy:
        return cls(
            version=int(data["version"]),
            tiers={Tier(name): TierTargets.from_dict(raw) for name, raw in data["tiers"].items()},
            account_rules=AccountRules.from_dict(data.get("account_rules", {})),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "tiers": {tier.value: self.tiers[tier].to_dict() for tier in Tier},
            "account_rules": self.account_rules.to_dict(),
        }


@dataclass(frozen=True)
class QueueLoad:
    """The tier's queue right now: open requests ahead of this one, agents serving the tier during
    its open hours, and the average handling time of one request."""

    open_ahead: int
    agents_on_duty: int
    avg_handling_minutes: float

    def __post_init__(self) -> None:
        if self.open_ahead < 0 or self.agents_on_duty < 0 or self.avg_handling_minutes < 0:
            raise ValueError("queue load figures cannot be negative")


@dataclass(frozen=True)
class KindPromise:
    kind: Kind
    due_at: datetime
    words: str
    business_time: timedelta  # from received_at to due_at on the tier's clock
    widened: bool = False


@dataclass(frozen=True)
class SlaPromise:
    tier: Tier
    policy_version: int
    received_at: datetime
    around_the_clock: bool
    items: tuple[KindPromise, ...]
    shortened_because: tuple[str, ...] = ()
    capacity_alert: bool = False
    capacity_note: str = ""

    def get(self, kind: Kind) -> KindPromise | None:
        return next((item for item in self.items if item.kind is kind), None)

    @property
    def headline(self) -> KindPromise | None:
        """What the customer is told first: the first response, else the acknowledgement."""
        return self.get(Kind.FIRST_RESPONSE) or self.get(Kind.ACKNOWLEDGE)


def tier_calendar(calendar: BusinessCalendar, policy: SlaPolicy, tier: Tier) -> BusinessCalendar:
    """The clock a tier's targets run on: the team calendar, or 24×7 in its timezone."""
    if policy.for_tier(tier).around_the_clock:
        return BusinessCalendar.twenty_four_seven(calendar.timezone)
    return calendar


def account_priority_reasons(
    account: AccountFacts, rules: AccountRules, today: date
) -> tuple[str, ...]:
    """Why the account counts as important; empty when it does not. Unknown facts (``None``)
    are never a reason."""
    reasons: list[str] = []
    value = account.annual_contract_value
    threshold = rules.contract_value_at_least
    if value is not None and threshold > 0 and value >= threshold:
        reasons.append(f"contract value {value:,.0f} ≥ {rules.contract_value_at_least:,.0f}")
    if account.plan_tier is not None and account.plan_tier.value in rules.priority_plans:
        reasons.append(f"{account.plan_tier.value} plan")
    if account.renewal_date is not None:
        days = (account.renewal_date - today).days
        if 0 <= days <= rules.renewal_within_days:
            reasons.append(f"renewal in {days} days")
    if rules.at_risk and account.at_risk:
        reasons.append("account at risk")
    if account.health_score is not None and account.health_score < rules.health_below:
        reasons.append(f"health {account.health_score} < {rules.health_below}")
    return tuple(reasons)


def describe_duration(minutes: int, *, business: bool) -> str:
    """``120, business=True`` → ``"within 2 business hours"``; ``90`` → ``"within 1 hour 30
    minutes"``; ``1`` → ``"within 1 minute"``."""
    qualifier = "business " if business else ""
    hours, rest = divmod(minutes, 60)

    def unit(count: int, name: str, qualified: bool) -> str:
        return f"{count} {qualifier if qualified else ''}{name}{'' if count == 1 else 's'}"

    if hours == 0:
        return f"within {unit(rest, 'minute', True)}"
    if rest == 0:
        return f"within {unit(hours, 'hour', True)}"
    return f"within {unit(hours, 'hour', True)} {unit(rest, 'minute', False)}"


def _words(rule: Rule, minutes: int, *, business: bool) -> str:
    if rule is Rule.INSTANT:
        return "instantly (self-service)"
    if rule is Rule.NEXT_BUSINESS_DAY:
        return "by the next business day"
    return describe_duration(minutes, business=business)


def target_due(
    target: Target, *, important: bool, calendar: BusinessCalendar, start: datetime
) -> tuple[datetime, Rule, int]:
    """When ``target`` falls due from ``start`` on ``calendar``: ``(due, rule, minutes)`` of the
    variant that applies (the important one when it is due earlier)."""
    if target.rule is Rule.INSTANT:
        due, rule, minutes = start.astimezone(UTC), Rule.INSTANT, 0
    elif target.rule is Rule.NEXT_BUSINESS_DAY:
        due, rule, minutes = calendar.end_of_next_business_day(start), Rule.NEXT_BUSINESS_DAY, 0
    else:
        due = calendar.add_business_time(start, timedelta(minutes=target.minutes))
        rule, minutes = Rule.WITHIN, target.minutes
    if important and target.important_minutes is not None:
        shorter = calendar.add_business_time(start, timedelta(minutes=target.important_minutes))
        if shorter < due:
            return shorter, Rule.WITHIN, target.important_minutes
    return due, rule, minutes


def _round_up_minutes(minutes: float) -> int:
    """Promise round figures: 5-minute steps up to an hour, quarters up to 4 hours, then hours."""
    whole = math.ceil(minutes - 1e-9)
    step = 5 if whole <= 60 else 15 if whole <= 240 else 60
    return max(step, math.ceil(whole / step) * step)


def promise_for(
    *,
    tier: Tier,
    account: AccountFacts,
    calendar: BusinessCalendar,
    policy: SlaPolicy,
    received_at: datetime,
    now: datetime,
    queue: QueueLoad | None = None,
) -> SlaPromise:
    """The promise for a request received at ``received_at``, computed at ``now``.

    Targets are measured from ``received_at`` on the tier's clock (see :func:`tier_calendar`);
    an important account (see :func:`account_priority_reasons`, judged on the received date) gets
    the shorter variants. With ``queue``, the first response is checked against capacity: the
    queue ahead plus this request, shared by the agents on duty, takes
    ``open_ahead × avg_handling_minutes / agents_on_duty`` of the tier's time from ``now`` before
    an agent is free to answer this one.
    If that ends after the target, the first response is widened to the capacity estimate
    (rounded up to a round figure) and ``capacity_alert`` is set; so is it, without widening,
    when no agent is on duty. Other kinds are never moved earlier than the first response.
    """
    tier = Tier(tier)
    targets = policy.for_tier(tier)
    clock = tier_calendar(calendar, policy, tier)
    business = not targets.around_the_clock
    reasons = account_priority_reasons(
        account, policy.account_rules, calendar.local(received_at).date()
    )
    items: dict[Kind, KindPromise] = {}
    for kind in Kind:
        target = targets.target(kind)
        if target is None:
            continue
        due, rule, minutes = target_due(
            target, important=bool(reasons), calendar=clock, start=received_at
        )
        items[kind] = KindPromise(
            kind=kind,
            due_at=due,
            words=_words(rule, minutes, business=business),
            business_time=clock.business_time_between(received_at, due),
        )

    capacity_alert, capacity_note = False, ""
    first = items.get(Kind.FIRST_RESPONSE)
    if queue is not None and first is not None and targets.first_response is not None:
        if targets.first_response.rule is Rule.INSTANT:
            pass  # self-service: no agent in the loop
        elif queue.agents_on_duty == 0:
            capacity_alert = True
            capacity_note = "no agents on duty for this tier"
        else:
            needed = queue.open_ahead * queue.avg_handling_minutes / queue.agents_on_duty
            can_serve_by = clock.add_business_time(now, timedelta(minutes=needed))
            if can_serve_by > first.due_at:
                capacity_alert = True
                capacity_note = (
                    f"{queue.open_ahead} open ahead, {queue.agents_on_duty} agents on duty, "
                    f"{queue.avg_handling_minutes:g} min each: needs {math.ceil(needed)} min"
                )
                elapsed = clock.business_time_between(received_at, can_serve_by)
                minutes = _round_up_minutes(elapsed / timedelta(minutes=1))
                due = clock.add_business_time(received_at, timedelta(minutes=minutes))
                first = KindPromise(
                    kind=Kind.FIRST_RESPONSE,
                    due_at=due,
                    words=describe_duration(minutes, business=business),
                    business_time=timedelta(minutes=minutes),
                    widened=True,
                )
                items[Kind.FIRST_RESPONSE] = first
                for kind in (Kind.NEXT_UPDATE, Kind.RESOLUTION):
                    item = items.get(kind)
                    if item is not None and item.due_at < first.due_at:
                        items[kind] = KindPromise(
                            kind, first.due_at, first.words, first.business_time, widened=True
                        )

    return SlaPromise(
        tier=tier,
        policy_version=policy.version,
        received_at=received_at,
        around_the_clock=targets.around_the_clock,
        items=tuple(items[kind] for kind in Kind if kind in items),
        shortened_because=reasons,
        capacity_alert=capacity_alert,
        capacity_note=capacity_note,
    )


_WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def format_due(due_at: datetime, *, words: str, customer_timezone: str, now: datetime) -> str:
    """``"by 14:30 CET — within 2 business hours"`` in the customer's timezone.

    The date is added when the due instant is not on the customer's current local date:
    ``"by tomorrow 09:00 CET — …"`` or ``"by Mon 6 Jan 09:00 CET — …"``. Names are English and
    independent of the process locale.
    """
    zone = ZoneInfo(customer_timezone)
    local = due_at.astimezone(zone)
    today = now.astimezone(zone).date()
    clock = f"{local:%H:%M} {local.tzname()}"
    if local.date() == today:
        when = clock
    elif local.date() == today + timedelta(days=1):
        when = f"tomorrow {clock}"
    else:
        day = local.date()
        when = f"{_WEEKDAY_NAMES[day.weekday()]} {day.day} {_MONTH_NAMES[day.month - 1]} {clock}"
    if words.startswith("by "):
        return f"by {when} ({words[3:]})"
    return f"by {when} — {words}"
