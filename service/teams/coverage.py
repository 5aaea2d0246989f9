"""Who is on duty, weekly coverage per language and shift feeds, for ops."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

import icalendar
from sqlalchemy.ext.asyncio import AsyncSession

from routing.coverage import (
    Handoff,
    LanguageCoverage,
    Period,
    coverage_report,
    duty,
    speakers,
    spoken_languages,
    week_bounds,
    week_start,
)
from routing.coverage_grid import LanguageGrid, coverage_grid
from routing.language.tags import canonical_tag
from routing.team_file import build_calendar
from service.common.errors import invalid
from service.common.validation import FieldErrors, check_zone
from service.teams.directory import (
    router_view,
    spec_of,
)
from service.teams.schemas import (
    CoverageOut,
    HandoffOut,
    LanguageCoverageOut,
    OnDuty,
    Span,
    TeamDuty,
)
from service.teams.services import find_team

MAX_DISTANCE = timedelta(days=5 * 366)
"""How far from now an instant or week asked about may lie (calendars are built up to it)."""


def _near(moment: datetime, now: datetime, field: str) -> datetime:
    if abs(moment - now) > MAX_DISTANCE:
        raise invalid(field, f"must lie within {MAX_DISTANCE.days} days of now")
    return moment


def parse_instant(text: str, now: datetime, field: str) -> datetime:
    """An ISO 8601 datetime with a UTC offset, near now; else a 422 naming ``field``."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as error:
        raise invalid(field, f"not an ISO 8601 date and time: {text!r}") from error
    if moment.utcoffset() is None:
        raise invalid(field, "give a UTC offset or Z, e.g. 2026-11-24T09:00:00Z")
    return _near(moment, now, field)


