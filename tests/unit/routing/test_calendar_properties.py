"""Calendar versus a brute-force oracle that steps through UTC minutes around DST changes.

The oracle never converts local times to UTC.  It walks UTC minutes, reads each minute's local
wall clock, and opens a window from the first minute whose wall clock has reached the window's
start (the earlier instant in a fold, the transition in a gap) to the first minute from which the
wall clock stays at or past the window's end (the later instant in a fold).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from itertools import accumulate
from zoneinfo import ZoneInfo

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from routing.calendar import WEEKDAYS, Calendar, Shift, coverage

# Days on which the zone changes its clocks (Sao Paulo's are historic: DST ended in 2019).
DST_DAYS = [
    ("America/New_York", date(2026, 3, 8)),
    ("America/New_York", date(2026, 11, 1)),
    ("Europe/London", date(2026, 3, 29)),
    ("Europe/London", date(2026, 10, 25)),
    ("Australia/Sydney", date(2026, 4, 5)),
    ("Australia/Sydney", date(2026, 10, 4)),
    ("America/Sao_Paulo", date(2017, 10, 15)),
    ("America/Sao_Paulo", date(2018, 2, 18)),
    ("America/Sao_Paulo", date(2018, 11, 4)),
    ("America/Sao_Paulo", date(2019, 2, 17)),
    ("Asia/Shanghai", date(2026, 6, 1)),
    ("Asia/Shanghai", date(1991, 4, 14)),
    ("Australia/Lord_Howe", date(2026, 4, 5)),
]
BEFORE_DAYS, QUERY_DAYS, AFTER_DAYS = 3, 3, 10
SETTINGS = settings(max_examples=200, deadline=None)


@dataclass(frozen=True)
class Timeline:
    """UTC minutes around a DST day with their local wall clocks."""

    origin: datetime
    walls: list[datetime]
    prefix_max: list[datetime]
    suffix_min: list[datetime]

    def start_minute(self, wall: datetime) -> int:
        """The first minute whose wall clock has reached ``wall``."""
        return bisect_left(self.prefix_max, wall)

    def end_minute(self, wall: datetime) -> int:
        """The last minute showing ``wall`` (later in a fold), or the first after it (gap)."""
        after = bisect_right(self.suffix_min, wall)
        return after - 1 if after and self.walls[after - 1] == wall else after

    def instant(self, minute: int) -> datetime:
        return self.origin + timedelta(minutes=minute)


@cache
def timeline(zone_name: str, day: date) -> Timeline:
    zone = ZoneInfo(zone_name)
    origin = datetime(day.year, day.month, day.day, tzinfo=UTC) - timedelta(days=BEFORE_DAYS + 1)
    count = (BEFORE_DAYS + 1 + AFTER_DAYS) * 1440
    walls = [
        (origin + timedelta(minutes=m)).astimezone(zone).replace(tzinfo=None) for m in range(count)
    ]
    prefix_max = list(accumulate(walls, max))
    suffix_min = list(accumulate(reversed(walls), min))[::-1]
    return Timeline(origin, walls, prefix_max, suffix_min)


@dataclass(frozen=True)
class Scenario:
    zone: str
    day: date
    weekly: dict[str, list[tuple[str, str]]]
    holidays: tuple[date, ...]
    overrides: tuple[Shift, ...]

    def calendar(self) -> Calendar:
        return Calendar(self.zone, self.weekly, self.holidays, self.overrides)

    def oracle(self) -> list[bool]:
        """Open flag of every timeline minute."""
        line = timeline(self.zone, self.day)
        open_minutes = [False] * len(line.prefix_max)
        first_day = self.day - timedelta(days=BEFORE_DAYS + 2)
        for offset in range(BEFORE_DAYS + AFTER_DAYS + 3):
            local_day = first_day + timedelta(days=offset)
            if local_day in self.holidays:
                continue
            for start, end in self.weekly.get(WEEKDAYS[local_day.weekday()], []):
                wall_start = datetime.combine(local_day, clock(start))
                end_minutes = minutes(end)
                if end_minutes <= minutes(start):
                    end_minutes += 1440
                wall_end = datetime.combine(local_day, time()) + timedelta(minutes=end_minutes)
                mark(open_minutes, line.start_minute(wall_start), line.end_minute(wall_end), True)
        for kind in ("extra", "closure"):
            for shift in self.overrides:
                if shift.kind == kind:
                    first, last = line.start_minute(shift.start), line.end_minute(shift.end)
                    mark(open_minutes, first, last, kind == "extra")
        return open_minutes


def minutes(text: str) -> int:
    hours, mins = text.split(":")
    return int(hours) * 60 + int(mins)


def clock(text: str) -> time:
    return datetime.strptime(text, "%H:%M").time()


def mark(flags: list[bool], first: int, last: int, value: bool) -> None:
    for m in range(first, last):
        flags[m] = value


NEAR_CHANGES = ["23:00", "23:30", "00:00", "00:30", "01:00", "01:30", "02:00", "02:30", "03:00"]
NEAR_CHANGE = st.sampled_from(NEAR_CHANGES)
HALF_HOURS = st.one_of(
    NEAR_CHANGE,
    st.integers(0, 47).map(lambda n: f"{n // 2:02d}:{n % 2 * 30:02d}"),
)
WINDOW = st.tuples(HALF_HOURS, st.one_of(HALF_HOURS, st.just("24:00")))
WEEKLY = st.dictionaries(st.sampled_from(WEEKDAYS), st.lists(WINDOW, max_size=2), max_size=7)


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    zone, day = draw(st.sampled_from(DST_DAYS))
    weekly = draw(WEEKLY)
    for near_change in (day, day - timedelta(days=1)):
        if draw(st.booleans()):
            windows = st.lists(st.tuples(NEAR_CHANGE, NEAR_CHANGE), min_size=1, max_size=2)
            weekly[WEEKDAYS[near_change.weekday()]] = draw(windows)
    days = st.integers(-2, QUERY_DAYS + 1).map(lambda n: day + timedelta(days=n))
    holidays = tuple(draw(st.lists(days, max_size=2)))
    overrides = []
    for kind in draw(st.lists(st.sampled_from(["extra", "closure"]), max_size=2)):
        start = datetime.combine(draw(days), clock(draw(HALF_HOURS)))
        length = timedelta(minutes=30 * draw(st.integers(1, 60)))
        overrides.append(Shift(start, start + length, kind))
    return Scenario(zone, day, weekly, holidays, tuple(overrides))


CHANGE_DAY = (BEFORE_DAYS + 1) * 1440
QUERY_MINUTES = st.one_of(
    st.integers(CHANGE_DAY - 840, CHANGE_DAY + 1440 + 840),
    st.integers(BEFORE_DAYS * 1440, (BEFORE_DAYS + QUERY_DAYS) * 1440),
)


@SETTINGS
@given(scenarios(), QUERY_MINUTES, st.integers(0, 59))
def test_is_open_matches_oracle(scenario: Scenario, minute: int, second: int) -> None:
    line, flags = timeline(scenario.zone, scenario.day), scenario.oracle()
    calendar = scenario.calendar()
    assert calendar.is_open(line.instant(minute) + timedelta(seconds=second)) == flags[minute]


@SETTINGS
@given(scenarios(), QUERY_MINUTES)
def test_next_open_and_close_match_oracle(scenario: Scenario, minute: int) -> None:
    line, flags = timeline(scenario.zone, scenario.day), scenario.oracle()
    calendar = scenario.calendar()
    opens = next((m for m in range(minute, len(flags)) if flags[m]), None)
    closes = next((m for m in range(minute, len(flags)) if not flags[m]), None)
    assume(opens is not None and closes is not None)
    assert opens is not None and closes is not None
    assert calendar.next_open(line.instant(minute)) == line.instant(opens)
    assert calendar.next_close(line.instant(minute)) == line.instant(closes)


@SETTINGS
@given(scenarios(), QUERY_MINUTES, st.integers(0, 36 * 60))
def test_add_matches_oracle(scenario: Scenario, minute: int, amount: int) -> None:
    line, flags = timeline(scenario.zone, scenario.day), scenario.oracle()
    calendar = scenario.calendar()
    expected, counted = minute, 0
    while counted < amount and expected < len(flags):
        counted += flags[expected]
        expected += 1
    assume(counted == amount)
    result = calendar.add(line.instant(minute), timedelta(minutes=amount))
    assert result == line.instant(expected)


@SETTINGS
@given(scenarios(), QUERY_MINUTES, QUERY_MINUTES)
def test_between_matches_oracle(scenario: Scenario, first: int, second: int) -> None:
    line, flags = timeline(scenario.zone, scenario.day), scenario.oracle()
    calendar = scenario.calendar()
    expected = sum(flags[min(first, second) : max(first, second)])
    if second < first:
        expected = -expected
    result = calendar.between(line.instant(first), line.instant(second))
    assert result == timedelta(minutes=expected)


@SETTINGS
@given(scenarios(), WEEKLY, QUERY_MINUTES, st.integers(0, 24 * 60))
def test_coverage_matches_union_of_oracles(
    scenario: Scenario, other_weekly: dict[str, list[tuple[str, str]]], minute: int, amount: int
) -> None:
    other = Scenario(scenario.zone, scenario.day, other_weekly, (), ())
    line = timeline(scenario.zone, scenario.day)
    flags = [a or b for a, b in zip(scenario.oracle(), other.oracle(), strict=True)]
    union = coverage([scenario.calendar(), Calendar("UTC", {}), other.calendar()])
    assert union.is_open(line.instant(minute)) == flags[minute]
    end = minute + amount
    assert union.between(line.instant(minute), line.instant(end)) == timedelta(
        minutes=sum(flags[minute:end])
    )
