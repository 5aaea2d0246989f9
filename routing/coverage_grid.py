"""The coverage heatmap: for each language, each hour of a week as the viewer's clock shows it,
which speaking teams are on duty, how many seats they bring and how much of the hour is covered
(the exact gaps and handoffs are :func:`routing.coverage.language_coverage`'s).

Pure: team profiles, a Monday and a zone in, aware UTC datetimes out. A day has one cell per real
hour, so the day clocks go forward has 23 cells and the day they go back has 25.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from itertools import pairwise

from routing.calendar import Interval, from_us, to_us
from routing.coverage import speakers, spoken_languages
from routing.model import TeamProfile

HOUR_US = 3_600_000_000


@dataclass(frozen=True, slots=True)
class Cell:
    """One real hour [start, end): the teams on duty in any part of it, the seats on duty through
    all of it, and the share of it some speaking team covers."""

    start: datetime
    end: datetime
    teams: tuple[str, ...]
    seats: int
    covered: float

    @property
    def gap(self) -> bool:
        return self.covered < 1.0


@dataclass(frozen=True, slots=True)
class Day:
    day: date
    cells: tuple[Cell, ...]

    @property
    def hours(self) -> int:
        """23, 24 or 25: the length of the day on the viewer's clock."""
        return len(self.cells)

    def by_local_hour(self, zone: tzinfo) -> list[list[Cell]]:
        """The cells under the 24 hours of the clock in ``zone``: an hour the clocks skip has
        none, an hour they repeat has two."""
        hours: list[list[Cell]] = [[] for _ in range(24)]
        for cell in self.cells:
            hours[cell.start.astimezone(zone).hour].append(cell)
        return hours


@dataclass(frozen=True, slots=True)
class LanguageGrid:
    language: str
    teams: tuple[str, ...]
    days: tuple[Day, ...]


def _hour_starts(day: date, zone: tzinfo) -> list[int]:
    """Each real hour of a local day, as UTC microseconds, ending with the next midnight."""
    lo = to_us(datetime.combine(day, time(), tzinfo=zone))
    hi = to_us(datetime.combine(day + timedelta(days=1), time(), tzinfo=zone))
    return [*range(lo, hi, HOUR_US), hi]


def _overlap(intervals: Sequence[Interval], lo: int, hi: int) -> int:
    return sum(max(0, min(end, hi) - max(start, lo)) for start, end in intervals)


def language_grid(
    teams: Sequence[TeamProfile], language: str, monday: date, zone: tzinfo
) -> LanguageGrid:
    """The heatmap row of one language for the week starting ``monday`` in ``zone``."""
    speaking = speakers(teams, language)
    week_lo = to_us(datetime.combine(monday, time(), tzinfo=zone))
    week_hi = to_us(datetime.combine(monday + timedelta(days=7), time(), tzinfo=zone))
    duty = {team.key: team.calendar.intervals(week_lo, week_hi) for team in speaking}
    seats = {team.key: team.seats for team in speaking}
    merged = sorted(interval for intervals in duty.values() for interval in intervals)
    days = []
    for offset in range(7):
        day = monday + timedelta(days=offset)
        edges = _hour_starts(day, zone)
        cells = []
        for lo, hi in pairwise(edges):
            on = tuple(key for key, spans in duty.items() if _overlap(spans, lo, hi) > 0)
            whole = sum(seats[key] for key in on if _overlap(duty[key], lo, hi) == hi - lo)
            covered = _covered(merged, lo, hi) / (hi - lo)
            cells.append(Cell(from_us(lo), from_us(hi), on, whole, covered))
        days.append(Day(day, tuple(cells)))
    return LanguageGrid(language, tuple(team.key for team in speaking), tuple(days))


def _covered(intervals: Sequence[Interval], lo: int, hi: int) -> int:
    """Microseconds of [lo, hi) inside the union of ``intervals`` (sorted by start)."""
    total, reach = 0, lo
    for start, end in intervals:
        if end <= reach or start >= hi:
            continue
        start = max(start, reach)
        end = min(end, hi)
        if end > start:
            total += end - start
            reach = end
    return total


def coverage_grid(
    teams: Sequence[TeamProfile],
    monday: date,
    zone: tzinfo,
    languages: Sequence[str] | None = None,
) -> list[LanguageGrid]:
    """One heatmap row per language (by default every language the teams speak)."""
    wanted = spoken_languages(teams) if languages is None else languages
    return [language_grid(teams, language, monday, zone) for language in wanted]