def parse_day(text: str, field: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise invalid(field, f"not an ISO 8601 date (YYYY-MM-DD): {text!r}") from error


def parse_zone(name: str, field: str) -> ZoneInfo:
    if problem := check_zone(name):
        raise invalid(field, problem)
    return ZoneInfo(name)


def parse_language(tag: str, field: str) -> str:
    canonical = canonical_tag(tag)
    if canonical is None:
        raise invalid(field, f"unknown language tag {tag!r}")
    return canonical


async def on_duty(session: AsyncSession, at: datetime) -> OnDuty:
    names, profiles = await router_view(session)
    duties = [duty(team, at) for team in profiles]
    on_duty_now = [team for team, state in zip(profiles, duties, strict=True) if state.on_duty]
    return OnDuty(
        at=at.astimezone(UTC),
        teams=[
            TeamDuty(
                key=team.key,
                name=names[team.key],
                on_duty=state.on_duty,
                until=state.until,
                opens=state.opens,
                languages=dict(team.languages),
            )
            for team, state in zip(profiles, duties, strict=True)
        ],
        languages={
            language: [team.key for team in speakers(on_duty_now, language)]
            for language in spoken_languages(profiles)
        },
    )


def _stamp(moment: datetime, zone: tzinfo) -> tuple[str, str]:
    return moment.isoformat(), moment.astimezone(zone).isoformat()


def _span(period: Period, zone: tzinfo) -> Span:
    start, local_start = _stamp(period.start, zone)
    end, local_end = _stamp(period.end, zone)
    return Span(start, end, local_start, local_end, period.length / timedelta(hours=1))


def _language_out(report: LanguageCoverage, zone: tzinfo) -> LanguageCoverageOut:
    return LanguageCoverageOut(
        language=report.language,
        teams=list(report.teams),
        covered_hours=report.covered / timedelta(hours=1),
        open=[_span(period, zone) for period in report.open],
        gaps=[_span(period, zone) for period in report.gaps],
        handoffs=[
            HandoffOut(
                *_stamp(handoff.at, zone),
                from_teams=list(handoff.from_teams),
                to_teams=list(handoff.to_teams),
            )
            for handoff in report.handoffs
        ],
    )


async def coverage(
    session: AsyncSession, now: datetime, *, week: str | None, zone: str, language: str | None
) -> CoverageOut:
    """Coverage per language over an ISO week (default: this week in ``zone``)."""
    local_zone = parse_zone(zone, "zone")
    monday = _monday(week, now, local_zone)
    bounds = week_bounds(monday, local_zone)
    _near(bounds.start, now, "week")
    languages = None if language is None else [parse_language(language, "language")]
    _, profiles = await router_view(session)
    year, number, _ = monday.isocalendar()
    total = _span(bounds, local_zone)
    return CoverageOut(
        week=f"{year}-W{number:02d}",
        zone=zone,
        start=total.start,
        end=total.end,
        hours=total.hours,
        languages=[
            _language_out(report, local_zone)
            for report in coverage_report(profiles, bounds, languages)
        ],
    )


async def shifts_calendar(
    session: AsyncSession, key: str, now: datetime, *, first_day: str | None, days: int
) -> bytes:
    """The team's open periods from local midnight of ``first_day`` for ``days`` as iCalendar."""
    team = await find_team(session, key)
    calendar = build_calendar(spec_of(team))
    if first_day is None:
        day = now.astimezone(calendar.zone).date()
    else:
        day = parse_day(first_day, "from")
    start = datetime.combine(day, time(), tzinfo=calendar.zone)
    _near(start, now, "from")
    end = datetime.combine(day + timedelta(days=days), time(), tzinfo=calendar.zone)
    feed = icalendar.Calendar()
    feed.add("prodid", "-//Meridian//Team shifts//EN")
    feed.add("version", "2.0")
    feed.add("x-wr-calname", f"{team.name} shifts")
    for opens, closes in calendar.periods(start, end):
        event = icalendar.Event()
        event.add("uid", f"{team.key}-{opens:%Y%m%dT%H%M%SZ}@meridian")
        event.add("dtstamp", now.astimezone(UTC))
        event.add("dtstart", opens)
        event.add("dtend", closes)
        event.add("summary", f"{team.name} on duty")
        feed.add_component(event)
    return feed.to_ical()


@dataclass(frozen=True, slots=True)
class NextHandoff:
    language: str
    handoff: Handoff


@dataclass(frozen=True, slots=True)
class Heatmap:
    """What the coverage page shows: the week's grid and gaps per language in the viewer's
    zone, who is on duty now and each language's next handoff."""

    monday: date
    zone: ZoneInfo
    grids: list[LanguageGrid]
    reports: list[LanguageCoverage]
    on_duty_now: list[str]
    next_handoffs: list[NextHandoff]

    @property
    def week(self) -> str:
        year, number, _ = self.monday.isocalendar()
        return f"{year}-W{number:02d}"


def _monday(week: str | None, now: datetime, zone: ZoneInfo) -> date:
    if not week:
        return week_start(now.astimezone(zone).date().isoformat())
    try:
        return week_start(week)
    except ValueError as error:
        raise invalid("week", str(error)) from error


async def heatmap(
    session: AsyncSession, now: datetime, *, week: str | None, zone: str, language: str | None
) -> Heatmap:
    """The coverage page's data; a bad week, zone or language is a 422 naming each field."""
    errors = FieldErrors()
    local_zone = errors.check(lambda: parse_zone(zone, "zone"), ZoneInfo("UTC"))
    monday = errors.check(lambda: _monday(week, now, local_zone), now.date())
    errors.check(lambda: _near(week_bounds(monday, local_zone).start, now, "week"), now)
    languages = errors.check(
        lambda: [parse_language(language, "language")] if language else None, None
    )
    errors.raise_if_any()
    bounds = week_bounds(monday, local_zone)
    _, profiles = await router_view(session)
    grids = coverage_grid(profiles, monday, local_zone, languages)
    reports = coverage_report(profiles, bounds, [grid.language for grid in grids])
    soon = Period(now, now + timedelta(days=8))
    upcoming = coverage_report(profiles, soon, [grid.language for grid in grids])
    return Heatmap(
        monday=monday,
        zone=local_zone,
        grids=grids,
        reports=reports,
        on_duty_now=[team.key for team in profiles if duty(team, now).on_duty],
        next_handoffs=[
            NextHandoff(report.language, report.handoffs[0])
            for report in upcoming
            if report.handoffs
        ],
    )


def gaps_csv(view: Heatmap) -> str:
    """The week's gaps, one per line: language, start and end in the viewer's zone and UTC."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["language", "start", "end", "hours", "start_utc", "end_utc"])
    for report in view.reports:
        for gap in report.gaps:
            writer.writerow(
                [
                    report.language,
                    gap.start.astimezone(view.zone).isoformat(),
                    gap.end.astimezone(view.zone).isoformat(),
                    f"{gap.length / timedelta(hours=1):g}",
                    gap.start.isoformat(),
                    gap.end.isoformat(),
                ]
            )
    return out.getvalue()
