"""Ops work on teams: CRUD and team-file import/export, who is on duty, coverage, shift feeds.

Team input is validated by the team-file reader (``routing.teams.parse_teams``): a JSON body is
rendered as a one-team file, one field per line, so each problem's line names its field.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import msgspec
from sqlalchemy import Integer, String, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from routing.coverage_report import (
    LanguageCoverage,
    Period,
    coverage_report,
    duty,
    speakers,
    spoken_languages,
    week_bounds,
    week_start,
)
from routing.lifecycle import OPEN_STATUSES
from routing.model import TeamSpec
from routing.teams import TeamFileError, build_calendar, canonical_tag, parse_teams
from service.db.models import Case, Team
from service.problems import InvalidInput, Problem, invalid
from service.teams import (
    TeamChanges,
    columns_of,
    load_teams,
    rotate_key,
    router_view,
    spec_of,
    upsert_teams,
)
from service.validation import check_zone

MAX_DISTANCE = timedelta(days=5 * 366)
"""How far from now an instant or week asked about may lie (calendars are built up to it)."""
_INT_MAX = 2**31 - 1


class Override(msgspec.Struct, forbid_unknown_fields=True):
    """An extra shift or a closure: local ``YYYY-MM-DDTHH:MM`` in the team's zone, or aware."""

    start: str
    end: str
    kind: str


class TeamBody(msgspec.Struct, forbid_unknown_fields=True):
    """A team as ops write it; ``key`` comes from the path (if given here it must match)."""

    name: str
    region: str
    timezone: str
    languages: dict[str, str]
    weekly: dict[str, list[list[str]]]
    key: str | None = None
    country: str | None = None
    subdivision: str | None = None
    seats: int = 1
    serves: list[str] = msgspec.field(default_factory=list)
    tiers: list[str] = msgspec.field(default_factory=list)
    holidays: list[str] = msgspec.field(default_factory=list)
    overrides: list[Override] = msgspec.field(default_factory=list)
    webhook_url: str | None = None
    lead_email: str | None = None


class TeamOut(msgspec.Struct):
    """A team's spec, as ``TeamBody`` accepts it back."""

    key: str
    name: str
    region: str
    timezone: str
    languages: dict[str, str]
    weekly: dict[str, list[list[str]]]
    country: str | None
    subdivision: str | None
    seats: int
    serves: list[str]
    tiers: list[str]
    holidays: list[date]
    overrides: list[Override]
    webhook_url: str | None
    lead_email: str | None


class SavedTeam(msgspec.Struct, omit_defaults=True):
    """A created or replaced team; ``api_key`` only when created (shown once)."""

    team: TeamOut
    created: bool
    api_key: str | None = None


class FieldChange(msgspec.Struct):
    before: Any
    after: Any


class ImportResult(msgspec.Struct):
    created: list[str]
    updated: list[str]
    """Only the teams whose fields really changed; see `changes`."""
    unchanged: list[str]
    changes: dict[str, dict[str, FieldChange]]
    """Per updated team, each changed field before and after."""
    api_keys: dict[str, str]
    """The keys of the teams created now (shown once; none on a dry run)."""
    dry_run: bool = False
    """True: nothing was saved; this is what the import would do."""


class NewKey(msgspec.Struct):
    team: str
    api_key: str


class TeamDuty(msgspec.Struct):
    """A team at an instant: on duty until ``until``, or off until ``opens``."""

    key: str
    name: str
    on_duty: bool
    until: datetime | None
    opens: datetime | None
    languages: dict[str, str]


class OnDuty(msgspec.Struct):
    at: datetime
    teams: list[TeamDuty]
    languages: dict[str, list[str]]
    """Per language, the teams on duty that speak it (empty: nobody)."""


class Span(msgspec.Struct):
    """[start, end) in UTC and in the report's zone, with its length in hours."""

    start: str
    end: str
    local_start: str
    local_end: str
    hours: float


class HandoffOut(msgspec.Struct):
    at: str
    local_at: str
    from_teams: list[str]
    to_teams: list[str]


class LanguageCoverageOut(msgspec.Struct):
    language: str
    teams: list[str]
    covered_hours: float
    open: list[Span]
    gaps: list[Span]
    handoffs: list[HandoffOut]


