"""Business calendar: exact cases (split shifts, holidays, closures, DST, 24×7) and properties."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from triage.engine.calendar import (
    BusinessCalendar,
    CalendarNeverOpensError,
    Closure,
    WorkPeriod,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
WEEKDAYS_ONLY = ("mon", "tue", "wed", "thu", "fri")

SPLIT_SHIFT = BusinessCalendar.from_dict(
    {
        "timezone": "Europe/Berlin",
        "periods": {day: ["09:00-12:30", "13:30-18:00"] for day in WEEKDAYS_ONLY},
        "holiday_country": "DE",
        "holiday_subdivision": "BE",
    }
)
NEW_YORK_OFFICE = BusinessCalendar.from_dict(
    {
        "timezone": "America/New_York",
        "periods": {day: ["09:00-17:00"] for day in WEEKDAYS_ONLY},
        "holiday_country": "US",
    }
)
# Night shifts across the DST hours, and a period that lies inside the 02:00–03:00 hour.
BERLIN_NIGHTS = BusinessCalendar.from_dict(
    {
        "timezone": "Europe/Berlin",
        "periods": {
            "sat": ["22:00-24:00"],
            "sun": ["00:00-06:00"],
        },
    }
)
STRADDLING_THE_DST_HOUR = BusinessCalendar.from_dict(
    {"timezone": "Europe/Berlin", "periods": {"sun": ["01:00-02:30", "02:30-03:30"]}}
)
IN_THE_DST_HOUR = BusinessCalendar.from_dict(
    {"timezone": "Europe/Berlin", "periods": {"sun": ["02:15-02:45"]}}
)
NEW_YORK_NIGHTS = BusinessCalendar.from_dict(
    {"timezone": "America/New_York", "periods": {"sun": ["00:00-06:00"]}}
)


def berlin(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=BERLIN)


def new_york(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=NEW_YORK)


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


# -- split shifts ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("_case", "start", "hours", "expected"),
    [
        ("inside the morning", berlin(2025, 1, 7, 9, 0), 2, berlin(2025, 1, 7, 11, 0)),
        ("over the lunch break", berlin(2025, 1, 7, 12, 0), 1, berlin(2025, 1, 7, 14, 0)),
        ("ends exactly at lunch", berlin(2025, 1, 7, 9, 0), 3.5, berlin(2025, 1, 7, 12, 30)),
        ("starts during lunch", berlin(2025, 1, 7, 13, 0), 1, berlin(2025, 1, 7, 14, 30)),
        ("starts before opening", berlin(2025, 1, 7, 6, 0), 1, berlin(2025, 1, 7, 10, 0)),
        ("over the weekend", berlin(2025, 1, 10, 16, 0), 4, berlin(2025, 1, 13, 11, 0)),
        ("a full week", berlin(2025, 1, 13, 9, 0), 40, berlin(2025, 1, 17, 18, 0)),
    ],
)
def test_add_business_time_on_split_shifts(
    _case: str, start: datetime, hours: float, expected: datetime
) -> None:
    assert SPLIT_SHIFT.add_business_time(start, timedelta(hours=hours)) == expected


def test_add_business_time_ends_at_a_close_rather_than_the_next_opening() -> None:
    result = SPLIT_SHIFT.add_business_time(berlin(2025, 1, 7, 17, 0), timedelta(hours=1))

    assert result == berlin(2025, 1, 7, 18, 0)
    assert result.tzinfo is UTC


def test_add_negative_business_time_walks_back_to_the_latest_instant() -> None:
    result = SPLIT_SHIFT.add_business_time(berlin(2025, 1, 13, 11, 0), timedelta(hours=-4))

    assert result == berlin(2025, 1, 10, 16, 0)


def test_add_zero_returns_start_even_when_closed() -> None:
    start = berlin(2025, 1, 11, 3, 0)

    assert SPLIT_SHIFT.add_business_time(start, timedelta(0)) == start


@pytest.mark.parametrize(
    ("_case", "a", "b", "expected"),
    [
        ("one day", berlin(2025, 1, 7, 0, 0), berlin(2025, 1, 8, 0, 0), timedelta(hours=8)),
        ("lunch only", berlin(2025, 1, 7, 12, 30), berlin(2025, 1, 7, 13, 30), timedelta(0)),
        ("same instant", berlin(2025, 1, 7, 10, 0), berlin(2025, 1, 7, 10, 0), timedelta(0)),
        ("reversed", berlin(2025, 1, 8, 0, 0), berlin(2025, 1, 7, 0, 0), timedelta(hours=-8)),
        ("weekend", berlin(2025, 1, 11, 0, 0), berlin(2025, 1, 13, 0, 0), timedelta(0)),
    ],
)
def test_business_time_between(_case: str, a: datetime, b: datetime, expected: timedelta) -> None:
    assert SPLIT_SHIFT.business_time_between(a, b) == expected


def test_is_open_on_split_shift() -> None:
    assert [
        SPLIT_SHIFT.is_open(berlin(2025, 1, 7, hour, minute))
        for hour, minute in [(8, 59), (9, 0), (12, 29), (12, 30), (13, 30), (17, 59), (18, 0)]
    ] == [False, True, True, False, True, True, False]


def test_periods_up_to_midnight_join_the_next_morning() -> None:
    start = berlin(2025, 1, 11, 23, 0)  # Saturday

    assert BERLIN_NIGHTS.add_business_time(start, timedelta(hours=2)) == berlin(2025, 1, 12, 1, 0)


# -- holidays -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("_case", "calendar", "start", "expected"),
    [
        (
            "Berlin Easter: Good Friday and Easter Monday",
            SPLIT_SHIFT,
            berlin(2025, 4, 17, 17, 0),
            berlin(2025, 4, 22, 10, 0),
        ),
        (
            "Berlin New Year",
            SPLIT_SHIFT,
            berlin(2024, 12, 31, 17, 0),
            berlin(2025, 1, 2, 10, 0),
        ),
        (
            "US Independence Day on a Friday",
            NEW_YORK_OFFICE,
            new_york(2025, 7, 3, 16, 0),
            new_york(2025, 7, 7, 10, 0),
        ),
        (
            "US Thanksgiving",
            NEW_YORK_OFFICE,
            new_york(2025, 11, 26, 16, 0),
            new_york(2025, 11, 28, 10, 0),
        ),
    ],
)
def test_holidays_are_skipped(
    _case: str, calendar: BusinessCalendar, start: datetime, expected: datetime
) -> None:
    assert calendar.add_business_time(start, timedelta(hours=2)) == expected


def test_holiday_subdivision_matters() -> None:
    # given: Epiphany (6 January) is a holiday in Bavaria, not in Berlin
    bavaria = BusinessCalendar.from_dict({**SPLIT_SHIFT.to_dict(), "holiday_subdivision": "BY"})
    friday = berlin(2025, 1, 3, 17, 0)

    # when
    in_berlin = SPLIT_SHIFT.add_business_time(friday, timedelta(hours=2))
    in_bavaria = bavaria.add_business_time(friday, timedelta(hours=2))

    # then
    assert in_berlin == berlin(2025, 1, 6, 10, 0)
    assert in_bavaria == berlin(2025, 1, 7, 10, 0)
    assert (SPLIT_SHIFT.is_holiday(date(2025, 1, 6)), bavaria.is_holiday(date(2025, 1, 6))) == (
        False,
        True,
    )


# -- custom closures ------------------------------------------------------------------------


def test_closed_dates_are_skipped() -> None:
    calendar = BusinessCalendar.from_dict(
        {**SPLIT_SHIFT.to_dict(), "closed_dates": ["2025-01-08", "2025-01-09"]}
    )

    result = calendar.add_business_time(berlin(2025, 1, 7, 17, 0), timedelta(hours=2))

    assert result == berlin(2025, 1, 10, 10, 0)


def test_closure_range_cuts_into_periods() -> None:
    # given: a team meeting Tuesday 10:00–11:00 and an offsite from Wednesday 15:00 to Thursday
    calendar = SPLIT_SHIFT.with_closures(
        [
            Closure(berlin(2025, 1, 7, 10, 0), berlin(2025, 1, 7, 11, 0), "team meeting"),
            Closure(berlin(2025, 1, 8, 15, 0), berlin(2025, 1, 9, 0, 0), "offsite"),
        ]
    )

    # when
    morning = calendar.add_business_time(berlin(2025, 1, 7, 9, 30), timedelta(hours=1))
    tuesday = calendar.business_time_between(berlin(2025, 1, 7, 0, 0), berlin(2025, 1, 8, 0, 0))
    wednesday = calendar.business_time_between(berlin(2025, 1, 8, 0, 0), berlin(2025, 1, 9, 0, 0))

    # then
    assert morning == berlin(2025, 1, 7, 11, 30)
    assert tuesday == timedelta(hours=7)
    assert wednesday == timedelta(hours=5)
    assert calendar.is_open(berlin(2025, 1, 7, 10, 30)) is False


def test_closure_must_end_after_it_starts() -> None:
    with pytest.raises(ValueError, match="end after it starts"):
        Closure(berlin(2025, 1, 7, 10, 0), berlin(2025, 1, 7, 10, 0))


# -- DST ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("_case", "calendar", "a", "b", "expected"),
    [
        (
            "Berlin spring: a night shift loses the skipped hour",
            BERLIN_NIGHTS,
            berlin(2025, 3, 30, 0, 0),
            berlin(2025, 3, 31, 0, 0),
            timedelta(hours=5),
        ),
        (
            "Berlin autumn: a night shift gains the repeated hour",
            BERLIN_NIGHTS,
            berlin(2025, 10, 26, 0, 0),
            berlin(2025, 10, 27, 0, 0),
            timedelta(hours=7),
        ),
        (
            "Berlin spring: 01:00-03:30 is 1.5 real hours",
            STRADDLING_THE_DST_HOUR,
            berlin(2025, 3, 30, 0, 0),
            berlin(2025, 3, 31, 0, 0),
            timedelta(hours=1, minutes=30),
        ),
        (
            "Berlin autumn: 01:00-03:30 is 3.5 real hours, split in the fold without overlap",
            STRADDLING_THE_DST_HOUR,
            berlin(2025, 10, 26, 0, 0),
            berlin(2025, 10, 27, 0, 0),
            timedelta(hours=3, minutes=30),
        ),
        (
            "Berlin spring: a period inside the gap is empty",
            IN_THE_DST_HOUR,
            berlin(2025, 3, 29, 0, 0),
            berlin(2025, 4, 1, 0, 0),
            timedelta(0),
        ),
        (
            "Berlin autumn: a period inside the fold counts once",
            IN_THE_DST_HOUR,
            berlin(2025, 10, 25, 0, 0),
            berlin(2025, 10, 28, 0, 0),
            timedelta(minutes=30),
        ),
        (
            "New York spring",
            NEW_YORK_NIGHTS,
            new_york(2025, 3, 9, 0, 0),
            new_york(2025, 3, 10, 0, 0),
            timedelta(hours=5),
        ),
        (
            "New York autumn",
            NEW_YORK_NIGHTS,
            new_york(2025, 11, 2, 0, 0),
            new_york(2025, 11, 3, 0, 0),
            timedelta(hours=7),
        ),
        (
            "24x7 Berlin spring day is 23 hours",
            BusinessCalendar.twenty_four_seven("Europe/Berlin"),
            berlin(2025, 3, 30, 0, 0),
            berlin(2025, 3, 31, 0, 0),
            timedelta(hours=23),
        ),
        (
            "24x7 Berlin autumn day is 25 hours",
            BusinessCalendar.twenty_four_seven("Europe/Berlin"),
            berlin(2025, 10, 26, 0, 0),
            berlin(2025, 10, 27, 0, 0),
            timedelta(hours=25),
        ),
    ],
)
def test_dst_days(
    _case: str, calendar: BusinessCalendar, a: datetime, b: datetime, expected: timedelta
) -> None:
    assert calendar.business_time_between(a, b) == expected


def test_adding_into_a_period_inside_the_spring_gap_skips_to_the_next_real_one() -> None:
    result = IN_THE_DST_HOUR.add_business_time(berlin(2025, 3, 29, 0, 0), timedelta(minutes=10))

    assert result == berlin(2025, 4, 6, 2, 25)


def test_adding_through_the_autumn_fold_lands_on_the_second_pass() -> None:
    # given: Sunday 00:00 CEST is 22:00 UTC; the clocks fall back at 01:00 UTC
    start = berlin(2025, 10, 26, 0, 0)

    # when
    result = BERLIN_NIGHTS.add_business_time(start, timedelta(hours=3))

    # then: 01:00 UTC, shown as 02:00 CET (the repeated hour's second pass)
    local = result.astimezone(BERLIN)
    assert result == utc(2025, 10, 26, 1, 0)
    assert (local.hour, local.fold, local.tzname()) == (2, 1, "CET")


def test_adding_over_the_new_york_spring_weekend() -> None:
    result = NEW_YORK_OFFICE.add_business_time(new_york(2025, 3, 7, 16, 0), timedelta(hours=2))

    assert result == utc(2025, 3, 10, 14, 0)
    assert result.astimezone(NEW_YORK).hour == 10


def test_adding_over_the_berlin_autumn_weekend() -> None:
    result = SPLIT_SHIFT.add_business_time(berlin(2025, 10, 24, 17, 0), timedelta(hours=2))

    assert result == utc(2025, 10, 27, 9, 0)
    assert result.astimezone(BERLIN).hour == 10


# -- 24×7 -----------------------------------------------------------------------------------


def test_twenty_four_seven_ignores_weekends_and_holidays_but_not_closures() -> None:
    # given
    always = BusinessCalendar(timezone="Europe/Berlin", holiday_country="DE", always_open=True)
    with_outage = always.with_closures(
        [Closure(berlin(2025, 12, 25, 10, 0), berlin(2025, 12, 25, 11, 0), "maintenance")]
    )
    christmas = berlin(2025, 12, 25, 9, 0)

    # when
    plain = always.add_business_time(christmas, timedelta(hours=3))
    cut = with_outage.add_business_time(christmas, timedelta(hours=3))

    # then
    assert plain == berlin(2025, 12, 25, 12, 0)
    assert cut == berlin(2025, 12, 25, 13, 0)


# -- next business day ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("_case", "at", "expected"),
    [
        ("Tuesday", berlin(2025, 1, 7, 8, 0), berlin(2025, 1, 8, 18, 0)),
        ("Friday", berlin(2025, 1, 10, 16, 0), berlin(2025, 1, 13, 18, 0)),
        ("Saturday", berlin(2025, 1, 11, 10, 0), berlin(2025, 1, 13, 18, 0)),
        ("before Good Friday", berlin(2025, 4, 17, 10, 0), berlin(2025, 4, 22, 18, 0)),
    ],
)
def test_end_of_next_business_day(_case: str, at: datetime, expected: datetime) -> None:
    assert SPLIT_SHIFT.end_of_next_business_day(at) == expected


# -- storage and validation -----------------------------------------------------------------


def test_to_dict_from_dict_round_trip_through_json() -> None:
    calendar = SPLIT_SHIFT.with_closures(
        [Closure(berlin(2025, 1, 7, 10, 0), berlin(2025, 1, 7, 11, 0), "team meeting")]
    )
    calendar = BusinessCalendar.from_dict(
        {**calendar.to_dict(), "closed_dates": ["2025-12-24", "2025-12-31"]}
    )

    stored = json.loads(json.dumps(calendar.to_dict()))

    assert BusinessCalendar.from_dict(stored) == calendar
    assert stored == {
        "timezone": "Europe/Berlin",
        "periods": {day: ["09:00-12:30", "13:30-18:00"] for day in WEEKDAYS_ONLY},
        "holiday_country": "DE",
        "holiday_subdivision": "BE",
        "closed_dates": ["2025-12-24", "2025-12-31"],
        "closures": [
            {
                "start": "2025-01-07T10:00:00+01:00",
                "end": "2025-01-07T11:00:00+01:00",
                "reason": "team meeting",
            }
        ],
        "always_open": False,
    }


@pytest.mark.parametrize(
    ("_case", "data", "message"),
    [
        ("overlap", {"periods": {"mon": ["09:00-12:00", "11:00-13:00"]}}, "overlap"),
        ("backwards", {"periods": {"mon": ["12:00-09:00"]}}, "start < end"),
        ("bad time", {"periods": {"mon": ["9-12"]}}, "HH:MM"),
        ("after midnight", {"periods": {"mon": ["09:00-24:30"]}}, "between 00:00 and 24:00"),
        ("bad weekday", {"periods": {"monday": ["09:00-12:00"]}}, "unknown weekdays"),
        ("typo", {"period": {}}, "unknown calendar keys"),
        ("subdivision alone", {"holiday_subdivision": "BE"}, "needs holiday_country"),
    ],
)
def test_invalid_calendars_are_rejected(_case: str, data: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        BusinessCalendar.from_dict({"timezone": "Europe/Berlin", **data})


def test_unknown_timezone_is_rejected() -> None:
    with pytest.raises(KeyError):
        BusinessCalendar(timezone="Europe/Atlantis")


def test_naive_datetimes_are_rejected() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        SPLIT_SHIFT.add_business_time(datetime(2025, 1, 7, 9, 0), timedelta(hours=1))


def test_a_calendar_that_never_opens_raises() -> None:
    never = BusinessCalendar(timezone="UTC")

    with pytest.raises(CalendarNeverOpensError):
        never.add_business_time(utc(2025, 1, 1), timedelta(minutes=1))


def test_work_period_parse_and_str() -> None:
    period = WorkPeriod.parse("13:30-24:00")

    assert (period, str(period)) == (WorkPeriod(810, 1440), "13:30-24:00")


# -- properties -----------------------------------------------------------------------------

SAMPLE_CALENDARS = [
    SPLIT_SHIFT,
    NEW_YORK_OFFICE,
    BERLIN_NIGHTS,
    STRADDLING_THE_DST_HOUR,
    IN_THE_DST_HOUR,
    NEW_YORK_NIGHTS,
    BusinessCalendar.twenty_four_seven("Europe/Berlin"),
    SPLIT_SHIFT.with_closures(
        [
            Closure(berlin(2025, 3, 27, 10, 0), berlin(2025, 3, 31, 11, 0)),
            Closure(berlin(2025, 10, 24, 12, 0), berlin(2025, 10, 24, 15, 0)),
        ]
    ),
]

# Quarter-hour boundaries, so that generated periods often start or end inside the DST hour.
_boundaries = st.integers(min_value=0, max_value=96).map(lambda quarter: quarter * 15)


@st.composite
def generated_calendars(draw: st.DrawFn) -> BusinessCalendar:
    timezone = draw(st.sampled_from(["Europe/Berlin", "America/New_York", "UTC"]))
    week = []
    for _ in range(7):
        cuts = sorted(draw(st.lists(_boundaries, max_size=6, unique=True)))
        pairs = list(zip(cuts[::2], cuts[1::2], strict=False))
        week.append(tuple(WorkPeriod(a, b) for a, b in pairs if a < b))
    if not any(week):
        week[6] = (WorkPeriod(120, 180),)  # Sunday 02:00–03:00: the DST hour itself
    return BusinessCalendar(timezone=timezone, week=tuple(week))


calendars = st.one_of(st.sampled_from(SAMPLE_CALENDARS), generated_calendars())
# Around both 2025 DST changes in Europe and the US, plus microseconds.
instants = st.one_of(
    st.datetimes(datetime(2025, 3, 1), datetime(2025, 4, 10), timezones=st.just(UTC)),
    st.datetimes(datetime(2025, 10, 18), datetime(2025, 11, 12), timezones=st.just(UTC)),
)
durations = st.timedeltas(min_value=timedelta(0), max_value=timedelta(hours=60))


@settings(deadline=None)
@given(calendar=calendars, start=instants, duration=durations)
def test_property_adding_then_measuring_returns_the_duration(
    calendar: BusinessCalendar, start: datetime, duration: timedelta
) -> None:
    end = calendar.add_business_time(start, duration)

    assert calendar.business_time_between(start, end) == duration
    assert end >= start


@settings(deadline=None)
@given(calendar=calendars, start=instants, duration=durations)
def test_property_subtracting_then_measuring_returns_the_duration(
    calendar: BusinessCalendar, start: datetime, duration: timedelta
) -> None:
    begin = calendar.add_business_time(start, -duration)

    assert calendar.business_time_between(begin, start) == duration
    assert calendar.business_time_between(start, begin) == -duration


@settings(deadline=None)
@given(calendar=calendars, start=instants, first=durations, second=durations)
def test_property_adding_is_monotonic_and_composes(
    calendar: BusinessCalendar, start: datetime, first: timedelta, second: timedelta
) -> None:
    shorter, longer = sorted([first, second])

    assert calendar.add_business_time(start, shorter) <= calendar.add_business_time(start, longer)
    assert calendar.add_business_time(
        calendar.add_business_time(start, first), second
    ) == calendar.add_business_time(start, first + second)


@settings(deadline=None)
@given(calendar=calendars, a=instants, b=instants, duration=durations)
def test_property_later_start_never_gives_earlier_end(
    calendar: BusinessCalendar, a: datetime, b: datetime, duration: timedelta
) -> None:
    earlier, later = sorted([a, b])

    assert calendar.add_business_time(earlier, duration) <= calendar.add_business_time(
        later, duration
    )


@settings(deadline=None)
@given(calendar=calendars, a=instants, b=instants, c=instants)
def test_property_measuring_is_additive_and_bounded_by_elapsed_time(
    calendar: BusinessCalendar, a: datetime, b: datetime, c: datetime
) -> None:
    ab = calendar.business_time_between(a, b)

    assert ab + calendar.business_time_between(b, c) == calendar.business_time_between(a, c)
    assert abs(ab) <= abs(b - a)


@settings(deadline=None)
@given(start=instants, duration=durations)
def test_property_twenty_four_seven_is_elapsed_time(start: datetime, duration: timedelta) -> None:
    always = BusinessCalendar.twenty_four_seven("Europe/Berlin")

    assert always.add_business_time(start, duration) == start + duration
    assert always.business_time_between(start, start + duration) == duration


@settings(deadline=None)
@given(calendar=calendars, start=instants, duration=durations)
def test_property_result_lies_in_open_time(
    calendar: BusinessCalendar, start: datetime, duration: timedelta
) -> None:
    end = calendar.add_business_time(start, duration)

    # The last microsecond before a positive result was open business time.
    assert duration == timedelta(0) or calendar.is_open(end - timedelta(microseconds=1))
