"""Ops work on teams: read, create, replace, import, export, delete, rotate keys.

Team input is validated by the team-file reader (``routing.team_file.parse_teams``): a JSON body is
rendered as a one-team file, one field per line, so each problem's line names its field.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import msgspec
from sqlalchemy import Integer, String, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from routing.lifecycle import OPEN_STATUSES
from routing.model import TeamSpec
from routing.team_file import TeamFileError, parse_teams
from service.common.errors import Conflict, InvalidInput, NotFound, invalid
from service.db.models import Case, Team
from service.teams.directory import (
    TeamChanges,
    columns_of,
    load_teams,
    rotate_key,
    spec_of,
    upsert_teams,
)
from service.teams.schemas import (
    FieldChange,
    ImportResult,
    NewKey,
    SavedTeam,
    TeamBody,
    TeamOut,
)

_INT_MAX = 2**31 - 1


def team_not_found(key: str) -> NotFound:
    return NotFound(f"no team {key!r}", kind="team-not-found", title="Team not found")


def conflict(detail: str) -> Conflict:
    return Conflict(detail)


def team_out(spec: TeamSpec) -> TeamOut:
    """The API view of a team: its stored columns (the one mapping, `columns_of`) and key."""
    return msgspec.convert({"key": spec.key, **columns_of(spec)}, TeamOut)


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
    if body.overflow:
        lines.append(("overflow", "overflow = true"))
    if body.public_names:
        names = ", ".join(f"{_toml(k)} = {_toml(v)}" for k, v in body.public_names.items())
        lines.append(("public_name", f"public_name = {{ {names} }}"))
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


def _team_file_problem(errors: list[dict[str, Any]]) -> InvalidInput:
    detail = f"the team file has {len(errors)} problem(s)"
    return InvalidInput(errors, detail=detail, kind="invalid-team-file", title="Invalid team file")


async def save_teams(
    session: AsyncSession,
    specs: Sequence[TeamSpec],
    *,
    dry_run: bool = False,
    allow_loopback_http: bool = False,
) -> TeamChanges:
    """Create or update teams and commit (a dry run rolls back); what changed."""
    try:
        async with session.begin():
            return await upsert_teams(
                session, specs, dry_run=dry_run, allow_loopback_http=allow_loopback_http
            )
    except (IntegrityError, StaleDataError) as error:
        raise conflict("the teams were changed meanwhile; try again") from error


async def save_team(
    session: AsyncSession, spec: TeamSpec, *, allow_loopback_http: bool = False
) -> SavedTeam:
    saved = await save_teams(session, [spec], allow_loopback_http=allow_loopback_http)
    api_key = saved.api_keys.get(spec.key)
    return SavedTeam(team=team_out(spec), created=api_key is not None, api_key=api_key)


async def import_team_file(
    session: AsyncSession, text: str, *, dry_run: bool, allow_loopback_http: bool = False
) -> ImportResult:
    changes = await save_teams(
        session, team_file_specs(text), dry_run=dry_run, allow_loopback_http=allow_loopback_http
    )
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