class CoverageOut(msgspec.Struct):
    week: str
    zone: str
    start: str
    end: str
    hours: float
    languages: list[LanguageCoverageOut]


def team_not_found(key: str) -> Problem:
    return Problem(404, "team-not-found", f"no team {key!r}", title="Team not found")


def conflict(detail: str) -> Problem:
    return Problem(409, "conflict", detail, title="Conflict")


# Teams: read, write, import, export, delete, rotate keys.


def team_out(spec: TeamSpec) -> TeamOut:
    return TeamOut(
        key=spec.key,
        name=spec.name,
        region=spec.region,
        timezone=spec.timezone,
        languages=dict(spec.languages),
        weekly={day: [list(w) for w in windows] for day, windows in spec.weekly.items()},
        country=spec.country,
        subdivision=spec.subdivision,
        seats=spec.seats,
        serves=list(spec.serves),
        tiers=list(spec.tiers),
        holidays=list(spec.holidays),
        overrides=[
            Override(o.start.isoformat(), o.end.isoformat(), o.kind) for o in spec.overrides
        ],
        webhook_url=spec.webhook_url,
        lead_email=spec.lead_email,
    )


async def list_teams(session: AsyncSession) -> list[TeamOut]:
    return [team_out(spec_of(team)) for team in await load_teams(session)]


async def find_team(session: AsyncSession, key: str, *, for_update: bool = False) -> Team:
    team = await session.get(Team, key, with_for_update=for_update)
    if team is None:
        raise team_not_found(key)
    return team


async def get_team(session: AsyncSession, key: str) -> TeamOut:
    return team_out(spec_of(await find_team(session, key)))


