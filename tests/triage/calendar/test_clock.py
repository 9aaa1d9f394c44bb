"""SLA clocks recomputed from the event log, and the escalation ladder over them."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from triage.engine.calendar import BusinessCalendar
from triage.engine.clock import (
    Acknowledged,
    AgentActivity,
    AgentReplied,
    ClockKind,
    ClockState,
    ClockStatus,
    Event,
    LadderPolicy,
    NextStep,
    RequestClocks,
    Stage,
    StatusChanged,
    Submitted,
    TierChanged,
    TierLadder,
    next_step,
    recompute_clocks,
)
from triage.engine.promise import SlaPolicy, Target, Tier
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
LADDER = LadderPolicy()


def berlin(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=BERLIN)


def recompute(
    events: Sequence[Event],
    now: datetime,
    *,
    policy: SlaPolicy = POLICY,
    account: AccountFacts | None = None,
) -> RequestClocks:
    return recompute_clocks(events, policy=policy, calendar=TEAM, now=now, account=account)


def clock(result: RequestClocks, kind: ClockKind) -> ClockState:
    found = result.get(kind)
    assert found is not None, f"no {kind} clock"
    return found


def summary(state: ClockState) -> tuple[object, ...]:
    return (state.status, state.tier, state.due_at, state.paused, state.stopped_at)


MONDAY = berlin(2025, 1, 6, 9, 0)
# Semi-urgent, acknowledged and answered, then waiting on the customer 10:30–14:30: three
# business hours of pause (10:30–12:30 and 13:30–14:30; lunch is closed anyway).
WITH_A_PAUSE: list[Event] = [
    Submitted(MONDAY, Tier.SEMI_URGENT),
    Acknowledged(berlin(2025, 1, 6, 9, 30)),
    AgentReplied(berlin(2025, 1, 6, 10, 0)),
    StatusChanged(berlin(2025, 1, 6, 10, 30), "waiting_on_customer"),
    StatusChanged(berlin(2025, 1, 6, 14, 30), "acknowledged"),
]
TUESDAY_10 = berlin(2025, 1, 7, 10, 0)


# -- recomputation --------------------------------------------------------------------------


def test_clocks_with_a_customer_pause() -> None:
    result = recompute(WITH_A_PAUSE, TUESDAY_10)

    assert summary(clock(result, ClockKind.ACKNOWLEDGE)) == (
        ClockStatus.MET,
        Tier.SEMI_URGENT,
        berlin(2025, 1, 6, 14, 0),
        timedelta(0),
        berlin(2025, 1, 6, 9, 30),
    )
    assert summary(clock(result, ClockKind.FIRST_RESPONSE)) == (
        ClockStatus.MET,
        Tier.SEMI_URGENT,
        berlin(2025, 1, 6, 14, 0),
        timedelta(0),
        berlin(2025, 1, 6, 10, 0),
    )
    # next update: "next business day" from Mon 10:00 is 15 business hours, plus the pause
    assert summary(clock(result, ClockKind.NEXT_UPDATE)) == (
        ClockStatus.RUNNING,
        Tier.SEMI_URGENT,
        berlin(2025, 1, 8, 12, 0),
        timedelta(hours=3),
        None,
    )
    # resolution: 24 business hours from Mon 09:00 plus the 3 paused hours
    assert summary(clock(result, ClockKind.RESOLUTION)) == (
        ClockStatus.RUNNING,
        Tier.SEMI_URGENT,
        berlin(2025, 1, 9, 12, 0),
        timedelta(hours=3),
        None,
    )
    assert [state.kind for state in result.clocks] == [
        ClockKind.ACKNOWLEDGE,
        ClockKind.FIRST_RESPONSE,
        ClockKind.NEXT_UPDATE,
        ClockKind.RESOLUTION,
        ClockKind.HEARTBEAT,
    ]


def test_time_left_is_business_time_and_negative_when_overdue() -> None:
    resolution = clock(recompute(WITH_A_PAUSE, TUESDAY_10), ClockKind.RESOLUTION)

    assert resolution.time_left(TUESDAY_10) == timedelta(hours=18)
    # 12:00–12:30 and 13:30–14:00 overdue; lunch does not count
    assert resolution.time_left(berlin(2025, 1, 9, 14, 0)) == timedelta(hours=-1)


def test_tier_change_keeps_the_start_and_the_pause() -> None:
    # given: upgraded to Urgent at 11:00, while waiting on the customer
    events: list[Event] = [*WITH_A_PAUSE, TierChanged(berlin(2025, 1, 6, 11, 0), Tier.URGENT)]

    # when
    result = recompute(events, TUESDAY_10)

    # then: 8 business hours from Mon 09:00, not from 11:00, plus the 3 paused hours
    assert summary(clock(result, ClockKind.RESOLUTION)) == (
        ClockStatus.RUNNING,
        Tier.URGENT,
        berlin(2025, 1, 7, 12, 0),
        timedelta(hours=3),
        None,
    )
    # two business hours from the reply at Mon 10:00, paused 10:30–14:30: Mon 16:00, missed
    assert summary(clock(result, ClockKind.NEXT_UPDATE)) == (
        ClockStatus.BREACHED,
        Tier.URGENT,
        berlin(2025, 1, 6, 16, 0),
        timedelta(hours=3),
        None,
    )
    assert result.tier is Tier.URGENT


def test_stopped_clocks_keep_the_tier_they_stopped_under() -> None:
    # given: acknowledged after 30 minutes as Semi-urgent, upgraded to Emergency later
    events: list[Event] = [*WITH_A_PAUSE, TierChanged(berlin(2025, 1, 6, 11, 0), Tier.EMERGENCY)]

    # when
    result = recompute(events, TUESDAY_10)

    # then: an Emergency acknowledgement would be 1 minute; it was on time when it happened
    assert clock(result, ClockKind.ACKNOWLEDGE).status is ClockStatus.MET
    assert clock(result, ClockKind.ACKNOWLEDGE).tier is Tier.SEMI_URGENT
    assert clock(result, ClockKind.FIRST_RESPONSE).status is ClockStatus.MET


def test_policy_change_recomputes_from_the_log_with_the_pause() -> None:
    # given: version 2 shortens Semi-urgent resolution to 16 business hours
    data = POLICY.to_dict()
    data["version"] = 2
    data["tiers"]["semi_urgent"]["resolution"] = Target.within(16 * 60).to_dict()

    # when
    result = recompute(WITH_A_PAUSE, TUESDAY_10, policy=SlaPolicy.from_dict(data))

    # then
    resolution = clock(result, ClockKind.RESOLUTION)
    assert (resolution.due_at, resolution.paused, resolution.policy_version) == (
        berlin(2025, 1, 8, 12, 0),
        timedelta(hours=3),
        2,
    )
    assert result.policy_version == 2


def test_important_account_shortens_the_clocks() -> None:
    result = recompute(
        [Submitted(MONDAY, Tier.SEMI_URGENT)],
        MONDAY,
        account=AccountFacts(plan_tier=PlanTier.ENTERPRISE),
    )

    assert clock(result, ClockKind.FIRST_RESPONSE).due_at == berlin(2025, 1, 6, 11, 0)


def test_waiting_on_customer_pauses_resolution_and_starts_the_idle_clock() -> None:
    # given
    events: list[Event] = [
        Submitted(MONDAY, Tier.SEMI_URGENT),
        AgentReplied(berlin(2025, 1, 6, 10, 0)),
        StatusChanged(berlin(2025, 1, 6, 10, 30), "waiting_on_customer"),
    ]

    # when
    result = recompute(events, berlin(2025, 1, 6, 15, 0))

    # then: paused 10:30–15:00 is 3.5 business hours; due assumes the pause ends now
    resolution = clock(result, ClockKind.RESOLUTION)
    assert summary(resolution) == (
        ClockStatus.PAUSED,
        Tier.SEMI_URGENT,
        berlin(2025, 1, 9, 12, 30),
        timedelta(hours=3, minutes=30),
        None,
    )
    assert resolution.paused_since == berlin(2025, 1, 6, 10, 30)
    assert clock(result, ClockKind.NEXT_UPDATE).status is ClockStatus.PAUSED
    assert clock(result, ClockKind.ACKNOWLEDGE).stopped_at == berlin(2025, 1, 6, 10, 0)
    idle = clock(result, ClockKind.IDLE)
    assert (idle.started_at, idle.key) == (
        berlin(2025, 1, 6, 10, 30),
        "idle:20250106T093000.000000Z",
    )
    assert result.get(ClockKind.HEARTBEAT) is None


def test_resolving_stops_every_clock() -> None:
    # given
    events: list[Event] = [
        Submitted(MONDAY, Tier.SEMI_URGENT),
        StatusChanged(berlin(2025, 1, 6, 10, 0), "resolved"),
    ]

    # when
    result = recompute(events, TUESDAY_10)

    # then
    assert [(state.kind, state.status, state.stopped_at) for state in result.clocks] == [
        (ClockKind.ACKNOWLEDGE, ClockStatus.CANCELLED, berlin(2025, 1, 6, 10, 0)),
        (ClockKind.FIRST_RESPONSE, ClockStatus.CANCELLED, berlin(2025, 1, 6, 10, 0)),
        (ClockKind.RESOLUTION, ClockStatus.MET, berlin(2025, 1, 6, 10, 0)),
    ]


def test_resolving_after_the_deadline_is_a_breach() -> None:
    # given: Urgent resolution is 8 business hours, so due Monday 18:00
    events: list[Event] = [
        Submitted(MONDAY, Tier.URGENT),
        StatusChanged(berlin(2025, 1, 7, 10, 0), "resolved"),
    ]

    # when
    result = recompute(events, TUESDAY_10)

    # then: never acknowledged either, and too late for that to be merely cancelled
    assert [(state.kind, state.status) for state in result.clocks] == [
        (ClockKind.ACKNOWLEDGE, ClockStatus.BREACHED),
        (ClockKind.FIRST_RESPONSE, ClockStatus.BREACHED),
        (ClockKind.RESOLUTION, ClockStatus.BREACHED),
    ]


def test_reopening_treats_the_resolved_stretch_as_paused() -> None:
    # given: resolved 12:00, reopened 15:00 (two business hours, lunch excluded)
    events: list[Event] = [
        Submitted(MONDAY, Tier.SEMI_URGENT),
        StatusChanged(berlin(2025, 1, 6, 12, 0), "resolved"),
        StatusChanged(berlin(2025, 1, 6, 15, 0), "acknowledged"),
    ]

    # when
    result = recompute(events, TUESDAY_10)

    # then
    assert summary(clock(result, ClockKind.RESOLUTION)) == (
        ClockStatus.RUNNING,
        Tier.SEMI_URGENT,
        berlin(2025, 1, 9, 11, 0),
        timedelta(hours=2),
        None,
    )


def test_emergency_unacknowledged_breaches_around_the_clock() -> None:
    saturday = berlin(2025, 1, 4, 10, 0)

    result = recompute([Submitted(saturday, Tier.EMERGENCY)], berlin(2025, 1, 4, 10, 2))

    assert [(state.kind, state.status, state.due_at) for state in result.clocks] == [
        (ClockKind.ACKNOWLEDGE, ClockStatus.BREACHED, berlin(2025, 1, 4, 10, 1)),
        (ClockKind.FIRST_RESPONSE, ClockStatus.BREACHED, berlin(2025, 1, 4, 10, 1)),
        (ClockKind.RESOLUTION, ClockStatus.RUNNING, berlin(2025, 1, 4, 14, 0)),
    ]


def test_informational_has_no_agent_clocks() -> None:
    result = recompute([Submitted(MONDAY, Tier.INFORMATIONAL)], TUESDAY_10)

    assert result.clocks == ()


def test_events_after_now_are_ignored_and_order_does_not_matter() -> None:
    shuffled = list(reversed(WITH_A_PAUSE))
    future = [*shuffled, AgentReplied(berlin(2025, 1, 8, 9, 0))]

    assert recompute(future, TUESDAY_10) == recompute(WITH_A_PAUSE, TUESDAY_10)


@pytest.mark.parametrize(
    ("_case", "events", "message"),
    [
        ("no submission", [Acknowledged(MONDAY)], "no Submitted event"),
        (
            "event before submission",
            [Submitted(MONDAY, Tier.URGENT), Acknowledged(berlin(2025, 1, 6, 8, 0))],
            "before the request was submitted",
        ),
    ],
)
def test_invalid_logs_are_rejected(_case: str, events: list[Event], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        recompute(events, TUESDAY_10)


# -- escalation ladder ----------------------------------------------------------------------


def step_at(events: Sequence[Event], kind: ClockKind, now: datetime) -> NextStep:
    return next_step(clock(recompute(events, now), kind), now, LADDER)


@pytest.mark.parametrize(
    ("_case", "now", "expected"),
    [
        (
            "inside the window",
            berlin(2025, 1, 4, 10, 0, 30),
            NextStep(None, None, None, berlin(2025, 1, 4, 10, 1)),
        ),
        (
            "window missed: page the backup",
            berlin(2025, 1, 4, 10, 1),
            NextStep(
                Stage.PAGE_BACKUP,
                berlin(2025, 1, 4, 10, 1),
                "acknowledge:page_backup",
                berlin(2025, 1, 4, 10, 5),
            ),
        ),
        (
            "still nobody: page the manager",
            berlin(2025, 1, 4, 10, 5),
            NextStep(
                Stage.PAGE_MANAGER, berlin(2025, 1, 4, 10, 5), "acknowledge:page_manager", None
            ),
        ),
        (
            "a sweep back after an outage sends the most advanced step",
            berlin(2025, 1, 4, 12, 0),
            NextStep(
                Stage.PAGE_MANAGER, berlin(2025, 1, 4, 10, 5), "acknowledge:page_manager", None
            ),
        ),
    ],
)
def test_emergency_acknowledgement_ladder(_case: str, now: datetime, expected: NextStep) -> None:
    events: list[Event] = [Submitted(berlin(2025, 1, 4, 10, 0), Tier.EMERGENCY)]

    assert step_at(events, ClockKind.ACKNOWLEDGE, now) == expected


def test_urgent_acknowledgement_ladder_in_business_hours() -> None:
    events: list[Event] = [Submitted(MONDAY, Tier.URGENT)]

    assert [
        step_at(events, ClockKind.ACKNOWLEDGE, berlin(2025, 1, 6, 9, minute)).stage
        for minute in (9, 10, 19, 20)
    ] == [None, Stage.PAGE_BACKUP, Stage.PAGE_BACKUP, Stage.PAGE_MANAGER]


@pytest.mark.parametrize(
    ("_case", "now", "expected"),
    [
        (
            "before 75%",
            berlin(2025, 1, 6, 11, 59),
            NextStep(None, None, None, berlin(2025, 1, 6, 12, 0)),
        ),
        (
            "at 75% of four business hours",
            berlin(2025, 1, 6, 12, 0),
            NextStep(
                Stage.WARNING,
                berlin(2025, 1, 6, 12, 0),
                "first_response:warning",
                berlin(2025, 1, 6, 14, 0),
            ),
        ),
        (
            "breach after lunch",
            berlin(2025, 1, 6, 14, 0),
            NextStep(Stage.BREACH, berlin(2025, 1, 6, 14, 0), "first_response:breach", None),
        ),
    ],
)
def test_semi_urgent_warning_then_breach(_case: str, now: datetime, expected: NextStep) -> None:
    events: list[Event] = [Submitted(MONDAY, Tier.SEMI_URGENT)]

    assert step_at(events, ClockKind.FIRST_RESPONSE, now) == expected


def test_warning_counts_paused_time_out() -> None:
    # 75% of 24 business hours is 18; with 3 paused hours that is Wednesday 15:00
    now = berlin(2025, 1, 8, 15, 0)

    assert step_at(WITH_A_PAUSE, ClockKind.RESOLUTION, now) == NextStep(
        Stage.WARNING, now, "resolution:warning", berlin(2025, 1, 9, 12, 0)
    )


@pytest.mark.parametrize(
    ("_case", "events", "kind"),
    [
        ("met", WITH_A_PAUSE, ClockKind.FIRST_RESPONSE),
        (
            "paused",
            [
                Submitted(MONDAY, Tier.SEMI_URGENT),
                StatusChanged(berlin(2025, 1, 6, 9, 10), "waiting_on_customer"),
            ],
            ClockKind.RESOLUTION,
        ),
        ("no heartbeat below Urgent", WITH_A_PAUSE, ClockKind.HEARTBEAT),
    ],
)
def test_nothing_to_escalate(_case: str, events: list[Event], kind: ClockKind) -> None:
    assert step_at(events, kind, berlin(2025, 1, 10, 9, 0)) == NextStep(None, None, None, None)


@pytest.mark.parametrize(
    ("_case", "now", "expected"),
    [
        (
            "quiet for 9 minutes",
            berlin(2025, 1, 6, 9, 14),
            NextStep(None, None, None, berlin(2025, 1, 6, 9, 15)),
        ),
        (
            "10 minutes without activity",
            berlin(2025, 1, 6, 9, 15),
            NextStep(
                Stage.HEARTBEAT,
                berlin(2025, 1, 6, 9, 15),
                "heartbeat:20250106T080500.000000Z:heartbeat:1",
                berlin(2025, 1, 6, 9, 25),
            ),
        ),
        (
            "20 minutes: a second reminder with its own key",
            berlin(2025, 1, 6, 9, 26),
            NextStep(
                Stage.HEARTBEAT,
                berlin(2025, 1, 6, 9, 25),
                "heartbeat:20250106T080500.000000Z:heartbeat:2",
                berlin(2025, 1, 6, 9, 35),
            ),
        ),
    ],
)
def test_urgent_heartbeat(_case: str, now: datetime, expected: NextStep) -> None:
    events: list[Event] = [Submitted(MONDAY, Tier.URGENT), Acknowledged(berlin(2025, 1, 6, 9, 5))]

    assert step_at(events, ClockKind.HEARTBEAT, now) == expected


def test_activity_restarts_the_heartbeat_with_a_new_key() -> None:
    events: list[Event] = [
        Submitted(MONDAY, Tier.URGENT),
        Acknowledged(berlin(2025, 1, 6, 9, 5)),
        AgentActivity(berlin(2025, 1, 6, 9, 12)),
    ]

    assert step_at(events, ClockKind.HEARTBEAT, berlin(2025, 1, 6, 9, 22)) == NextStep(
        Stage.HEARTBEAT,
        berlin(2025, 1, 6, 9, 22),
        "heartbeat:20250106T081200.000000Z:heartbeat:1",
        berlin(2025, 1, 6, 9, 32),
    )


@pytest.mark.parametrize(
    ("_case", "now", "expected"),
    [
        (
            "9 minutes",
            berlin(2025, 1, 6, 10, 39),
            NextStep(None, None, None, berlin(2025, 1, 6, 10, 40)),
        ),
        (
            "10 minutes: remind the customer",
            berlin(2025, 1, 6, 10, 40),
            NextStep(
                Stage.IDLE_REMINDER,
                berlin(2025, 1, 6, 10, 40),
                "idle:20250106T093000.000000Z:idle_reminder",
                berlin(2025, 1, 6, 10, 45),
            ),
        ),
        (
            "15 minutes: close",
            berlin(2025, 1, 6, 10, 50),
            NextStep(
                Stage.IDLE_CLOSE,
                berlin(2025, 1, 6, 10, 45),
                "idle:20250106T093000.000000Z:idle_close",
                None,
            ),
        ),
    ],
)
def test_idle_reminder_then_close(_case: str, now: datetime, expected: NextStep) -> None:
    events: list[Event] = [
        Submitted(MONDAY, Tier.SEMI_URGENT),
        AgentReplied(berlin(2025, 1, 6, 10, 0)),
        StatusChanged(berlin(2025, 1, 6, 10, 30), "waiting_on_customer"),
    ]

    assert step_at(events, ClockKind.IDLE, now) == expected


def test_notification_keys_are_unique_per_clock_and_stage() -> None:
    # given: Urgent, answered late at 09:40, then nothing until Monday 16:00
    events: list[Event] = [Submitted(MONDAY, Tier.URGENT), AgentReplied(berlin(2025, 1, 6, 9, 40))]
    now = berlin(2025, 1, 6, 16, 0)

    # when
    result = recompute(events, now)
    keys = [(state.kind, next_step(state, now, LADDER).key) for state in result.clocks]

    # then: stopped clocks escalate no more; 75% of 8 business hours is reached at 16:00;
    # 5h20 of business time without activity is the 32nd heartbeat
    assert keys == [
        (ClockKind.ACKNOWLEDGE, None),
        (ClockKind.FIRST_RESPONSE, None),
        (ClockKind.NEXT_UPDATE, "next_update:1:breach"),
        (ClockKind.RESOLUTION, "resolution:warning"),
        (ClockKind.HEARTBEAT, "heartbeat:20250106T084000.000000Z:heartbeat:32"),
    ]
    assert [state.status for state in result.clocks[:2]] == [ClockStatus.BREACHED] * 2


def test_heartbeat_sleeps_outside_business_hours_for_urgent() -> None:
    # given: acknowledged Monday 17:55, nothing since
    events: list[Event] = [Submitted(MONDAY, Tier.URGENT), Acknowledged(berlin(2025, 1, 6, 17, 55))]

    # when
    result = step_at(events, ClockKind.HEARTBEAT, berlin(2025, 1, 7, 8, 0))

    # then: five business minutes have passed; the reminder is due Tuesday 09:05
    assert result == NextStep(None, None, None, berlin(2025, 1, 7, 9, 5))


def test_ladder_policy_round_trips_through_json() -> None:
    data = json.loads(json.dumps(LADDER.to_dict()))

    assert LadderPolicy.from_dict(data) == LADDER
    assert data["tiers"]["emergency"] == {
        "page_on_ack_miss": True,
        "manager_after_minutes": 4,
        "warn_at_fraction": None,
        "heartbeat_minutes": 10,
        "idle_reminder_minutes": 10,
        "idle_close_minutes": 15,
    }


def test_invalid_ladder_is_rejected() -> None:
    with pytest.raises(ValueError, match="warn_at_fraction"):
        TierLadder(warn_at_fraction=1.5)
