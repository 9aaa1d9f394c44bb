"""The response promise: tier defaults, account shortening, capacity widening, wording."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from triage.engine.calendar import BusinessCalendar
from triage.engine.promise import (
    Kind,
    QueueLoad,
    SlaPolicy,
    SlaPromise,
    Target,
    Tier,
    describe_duration,
    format_due,
    promise_for,
)
from triage.engine.types import AccountFacts, PlanTier

BERLIN = ZoneInfo("Europe/Berlin")
TEAM = BusinessCalendar.from_dict(
    {
        "timezone": "Europe/Berlin",
        "periods": {
            day: ["09:00-12:30", "13:30-18:00"] for day in ("mon", "tue", "wed", "thu", "fri")
        },
        "holiday_country": "DE",
        "holiday_subdivision": "BE",
    }
)
POLICY = SlaPolicy()
PLAIN = AccountFacts()
ENTERPRISE = AccountFacts(plan_tier=PlanTier.ENTERPRISE)


def berlin(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=BERLIN)


def promise(
    tier: Tier,
    received_at: datetime,
    *,
    account: AccountFacts = PLAIN,
    now: datetime | None = None,
    queue: QueueLoad | None = None,
) -> SlaPromise:
    return promise_for(
        tier=tier,
        account=account,
        calendar=TEAM,
        policy=POLICY,
        received_at=received_at,
        now=now or received_at,
        queue=queue,
    )


def dues(result: SlaPromise) -> dict[Kind, tuple[datetime, str]]:
    return {item.kind: (item.due_at, item.words) for item in result.items}


# -- tiers ----------------------------------------------------------------------------------


def test_emergency_runs_around_the_clock_on_a_saturday() -> None:
    result = promise(Tier.EMERGENCY, berlin(2025, 1, 4, 10, 0))

    assert dues(result) == {
        Kind.ACKNOWLEDGE: (berlin(2025, 1, 4, 10, 1), "within 1 minute"),
        Kind.FIRST_RESPONSE: (berlin(2025, 1, 4, 10, 1), "within 1 minute"),
        Kind.NEXT_UPDATE: (berlin(2025, 1, 4, 10, 30), "within 30 minutes"),
        Kind.RESOLUTION: (berlin(2025, 1, 4, 14, 0), "within 4 hours"),
    }
    assert (result.around_the_clock, result.capacity_alert, result.policy_version) == (
        True,
        False,
        1,
    )


def test_urgent_late_in_the_day_continues_next_morning() -> None:
    result = promise(Tier.URGENT, berlin(2025, 1, 6, 17, 50))

    assert dues(result) == {
        Kind.ACKNOWLEDGE: (berlin(2025, 1, 6, 18, 0), "within 10 business minutes"),
        Kind.FIRST_RESPONSE: (berlin(2025, 1, 7, 9, 20), "within 30 business minutes"),
        Kind.NEXT_UPDATE: (berlin(2025, 1, 7, 10, 50), "within 2 business hours"),
        Kind.RESOLUTION: (berlin(2025, 1, 7, 17, 50), "within 8 business hours"),
    }
    assert result.shortened_because == ()


def test_urgent_for_an_important_account_is_shortened() -> None:
    result = promise(Tier.URGENT, berlin(2025, 1, 6, 17, 50), account=ENTERPRISE)

    assert dues(result)[Kind.ACKNOWLEDGE] == (
        berlin(2025, 1, 6, 17, 55),
        "within 5 business minutes",
    )
    assert dues(result)[Kind.FIRST_RESPONSE] == (
        berlin(2025, 1, 7, 9, 5),
        "within 15 business minutes",
    )
    assert result.shortened_because == ("enterprise plan",)


def test_semi_urgent_defaults() -> None:
    result = promise(Tier.SEMI_URGENT, berlin(2025, 1, 6, 11, 0))

    assert dues(result) == {
        Kind.ACKNOWLEDGE: (berlin(2025, 1, 6, 16, 0), "within 4 business hours"),
        Kind.FIRST_RESPONSE: (berlin(2025, 1, 6, 16, 0), "within 4 business hours"),
        Kind.NEXT_UPDATE: (berlin(2025, 1, 7, 18, 0), "by the next business day"),
        Kind.RESOLUTION: (berlin(2025, 1, 9, 11, 0), "within 24 business hours"),
    }
    assert result.headline is not None
    assert result.headline.business_time == timedelta(hours=4)


@pytest.mark.parametrize(
    ("_case", "account", "reasons"),
    [
        (
            "contract value",
            AccountFacts(annual_contract_value=50_000.0),
            ("contract value 50,000 ≥ 50,000",),
        ),
        ("plan", AccountFacts(plan_tier=PlanTier.ENTERPRISE), ("enterprise plan",)),
        ("renewal soon", AccountFacts(renewal_date=date(2025, 1, 26)), ("renewal in 20 days",)),
        ("at risk", AccountFacts(at_risk=True), ("account at risk",)),
        ("poor health", AccountFacts(health_score=39), ("health 39 < 40",)),
        (
            "several reasons shorten once",
            AccountFacts(plan_tier=PlanTier.ENTERPRISE, at_risk=True, health_score=10),
            ("enterprise plan", "account at risk", "health 10 < 40"),
        ),
    ],
)
def test_semi_urgent_important_account_gets_two_business_hours(
    _case: str, account: AccountFacts, reasons: tuple[str, ...]
) -> None:
    result = promise(Tier.SEMI_URGENT, berlin(2025, 1, 6, 11, 0), account=account)

    assert dues(result)[Kind.FIRST_RESPONSE] == (
        berlin(2025, 1, 6, 14, 0),
        "within 2 business hours",
    )
    assert result.shortened_because == reasons


@pytest.mark.parametrize(
    ("_case", "account"),
    [
        ("nothing known", AccountFacts()),
        ("contract just below", AccountFacts(annual_contract_value=49_999.99)),
        ("business plan", AccountFacts(plan_tier=PlanTier.BUSINESS)),
        ("renewal in 61 days", AccountFacts(renewal_date=date(2025, 3, 8))),
        ("renewal passed", AccountFacts(renewal_date=date(2025, 1, 1))),
        ("health at threshold", AccountFacts(health_score=40)),
    ],
)
def test_semi_urgent_ordinary_account_keeps_four_business_hours(
    _case: str, account: AccountFacts
) -> None:
    result = promise(Tier.SEMI_URGENT, berlin(2025, 1, 6, 11, 0), account=account)

    assert dues(result)[Kind.FIRST_RESPONSE] == (
        berlin(2025, 1, 6, 16, 0),
        "within 4 business hours",
    )
    assert result.shortened_because == ()


def test_non_urgent_on_friday_is_due_by_monday_close() -> None:
    result = promise(Tier.NON_URGENT, berlin(2025, 1, 3, 15, 0))

    assert dues(result) == {
        Kind.ACKNOWLEDGE: (berlin(2025, 1, 6, 18, 0), "by the next business day"),
        Kind.FIRST_RESPONSE: (berlin(2025, 1, 6, 18, 0), "by the next business day"),
        Kind.NEXT_UPDATE: (berlin(2025, 1, 7, 15, 0), "within 16 business hours"),
        Kind.RESOLUTION: (berlin(2025, 1, 10, 15, 0), "within 40 business hours"),
    }


def test_non_urgent_for_an_important_account_takes_the_earlier_four_hours() -> None:
    result = promise(Tier.NON_URGENT, berlin(2025, 1, 3, 15, 0), account=ENTERPRISE)

    assert dues(result)[Kind.FIRST_RESPONSE] == (
        berlin(2025, 1, 6, 10, 0),
        "within 4 business hours",
    )
    assert dues(result)[Kind.ACKNOWLEDGE] == (berlin(2025, 1, 6, 18, 0), "by the next business day")


def test_informational_is_an_instant_self_service_answer() -> None:
    received = berlin(2025, 1, 6, 11, 0)

    result = promise(Tier.INFORMATIONAL, received, queue=QueueLoad(50, 1, 30))

    assert dues(result) == {Kind.FIRST_RESPONSE: (received, "instantly (self-service)")}
    assert result.capacity_alert is False


# -- workload -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("_case", "open_ahead", "expected_due", "words", "alert"),
    [
        ("queue fits the target", 12, berlin(2025, 1, 6, 14, 0), "within 4 business hours", False),
        ("needs exactly 5 hours", 20, berlin(2025, 1, 6, 15, 0), "within 5 business hours", True),
        (
            "5h15 rounds up to 6 hours",
            21,
            berlin(2025, 1, 6, 16, 0),
            "within 6 business hours",
            True,
        ),
    ],
)
def test_semi_urgent_widens_when_the_queue_cannot_meet_it(
    _case: str, open_ahead: int, expected_due: datetime, words: str, alert: bool
) -> None:
    # given: 2 agents, 30 minutes a request; received at Monday's opening
    queue = QueueLoad(open_ahead=open_ahead, agents_on_duty=2, avg_handling_minutes=30)

    # when
    result = promise(Tier.SEMI_URGENT, berlin(2025, 1, 6, 9, 0), queue=queue)

    # then
    first = result.get(Kind.FIRST_RESPONSE)
    assert first is not None
    assert (first.due_at, first.words, first.widened, result.capacity_alert) == (
        expected_due,
        words,
        alert,
        alert,
    )
    assert dues(result)[Kind.RESOLUTION] == (berlin(2025, 1, 8, 18, 0), "within 24 business hours")
    assert dues(result)[Kind.NEXT_UPDATE] == (berlin(2025, 1, 7, 18, 0), "by the next business day")


def test_capacity_note_explains_the_widening() -> None:
    queue = QueueLoad(open_ahead=20, agents_on_duty=2, avg_handling_minutes=30)

    result = promise(Tier.SEMI_URGENT, berlin(2025, 1, 6, 9, 0), queue=queue)

    assert result.capacity_note == "20 open ahead, 2 agents on duty, 30 min each: needs 300 min"


def test_capacity_is_counted_from_now_and_worded_from_receipt() -> None:
    # given: received at 09:00, promised at 12:00 with three hours of work ahead
    queue = QueueLoad(open_ahead=6, agents_on_duty=1, avg_handling_minutes=30)

    # when
    result = promise(
        Tier.SEMI_URGENT, berlin(2025, 1, 6, 9, 0), now=berlin(2025, 1, 6, 12, 0), queue=queue
    )

    # then: 12:00–12:30 and 13:30–16:00; from 09:00 that is 6 business hours
    assert dues(result)[Kind.FIRST_RESPONSE] == (
        berlin(2025, 1, 6, 16, 0),
        "within 6 business hours",
    )
    assert result.capacity_alert is True


def test_urgent_widening_rounds_to_five_minutes() -> None:
    queue = QueueLoad(open_ahead=3, agents_on_duty=1, avg_handling_minutes=12)

    result = promise(Tier.URGENT, berlin(2025, 1, 6, 9, 0), queue=queue)

    assert dues(result)[Kind.FIRST_RESPONSE] == (
        berlin(2025, 1, 6, 9, 40),
        "within 40 business minutes",
    )


def test_emergency_widening_drags_an_earlier_next_update_along() -> None:
    queue = QueueLoad(open_ahead=4, agents_on_duty=1, avg_handling_minutes=20)

    result = promise(Tier.EMERGENCY, berlin(2025, 1, 4, 10, 0), queue=queue)

    assert dues(result) == {
        Kind.ACKNOWLEDGE: (berlin(2025, 1, 4, 10, 1), "within 1 minute"),
        Kind.FIRST_RESPONSE: (berlin(2025, 1, 4, 11, 30), "within 1 hour 30 minutes"),
        Kind.NEXT_UPDATE: (berlin(2025, 1, 4, 11, 30), "within 1 hour 30 minutes"),
        Kind.RESOLUTION: (berlin(2025, 1, 4, 14, 0), "within 4 hours"),
    }
    assert result.capacity_alert is True


def test_no_agent_on_duty_raises_the_alert_without_inventing_a_time() -> None:
    queue = QueueLoad(open_ahead=0, agents_on_duty=0, avg_handling_minutes=30)

    result = promise(Tier.SEMI_URGENT, berlin(2025, 1, 6, 9, 0), queue=queue)

    assert dues(result)[Kind.FIRST_RESPONSE] == (
        berlin(2025, 1, 6, 14, 0),
        "within 4 business hours",
    )
    assert (result.capacity_alert, result.capacity_note) == (
        True,
        "no agents on duty for this tier",
    )


# -- words ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("_case", "minutes", "business", "expected"),
    [
        ("one minute", 1, False, "within 1 minute"),
        ("business minutes", 30, True, "within 30 business minutes"),
        ("one hour", 60, True, "within 1 business hour"),
        ("hour and minutes", 90, False, "within 1 hour 30 minutes"),
        ("business hours and minutes", 150, True, "within 2 business hours 30 minutes"),
    ],
)
def test_describe_duration(_case: str, minutes: int, business: bool, expected: str) -> None:
    assert describe_duration(minutes, business=business) == expected


@pytest.mark.parametrize(
    ("_case", "due", "words", "customer_timezone", "now", "expected"),
    [
        (
            "same day in Berlin",
            berlin(2025, 1, 6, 14, 0),
            "within 2 business hours",
            "Europe/Berlin",
            berlin(2025, 1, 6, 11, 0),
            "by 14:00 CET — within 2 business hours",
        ),
        (
            "same instant for a New York customer",
            berlin(2025, 1, 6, 14, 0),
            "within 2 business hours",
            "America/New_York",
            berlin(2025, 1, 6, 11, 0),
            "by 08:00 EST — within 2 business hours",
        ),
        (
            "summer time",
            berlin(2025, 7, 7, 14, 30),
            "within 2 business hours",
            "Europe/Berlin",
            berlin(2025, 7, 7, 11, 0),
            "by 14:30 CEST — within 2 business hours",
        ),
        (
            "tomorrow",
            berlin(2025, 1, 7, 9, 20),
            "within 30 business minutes",
            "Europe/Berlin",
            berlin(2025, 1, 6, 17, 50),
            "by tomorrow 09:20 CET — within 30 business minutes",
        ),
        (
            "next business day after a weekend",
            berlin(2025, 1, 6, 18, 0),
            "by the next business day",
            "Europe/Berlin",
            berlin(2025, 1, 3, 15, 0),
            "by Mon 6 Jan 18:00 CET (the next business day)",
        ),
    ],
)
def test_format_due(
    _case: str, due: datetime, words: str, customer_timezone: str, now: datetime, expected: str
) -> None:
    assert format_due(due, words=words, customer_timezone=customer_timezone, now=now) == expected


# -- policy storage -------------------------------------------------------------------------


def test_policy_round_trips_through_json() -> None:
    stored = json.loads(json.dumps(POLICY.to_dict()))

    assert SlaPolicy.from_dict(stored) == POLICY
    assert stored["version"] == 1
    assert stored["tiers"]["semi_urgent"]["first_response"] == {
        "rule": "within",
        "minutes": 240,
        "important_minutes": 120,
    }
    assert stored["account_rules"] == {
        "contract_value_at_least": 50000,
        "priority_plans": ["enterprise"],
        "renewal_within_days": 60,
        "at_risk": True,
        "health_below": 40,
    }


def test_edited_policy_version_and_targets_apply() -> None:
    # given: a manager tightens Semi-urgent to 3 hours in version 2
    data = POLICY.to_dict()
    data["version"] = 2
    data["tiers"]["semi_urgent"]["first_response"] = Target.within(180).to_dict()
    edited = SlaPolicy.from_dict(data)

    # when
    result = promise_for(
        tier=Tier.SEMI_URGENT,
        account=ENTERPRISE,
        calendar=TEAM,
        policy=edited,
        received_at=berlin(2025, 1, 6, 11, 0),
        now=berlin(2025, 1, 6, 11, 0),
        queue=None,
    )

    # then: no important variant any more, so the enterprise account gets the 3 hours too
    assert result.policy_version == 2
    assert dues(result)[Kind.FIRST_RESPONSE] == (
        berlin(2025, 1, 6, 15, 0),
        "within 3 business hours",
    )


def test_policy_without_every_tier_is_rejected() -> None:
    data = POLICY.to_dict()
    del data["tiers"]["informational"]

    with pytest.raises(ValueError, match="lacks tiers"):
        SlaPolicy.from_dict(data)


@pytest.mark.parametrize(
    ("_case", "data", "message"),
    [
        ("within without minutes", {"rule": "within", "minutes": 0}, "minutes > 0"),
        ("next day with minutes", {"rule": "next_business_day", "minutes": 30}, "takes no minutes"),
        ("bad important", {"rule": "within", "minutes": 30, "important_minutes": 0}, "> 0"),
    ],
)
def test_invalid_targets_are_rejected(_case: str, data: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Target.from_dict(data)
