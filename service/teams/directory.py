"""Teams in the database: conversion to routing specs, the router's view, TOML import."""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from routing.calendar import Shift
from routing.lifecycle import OPEN_STATUSES
from routing.model import TeamProfile, TeamSpec
from routing.team_file import dump_teams, profile, public_name
from service.common.errors import InvalidInput
from service.common.secrets import hash_secret
from service.db.models import Case, Team
from service.notify.webhook_policy import url_problem


def spec_of(team: Team) -> TeamSpec:
    return TeamSpec(
        key=team.key,
        name=team.name,
        region=team.region,
        timezone=team.timezone,
        languages=dict(team.languages),
        weekly={day: tuple(tuple(w) for w in windows) for day, windows in team.weekly.items()},
        country=team.country,
        subdivision=team.subdivision,
        holidays=tuple(date.fromisoformat(d) for d in team.holidays),
        overrides=tuple(
            Shift(
                start=datetime.fromisoformat(o["start"]),
                end=datetime.fromisoformat(o["end"]),
                kind=o["kind"],
            )
            for o in team.overrides
        ),
        seats=team.seats,
        serves=tuple(team.serves),
        tiers=tuple(team.tiers),
        webhook_url=team.webhook_url,
        lead_email=team.lead_email,
        overflow=team.overflow,
        public_names=dict(team.public_names or {}),
    )


def columns_of(spec: TeamSpec) -> dict[str, Any]:
    return {
        "name": spec.name,
        "region": spec.region,
        "timezone": spec.timezone,
        "languages": dict(spec.languages),
        "weekly": {day: [list(w) for w in windows] for day, windows in spec.weekly.items()},
        "country": spec.country,
        "subdivision": spec.subdivision,
        "holidays": [d.isoformat() for d in spec.holidays],
        "overrides": [
            {"start": o.start.isoformat(), "end": o.end.isoformat(), "kind": o.kind}
            for o in spec.overrides
        ],
        "seats": spec.seats,
        "serves": list(spec.serves),
        "tiers": list(spec.tiers),
        "webhook_url": spec.webhook_url,
        "lead_email": spec.lead_email,
        "overflow": spec.overflow,
        "public_names": dict(spec.public_names),
    }


_profile_cache: dict[tuple[str, int, datetime], TeamProfile] = {}
"""Router profiles by (key, version, created_at): calendars are built once per team version."""


async def team_count(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(Team)) or 0)


async def load_teams(session: AsyncSession) -> list[Team]:
    return list((await session.scalars(select(Team).order_by(Team.key))).all())


async def open_case_counts(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(
        select(Case.team_key, func.count())
        .where(Case.status.in_(OPEN_STATUSES), Case.team_key.is_not(None))
        .group_by(Case.team_key)
    )
    return {key: count for key, count in rows if key is not None}


class TeamNames(dict[str, str]):
    """Internal team names by key, and what customers are told each team is called."""

    def __init__(self, rows: Sequence[tuple[str, str, Mapping[str, str] | None]]) -> None:
        super().__init__((key, name) for key, name, _ in rows)
        self.public = {key: dict(names or {}) for key, _, names in rows}

    def for_customer(self, key: str | None, locale: str) -> str | None:
        """The customer-facing name of team `key` in `locale`; None for no (known) team."""
        if key is None or key not in self:
            return None
        return public_name(self[key], self.public.get(key, {}), locale)


async def team_names(session: AsyncSession) -> TeamNames:
    rows = await session.execute(select(Team.key, Team.name, Team.public_names))
    return TeamNames([tuple(row) for row in rows.all()])


async def router_view(session: AsyncSession) -> tuple[TeamNames, list[TeamProfile]]:
    """Team names by key, and every team's router profile with its current load.

    Only the teams' version stamps are read on each call; full rows are loaded (and calendars
    built) only for versions not seen before, so this stays cheap on the intake path.
    """
    stamps = (
        await session.execute(
            select(Team.key, Team.name, Team.version, Team.created_at, Team.public_names).order_by(
                Team.key
            )
        )
    ).all()
    unseen = [
        key
        for key, _, version, created, _ in stamps
        if (key, version, created) not in _profile_cache
    ]
    if unseen:
        for team in (await session.scalars(select(Team).where(Team.key.in_(unseen)))).all():
            _profile_cache[(team.key, team.version, team.created_at)] = profile(spec_of(team))
    counts = await open_case_counts(session)
    profiles = [
        replace(_profile_cache[(key, version, created)], open_cases=counts.get(key, 0))
        for key, _, version, created, _ in stamps
    ]
    return TeamNames([(key, name, names) for key, name, _, _, names in stamps]), profiles


async def export_teams(session: AsyncSession) -> str:
    """Every team as a team file (TOML)."""
    return dump_teams([spec_of(team) for team in await load_teams(session)])


@dataclass(frozen=True)
class TeamChanges:
    """What an import changes: teams created, fields changed per team, teams left as they are."""

    created: list[str] = field(default_factory=list)
    updated: dict[str, dict[str, tuple[Any, Any]]] = field(default_factory=dict)
    """Per team, each changed field's (before, after) value."""
    unchanged: list[str] = field(default_factory=list)
    api_keys: dict[str, str] = field(default_factory=dict)
    """The API keys of the teams created now (shown once; none on a dry run)."""


def _changed_fields(team: Team, spec: TeamSpec) -> dict[str, tuple[Any, Any]]:
    before = columns_of(spec_of(team))
    return {
        name: (before[name], after)
        for name, after in columns_of(spec).items()
        if before[name] != after
    }


async def upsert_teams(
    session: AsyncSession,
    specs: Sequence[TeamSpec],
    *,
    dry_run: bool = False,
    allow_loopback_http: bool = False,
) -> TeamChanges:
    """Create or update teams (only fields that differ are written); `dry_run` writes nothing.
    A webhook URL that may not be called (see webhook_policy) is a 422 naming the team."""
    refused = [
        {"field": f"{spec.key}.webhook_url", "message": problem}
        for spec in specs
        if spec.webhook_url
        and (problem := url_problem(spec.webhook_url, allow_loopback_http=allow_loopback_http))
    ]
    if refused:
        raise InvalidInput(refused, kind="invalid-webhook-url", title="Webhook URL not allowed")
    existing = {t.key: t for t in await load_teams(session)}
    changes = TeamChanges()
    for spec in specs:
        team = existing.get(spec.key)
        if team is None:
            changes.created.append(spec.key)
            if not dry_run:
                api_key = secrets.token_urlsafe(24)
                columns = columns_of(spec)
                session.add(Team(key=spec.key, api_key_hash=hash_secret(api_key), **columns))
                changes.api_keys[spec.key] = api_key
            continue
        changed = _changed_fields(team, spec)
        if not changed:
            changes.unchanged.append(spec.key)
            continue
        changes.updated[spec.key] = changed
        if not dry_run:
            for name, (_, after) in changed.items():
                setattr(team, name, after)
    return changes


async def rotate_key(session: AsyncSession, team: Team) -> str:
    api_key = secrets.token_urlsafe(24)
    team.api_key_hash = hash_secret(api_key)
    return api_key
