"""Teams in the database: conversion to routing specs, the router's view, TOML import."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from routing.lifecycle import OPEN_STATUSES
from routing.model import Shift, TeamProfile, TeamSpec
from routing.teams import dump_teams, profile
from service.db.models import Case, Team


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


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
    }


_profile_cache: dict[tuple[str, int, datetime], TeamProfile] = {}
"""Router profiles by (key, version, created_at): calendars are built once per team version."""


async def load_teams(session: AsyncSession) -> list[Team]:
    return list((await session.scalars(select(Team).order_by(Team.key))).all())


async def open_case_counts(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(
        select(Case.team_key, func.count())
        .where(Case.status.in_(OPEN_STATUSES), Case.team_key.is_not(None))
        .group_by(Case.team_key)
    )
    return {key: count for key, count in rows if key is not None}


async def router_view(session: AsyncSession) -> tuple[dict[str, str], list[TeamProfile]]:
    """Team names by key, and every team's router profile with its current load.

    Only the teams' version stamps are read on each call; full rows are loaded (and calendars
    built) only for versions not seen before, so this stays cheap on the intake path.
    """
    stamps = (
        await session.execute(
            select(Team.key, Team.name, Team.version, Team.created_at).order_by(Team.key)
        )
    ).all()
    unseen = [
        key for key, _, version, created in stamps if (key, version, created) not in _profile_cache
    ]
    if unseen:
        for team in (await session.scalars(select(Team).where(Team.key.in_(unseen)))).all():
            _profile_cache[(team.key, team.version, team.created_at)] = profile(spec_of(team))
    counts = await open_case_counts(session)
    profiles = [
        replace(_profile_cache[(key, version, created)], open_cases=counts.get(key, 0))
        for key, _, version, created in stamps
    ]
    return {key: name for key, name, _, _ in stamps}, profiles


async def export_teams(session: AsyncSession) -> str:
    """Every team as a team file (TOML)."""
    return dump_teams([spec_of(team) for team in await load_teams(session)])


async def upsert_teams(session: AsyncSession, specs: Sequence[TeamSpec]) -> dict[str, str]:
    """Create or update teams; returns the API keys of teams created now (shown once)."""
    existing = {t.key: t for t in await load_teams(session)}
    new_keys: dict[str, str] = {}
    for spec in specs:
        team = existing.get(spec.key)
        if team is None:
            api_key = secrets.token_urlsafe(24)
            session.add(Team(key=spec.key, api_key_hash=hash_secret(api_key), **columns_of(spec)))
            new_keys[spec.key] = api_key
        else:
            for name, value in columns_of(spec).items():
                setattr(team, name, value)
    return new_keys


async def rotate_key(session: AsyncSession, team: Team) -> str:
    api_key = secrets.token_urlsafe(24)
    team.api_key_hash = hash_secret(api_key)
    return api_key
