"""Who covers which language: on duty at an instant, and open, gaps and handoffs over a week;
and the coverage calendar a case's SLA clock runs on (:func:`coverage_for`).

Pure: team profiles and instants in, aware UTC datetimes out; "now" and the week are passed in.
A week runs from Monday 00:00 to the next Monday 00:00 in the zone the report is for, so a week
with a DST change is 167 or 169 hours long.  Languages are grouped as the router matches them
(``pt`` ~ ``pt-BR``; Chinese by script), each named by the shortest tag a team lists for it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from functools import lru_cache

from routing.calendar import (
    AlwaysOpenError,
    Coverage,
    NeverOpenError,
    Schedule,
    coverage,
    from_us,
    merge,
    to_us,
)
from routing.model import CaseFacts, TeamProfile
from routing.router import language_key, proficiency, serves


@dataclass(frozen=True, slots=True)
class Period:
    """A half-open span of time [start, end)."""

    start: datetime
    end: datetime

    @property
    def length(self) -> timedelta:
        return self.end - self.start


@dataclass(frozen=True, slots=True)
class Handoff:
    """The instant the set of on-duty speakers changes: who was on duty before, who is after."""

    at: datetime
    from_teams: tuple[str, ...]
    to_teams: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class LanguageCoverage:
    """One language over one week: the speaking teams, open periods, gaps and handoffs."""

    language: str
    teams: tuple[str, ...]
    open: tuple[Period, ...]
    gaps: tuple[Period, ...]
    handoffs: tuple[Handoff, ...]

    @property
    def covered(self) -> timedelta:
        return sum((period.length for period in self.open), timedelta(0))


@dataclass(frozen=True, slots=True)
class Duty:
    """A team at one instant: on duty until ``until``, or off duty until ``opens``.

    ``until``/``opens`` are None when the calendar never closes/opens within its horizon.
    """

    team: str
    on_duty: bool
    until: datetime | None
    opens: datetime | None


def week_start(text: str) -> date:
    """The Monday of an ISO week given as ``YYYY-Www`` or as a date in it (``YYYY-MM-DD``)."""
    try:
        day = date.fromisoformat(text)
    except ValueError as error:
        raise ValueError(f"bad week {text!r}: expected YYYY-Www or YYYY-MM-DD") from error
    return day - timedelta(days=day.weekday())


def week_bounds(monday: date, zone: tzinfo) -> Period:
    """Monday 00:00 to the next Monday 00:00 in ``zone``, as aware UTC datetimes."""
    start = datetime.combine(monday, time(), tzinfo=zone)
    end = datetime.combine(monday + timedelta(days=7), time(), tzinfo=zone)
    return Period(from_us(to_us(start)), from_us(to_us(end)))


def spoken_languages(teams: Iterable[TeamProfile]) -> list[str]:
    """One tag per language the teams speak, in tag order."""
    tags: dict[str, str] = {}
    for team in teams:
        for tag in team.languages:
            key = language_key(tag)
            if key not in tags or (len(tag), tag) < (len(tags[key]), tags[key]):
                tags[key] = tag
    return sorted(tags.values())


def speakers(teams: Iterable[TeamProfile], language: str) -> list[TeamProfile]:
    """The teams that speak ``language`` at any proficiency."""
    return [team for team in teams if proficiency(team, language) is not None]


def duty(team: TeamProfile, at: datetime) -> Duty:
    """Whether ``team`` is on duty at ``at``, with the end of its window or its next opening."""
    calendar = team.calendar
    if calendar.is_open(at):
        try:
            return Duty(team.key, True, until=calendar.next_close(at), opens=None)
        except AlwaysOpenError:
            return Duty(team.key, True, until=None, opens=None)
    try:
        return Duty(team.key, False, until=None, opens=calendar.next_open(at))
    except NeverOpenError:
        return Duty(team.key, False, until=None, opens=None)


def language_coverage(
    teams: Sequence[TeamProfile], language: str, week: Period
) -> LanguageCoverage:
    """Coverage of ``language`` by the teams that speak it over ``week``."""
    lo, hi = to_us(week.start), to_us(week.end)
    speaking = speakers(teams, language)
    changes: dict[int, dict[str, int]] = defaultdict(dict)
    pieces = []
    for team in speaking:
        for start, end in team.calendar.intervals(lo, hi):
            pieces.append((start, end))
            changes[start][team.key] = 1
            changes[end][team.key] = -1
    handoffs: list[Handoff] = []
    on_duty: set[str] = set()
    for at in sorted(changes):
        before = sorted(on_duty)
        for key, change in changes[at].items():
            if change > 0:
                on_duty.add(key)
            else:
                on_duty.discard(key)
        after = sorted(on_duty)
        if lo < at < hi and before != after:
            handoffs.append(Handoff(from_us(at), tuple(before), tuple(after)))
    opened = merge(pieces)
    edges = [lo, *(edge for interval in opened for edge in interval), hi]
    gaps = [(edges[i], edges[i + 1]) for i in range(0, len(edges), 2) if edges[i] < edges[i + 1]]
    return LanguageCoverage(
        language=language,
        teams=tuple(team.key for team in speaking),
        open=tuple(Period(from_us(s), from_us(e)) for s, e in opened),
        gaps=tuple(Period(from_us(s), from_us(e)) for s, e in gaps),
        handoffs=tuple(handoffs),
    )


def coverage_report(
    teams: Sequence[TeamProfile], week: Period, languages: Sequence[str] | None = None
) -> list[LanguageCoverage]:
    """Coverage over ``week`` of each of ``languages``, by default every language spoken."""
    wanted = spoken_languages(teams) if languages is None else languages
    return [language_coverage(teams, language, week) for language in wanted]


def coverage_for(case: CaseFacts, teams: Sequence[TeamProfile]) -> Coverage:
    """Calendar the SLA clock runs on: speakers serving the region, else region, else all."""
    pool = [team for team in teams if serves(team, case.region)] or list(teams)
    if language_key(case.language) != "und":
        pool = [team for team in pool if proficiency(team, case.language)] or pool
    return _coverage(tuple(sorted({team.calendar for team in pool}, key=id)))


@lru_cache(maxsize=256)
def _coverage(calendars: tuple[Schedule, ...]) -> Coverage:
    return coverage(calendars)
