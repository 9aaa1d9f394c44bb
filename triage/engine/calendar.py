"""Business calendars: when the support team counts time, and how much of it lies between instants.

A :class:`BusinessCalendar` is a weekly pattern of working periods in local wall time (several a
day: split shifts, lunch breaks), minus public holidays from the ``holidays`` package, minus
custom closed dates and closure ranges. ``always_open`` replaces the weekly pattern and holidays
with every instant (24×7, used for Emergency); closed dates and closure ranges still apply.

Business time is *elapsed real time* spent inside open intervals. Each period on a local date maps
to one contiguous interval of instants, with its two wall-clock ends resolved like this:

* a wall time that exists once is that instant;
* a wall time repeated by a DST fold (autumn) is its first occurrence, so a period that spans
  the fold contains the repeated hour once per real hour (01:00–06:00 is six real hours that
  night) and a period lying wholly inside the fold is counted once, never twice;
* a wall time skipped by a DST gap (spring) is the instant of the jump, so a period lying wholly
  inside the gap is empty, and 01:00–06:00 is four real hours that night.

This mapping is monotonic, so the intervals of one day never overlap and never run backwards.
All arithmetic is done in UTC, and results are returned in UTC: subtracting two aware datetimes
that share a ``ZoneInfo`` compares wall times, not instants, which is wrong across DST; and a
local time with ``fold=1`` never compares equal to a datetime in another zone (PEP 495).
Convert for display only.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import holidays

__all__ = [
    "WEEKDAYS",
    "BusinessCalendar",
    "CalendarNeverOpensError",
    "Closure",
    "WorkPeriod",
]

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MINUTES_PER_DAY = 24 * 60
# A calendar with no open minute for this many consecutive days is treated as never opening.
MAX_CLOSED_DAYS = 400
_ZERO = timedelta(0)
_ONE_DAY = timedelta(days=1)


class CalendarNeverOpensError(ValueError):
    """The calendar has no open time in the searched horizon (for example, an empty week)."""


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value.isoformat()}")


def _parse_hhmm(text: str) -> int:
    hours, sep, minutes = text.strip().partition(":")
    if not sep or not hours.isdigit() or not minutes.isdigit() or len(minutes) != 2:
        raise ValueError(f"expected HH:MM, got {text!r}")
    value = int(hours) * 60 + int(minutes)
    if int(minutes) >= 60 or value > MINUTES_PER_DAY:
        raise ValueError(f"expected a time between 00:00 and 24:00, got {text!r}")
    return value


def _format_hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


@dataclass(frozen=True, order=True)
class WorkPeriod:
    """Open from ``start_minute`` to ``end_minute`` (minutes after local midnight, end exclusive;
    ``end_minute == 1440`` is 24:00, the next midnight)."""

    start_minute: int
    end_minute: int

    def __post_init__(self) -> None:
        if not 0 <= self.start_minute < self.end_minute <= MINUTES_PER_DAY:
            raise ValueError(
                f"a work period needs 00:00 <= start < end <= 24:00, got {self.start_minute}"
                f"–{self.end_minute} minutes"
            )

    @classmethod
    def parse(cls, text: str) -> WorkPeriod:
        """``"09:00-12:30"`` → ``WorkPeriod(540, 750)``."""
        start, sep, end = text.partition("-")
        if not sep:
            raise ValueError(f"expected HH:MM-HH:MM, got {text!r}")
        return cls(_parse_hhmm(start), _parse_hhmm(end))

    def __str__(self) -> str:
        return f"{_format_hhmm(self.start_minute)}-{_format_hhmm(self.end_minute)}"


@dataclass(frozen=True)
class Closure:
    """A closed stretch of real time, ``[start, end)``, e.g. a company offsite afternoon."""

    start: datetime
    end: datetime
    reason: str = ""

    def __post_init__(self) -> None:
        _require_aware(self.start, "Closure.start")
        _require_aware(self.end, "Closure.end")
        if self.end <= self.start:
            raise ValueError("a closure must end after it starts")


@functools.lru_cache(maxsize=512)
def _holiday_dates(country: str, subdivision: str | None, year: int) -> frozenset[date]:
    found = holidays.country_holidays(country, subdiv=subdivision, years=year)
    return frozenset(found.keys())


Interval = tuple[datetime, datetime]


def _subtract(interval: Interval, cuts: Iterable[Interval]) -> list[Interval]:
    pieces = [interval]
    for cut_start, cut_end in cuts:
        next_pieces: list[Interval] = []
        for start, end in pieces:
            if cut_end <= start or cut_start >= end:
                next_pieces.append((start, end))
                continue
            if start < cut_start:
                next_pieces.append((start, cut_start))
            if cut_end < end:
                next_pieces.append((cut_end, end))
        pieces = next_pieces
    return pieces


@dataclass(frozen=True)
class BusinessCalendar:
    """Weekly working periods in ``timezone`` minus holidays and closures; see the module doc.

    ``week`` has seven entries, Monday first, each a sorted tuple of non-overlapping periods.
    """

    timezone: str
    week: tuple[tuple[WorkPeriod, ...], ...] = ((),) * 7
    holiday_country: str | None = None
    holiday_subdivision: str | None = None
    closed_dates: frozenset[date] = field(default_factory=frozenset)
    closures: tuple[Closure, ...] = ()
    always_open: bool = False

    def __post_init__(self) -> None:
        ZoneInfo(self.timezone)  # raises ZoneInfoNotFoundError for an unknown name
        if len(self.week) != 7:
            raise ValueError(f"week needs 7 days (Monday first), got {len(self.week)}")
        for name, periods in zip(WEEKDAYS, self.week, strict=True):
            for earlier, later in zip(periods, periods[1:], strict=False):
                if later.start_minute < earlier.end_minute:
                    raise ValueError(
                        f"{name}: periods {earlier} and {later} overlap or are unsorted"
                    )
        if self.holiday_subdivision and not self.holiday_country:
            raise ValueError("holiday_subdivision needs holiday_country")
        if self.holiday_country:
            _holiday_dates(self.holiday_country, self.holiday_subdivision, 2000)  # validates

    # -- construction -------------------------------------------------------------------------

    @classmethod
    def twenty_four_seven(cls, timezone: str = "UTC") -> BusinessCalendar:
        """Every instant is open: the clock Emergency runs on."""
        return cls(timezone=timezone, always_open=True)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BusinessCalendar:
        """Inverse of :meth:`to_dict`. Unknown keys are rejected so typos do not pass silently."""
        known = {
            "timezone",
            "periods",
            "holiday_country",
            "holiday_subdivision",
            "closed_dates",
            "closures",
            "always_open",
        }
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown calendar keys: {sorted(unknown)}")
        periods: Mapping[str, list[str]] = data.get("periods", {})
        bad_days = set(periods) - set(WEEKDAYS)
        if bad_days:
            raise ValueError(f"unknown weekdays: {sorted(bad_days)}")
        week = tuple(
            tuple(sorted(WorkPeriod.parse(text) for text in periods.get(day, [])))
            for day in WEEKDAYS
        )
        return cls(
            timezone=data["timezone"],
            week=week,
            holiday_country=data.get("holiday_country") or None,
            holiday_subdivision=data.get("holiday_subdivision") or None,
            closed_dates=frozenset(date.fromisoformat(d) for d in data.get("closed_dates", [])),
            closures=tuple(
                Closure(
                    start=datetime.fromisoformat(c["start"]),
                    end=datetime.fromisoformat(c["end"]),
                    reason=c.get("reason", ""),
                )
                for c in data.get("closures", [])
            ),
            always_open=bool(data.get("always_open", False)),
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready; periods as ``"HH:MM-HH:MM"`` strings keyed by ``mon``…``sun``."""
        return {
            "timezone": self.timezone,
            "periods": {
                day: [str(p) for p in periods]
                for day, periods in zip(WEEKDAYS, self.week, strict=True)
                if periods
            },
            "holiday_country": self.holiday_country,
            "holiday_subdivision": self.holiday_subdivision,
            "closed_dates": sorted(d.isoformat() for d in self.closed_dates),
            "closures": [
                {"start": c.start.isoformat(), "end": c.end.isoformat(), "reason": c.reason}
                for c in self.closures
            ],
            "always_open": self.always_open,
        }

    def with_closures(self, extra: Iterable[Closure]) -> BusinessCalendar:
        """A copy with more closure ranges (the SLA clocks add pauses this way)."""
        return dataclasses.replace(self, closures=self.closures + tuple(extra))

    # -- queries ------------------------------------------------------------------------------

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def local(self, at: datetime) -> datetime:
        """``at`` in the calendar's timezone."""
        _require_aware(at, "at")
        return at.astimezone(self.zone)

    def is_holiday(self, day: date) -> bool:
        if self.holiday_country is None:
            return False
        return day in _holiday_dates(self.holiday_country, self.holiday_subdivision, day.year)

    def is_open(self, at: datetime) -> bool:
        _require_aware(at, "at")
        instant = at.astimezone(UTC)
        local_day = instant.astimezone(self.zone).date()
        for day in (local_day - _ONE_DAY, local_day):
            for start, end in self._day_intervals(day):
                if start <= instant < end:
                    return True
        return False

    def end_of_next_business_day(self, at: datetime) -> datetime:
        """The close of the first local date after ``at``'s local date that has open time.

        This is what "by the next business day" promises. Returned in UTC.
        """
        _require_aware(at, "at")
        day = self.local(at).date()
        for _ in range(MAX_CLOSED_DAYS):
            day += _ONE_DAY
            intervals = self._day_intervals(day)
            if intervals:
                return intervals[-1][1]
        raise CalendarNeverOpensError(f"no business day within {MAX_CLOSED_DAYS} days of {at}")

    def add_business_time(self, start: datetime, duration: timedelta) -> datetime:
        """The instant at which ``duration`` of business time has passed since ``start``.

        Contract: for ``duration > 0`` the result is the *earliest* ``t`` with
        ``business_time_between(start, t) == duration`` — it never rolls forward to the next
        opening when the duration is used up exactly at a close. For ``duration < 0`` it walks
        backwards and returns the *latest* ``t`` with ``business_time_between(t, start) ==
        -duration``. A zero duration returns ``start``. The result is in UTC.

        Raises :class:`CalendarNeverOpensError` when the calendar stays closed for
        ``MAX_CLOSED_DAYS`` consecutive days.
        """
        _require_aware(start, "start")
        origin = start.astimezone(UTC)
        if duration == _ZERO:
            return origin
        remaining = abs(duration)
        forward = duration > _ZERO
        intervals = self._intervals_after(origin) if forward else self._intervals_before(origin)
        for lo, hi in intervals:
            length = hi - lo
            if remaining <= length:
                result = lo + remaining if forward else hi - remaining
                return result
            remaining -= length
        raise AssertionError("unreachable: interval generators raise before they end")

    def business_time_between(self, a: datetime, b: datetime) -> timedelta:
        """Business time from ``a`` to ``b``.

        Antisymmetric: ``business_time_between(b, a) == -business_time_between(a, b)``, so it is
        negative when ``b < a`` (handy for "time left", where negative means overdue) and zero
        when ``a == b`` or the whole stretch is closed.
        """
        _require_aware(a, "a")
        _require_aware(b, "b")
        lo, hi = a.astimezone(UTC), b.astimezone(UTC)
        if hi < lo:
            return -self.business_time_between(b, a)
        total = _ZERO
        for start, end in self._intervals_between(lo, hi):
            total += end - start
        return total

    # -- internals ----------------------------------------------------------------------------

    def _wall_to_instant(self, day: date, minute: int) -> datetime:
        """The first instant whose local wall time is at or after ``day`` ``minute`` (UTC)."""
        if minute == MINUTES_PER_DAY:
            day, minute = day + _ONE_DAY, 0
        zone = self.zone
        naive = datetime.combine(day, time(minute // 60, minute % 60))
        first = naive.replace(tzinfo=zone, fold=0).astimezone(UTC)
        if first.astimezone(zone).replace(tzinfo=None) == naive:
            return first  # exists; in a fold, fold=0 is the first occurrence
        # In a gap: fold=1 reads the wall time with the offset after the jump (an earlier
        # instant, still before the jump), fold=0 with the offset before (an instant after the
        # jump). The jump itself is the first instant whose wall time passes ``naive``.
        lo = naive.replace(tzinfo=zone, fold=1).astimezone(UTC)
        hi = first
        step = timedelta(microseconds=1)
        while hi - lo > step:
            mid = lo + (hi - lo) // 2
            if mid.astimezone(zone).replace(tzinfo=None) >= naive:
                hi = mid
            else:
                lo = mid
        return hi

    def _is_closed_day(self, day: date) -> bool:
        return day in self.closed_dates or (not self.always_open and self.is_holiday(day))

    def _day_intervals(self, day: date) -> list[Interval]:
        """Open UTC intervals that belong to local date ``day``, sorted, closures removed."""
        if self._is_closed_day(day):
            return []
        if self.always_open:
            raw = [(self._wall_to_instant(day, 0), self._wall_to_instant(day, MINUTES_PER_DAY))]
        else:
            raw = [
                (
                    self._wall_to_instant(day, p.start_minute),
                    self._wall_to_instant(day, p.end_minute),
                )
                for p in self.week[day.weekday()]
            ]
        cuts = [(c.start.astimezone(UTC), c.end.astimezone(UTC)) for c in self.closures]
        result: list[Interval] = []
        for start, end in raw:
            if start < end:
                result.extend(_subtract((start, end), cuts))
        return result

    def _walk(self, first_day: date, step: timedelta) -> Iterator[list[Interval]]:
        """Each local date's intervals from ``first_day`` on, in ``step`` direction, forever —
        unless the calendar stays closed for ``MAX_CLOSED_DAYS`` consecutive days."""
        day, closed_run = first_day, 0
        while True:
            intervals = self._day_intervals(day)
            closed_run = 0 if intervals else closed_run + 1
            if closed_run > MAX_CLOSED_DAYS:
                raise CalendarNeverOpensError(
                    f"no open time in the {MAX_CLOSED_DAYS} days up to {day.isoformat()}"
                )
            yield intervals
            day += step

    def _intervals_after(self, origin: datetime) -> Iterator[Interval]:
        # The previous date can own an interval ending at 24:00 that lies after ``origin`` when
        # midnight itself is moved by DST; starting one date early is cheap and always safe.
        first_day = origin.astimezone(self.zone).date() - _ONE_DAY
        for intervals in self._walk(first_day, _ONE_DAY):
            for start, end in intervals:
                if end > origin:
                    yield max(start, origin), end

    def _intervals_before(self, origin: datetime) -> Iterator[Interval]:
        first_day = origin.astimezone(self.zone).date() + _ONE_DAY
        for intervals in self._walk(first_day, -_ONE_DAY):
            for start, end in reversed(intervals):
                if start < origin:
                    yield start, min(end, origin)

    def _intervals_between(self, lo: datetime, hi: datetime) -> Iterator[Interval]:
        day = lo.astimezone(self.zone).date() - _ONE_DAY
        last_day = hi.astimezone(self.zone).date()
        while day <= last_day:
            for start, end in self._day_intervals(day):
                clipped_start, clipped_end = max(start, lo), min(end, hi)
                if clipped_start < clipped_end:
                    yield clipped_start, clipped_end
            day += _ONE_DAY