def _toml(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _team_file(key: str, body: TeamBody) -> tuple[str, list[str]]:
    """``body`` as a one-team file, and the body field each of its lines holds."""
    lines: list[tuple[str, str]] = [("body", "[[team]]"), ("key", f"key = {_toml(key)}")]
    texts = {
        "name": body.name,
        "region": body.region,
        "timezone": body.timezone,
        "country": body.country,
        "subdivision": body.subdivision,
        "webhook_url": body.webhook_url,
        "lead_email": body.lead_email,
    }
    lines += [(name, f"{name} = {_toml(value)}") for name, value in texts.items() if value]
    lists = {"serves": body.serves, "tiers": body.tiers, "holidays": body.holidays}
    for name, values in lists.items():
        lines.append((name, f"{name} = [{', '.join(map(_toml, values))}]"))
    lines.append(("seats", f"seats = {body.seats}"))
    languages = ", ".join(f"{_toml(tag)} = {_toml(level)}" for tag, level in body.languages.items())
    lines.append(("languages", f"languages = {{ {languages} }}"))
    lines.append(("weekly", "[team.weekly]"))
    for day, windows in body.weekly.items():
        pairs = ", ".join("[" + ", ".join(map(_toml, window)) + "]" for window in windows)
        lines.append((f"weekly.{day}", f"{_toml(day)} = [{pairs}]"))
    for number, shift in enumerate(body.overrides):
        field = f"overrides[{number}]"
        lines.append((field, "[[team.overrides]]"))
        lines += [
            (f"{field}.{name}", f"{name} = {_toml(value)}")
            for name, value in (("start", shift.start), ("end", shift.end), ("kind", shift.kind))
        ]
    return "\n".join(text for _, text in lines) + "\n", [field for field, _ in lines]


def _column_problems(spec: TeamSpec) -> list[tuple[str, str]]:
    """(field, message) for values longer or larger than their database columns allow."""
    problems = []
    for name, value in {"key": spec.key, **columns_of(spec)}.items():
        column_type = Team.__table__.c[name].type
        if isinstance(column_type, String) and isinstance(value, str):
            if column_type.length and len(value) > column_type.length:
                problems.append((name, f"at most {column_type.length} characters"))
        elif isinstance(column_type, Integer) and isinstance(value, int) and value > _INT_MAX:
            problems.append((name, f"at most {_INT_MAX}"))
    return problems


def _field_on(fields: list[str], line: int | None) -> str:
    return fields[line - 1] if line and line <= len(fields) else "body"


def team_spec(key: str, body: TeamBody) -> TeamSpec:
    """The spec a JSON body describes, validated as the team file is; else a 422 by field."""
    if body.key is not None and body.key != key:
        raise invalid("key", f"the body is for team {body.key!r}, the path for {key!r}")
    text, fields = _team_file(key, body)
    try:
        (spec,) = parse_teams(text)
    except TeamFileError as error:
        raise InvalidInput(
            [{"field": _field_on(fields, p.line), "message": p.message} for p in error.problems]
        ) from error
    if problems := _column_problems(spec):
        raise InvalidInput([{"field": name, "message": message} for name, message in problems])
    return spec


def team_file_specs(text: str) -> list[TeamSpec]:
    """The teams of a team file; every problem as a 422 with its line."""
    try:
        specs = parse_teams(text)
    except TeamFileError as error:
        errors = [{"line": p.line, "message": p.message} for p in error.problems]
        raise _team_file_problem(errors) from error
    problems: list[dict[str, Any]] = [
        {"line": None, "message": f"team {spec.key!r}: {name}: {message}"}
        for spec in specs
        for name, message in _column_problems(spec)
    ]
    if problems:
        raise _team_file_problem(problems)
    return specs


def _team_file_problem(errors: list[dict[str, Any]]) -> Problem:
    detail = f"the team file has {len(errors)} problem(s)"
    return Problem(422, "invalid-team-file", detail, title="Invalid team file", errors=errors)


async def save_teams(
    session: AsyncSession, specs: Sequence[TeamSpec], *, dry_run: bool = False
) -> TeamChanges:
    """Create or update teams and commit (a dry run rolls back); what changed."""
    try:
        async with session.begin():
            return await upsert_teams(session, specs, dry_run=dry_run)
    except (IntegrityError, StaleDataError) as error:
        raise conflict("the teams were changed meanwhile; try again") from error


async def save_team(session: AsyncSession, spec: TeamSpec) -> SavedTeam:
    api_key = (await save_teams(session, [spec])).api_keys.get(spec.key)
    return SavedTeam(team=team_out(spec), created=api_key is not None, api_key=api_key)


async def import_team_file(session: AsyncSession, text: str, *, dry_run: bool) -> ImportResult:
    changes = await save_teams(session, team_file_specs(text), dry_run=dry_run)
    return ImportResult(
        created=changes.created,
        updated=list(changes.updated),
        unchanged=changes.unchanged,
        changes={
            key: {name: FieldChange(before, after) for name, (before, after) in fields.items()}
            for key, fields in changes.updated.items()
        },
        api_keys=changes.api_keys,
        dry_run=dry_run,
    )


async def delete_team(session: AsyncSession, key: str) -> None:
    """Delete a team that owns no open case; its closed cases keep their history, unassigned."""
    try:
        async with session.begin():
            team = await find_team(session, key, for_update=True)
            open_cases = await session.scalar(
                select(func.count())
                .select_from(Case)
                .where(Case.team_key == key, Case.status.in_(OPEN_STATUSES))
            )
            if open_cases:
                raise conflict(f"team {key!r} still owns {open_cases} open case(s)")
            await session.execute(
                update(Case)
                .where(Case.team_key == key)
                .values(team_key=None, version=Case.version + 1)
            )
            await session.delete(team)
    except (IntegrityError, StaleDataError) as error:
        raise conflict(f"team {key!r} was given a case meanwhile; try again") from error


async def new_api_key(session: AsyncSession, key: str) -> NewKey:
    try:
        async with session.begin():
            api_key = await rotate_key(session, await find_team(session, key, for_update=True))
    except StaleDataError as error:
        raise conflict(f"team {key!r} was changed meanwhile; try again") from error
    return NewKey(team=key, api_key=api_key)


# On duty, coverage and shifts: query parameters, then the pure computations.


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
    if week is None:
        monday = week_start(now.astimezone(local_zone).date().isoformat())
    else:
        try:
            monday = week_start(week)
        except ValueError as error:
            raise invalid("week", str(error)) from error
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
