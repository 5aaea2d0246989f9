"""Request and response bodies of the ops API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import msgspec


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
    overflow: bool = False
    public_names: dict[str, str] = msgspec.field(default_factory=dict)
    """What customers are told the team is called, by catalog, with a "default"."""


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
    overflow: bool
    public_names: dict[str, str]


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
