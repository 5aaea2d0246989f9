"""Value types shared by the routing modules and the service that calls them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal, get_args

from routing.calendar import Calendar, Shift

Proficiency = Literal["native", "fluent", "basic"]
Tier = Literal["standard", "silver", "gold", "diamond"]
Severity = Literal["serious", "moderate", "general"]
Category = Literal[
    "product-function",
    "performance",
    "usability",
    "service",
    "account",
    "privacy-security",
    "billing",
    "other",
]

# The same values as tuples, in the order above (tiers lowest first, severities worst first).
TIERS: tuple[Tier, ...] = get_args(Tier)
SEVERITIES: tuple[Severity, ...] = get_args(Severity)
CATEGORIES: tuple[Category, ...] = get_args(Category)


@dataclass(frozen=True, slots=True)
class TeamSpec:
    """A team as ops describe it (TOML file, ops API, database row)."""

    key: str
    name: str
    region: str
    timezone: str
    languages: Mapping[str, Proficiency]
    weekly: Mapping[str, tuple[tuple[str, str], ...]]
    country: str | None = None
    subdivision: str | None = None
    holidays: tuple[date, ...] = ()
    overrides: tuple[Shift, ...] = ()
    seats: int = 1
    serves: tuple[str, ...] = ()
    tiers: tuple[Tier, ...] = ()
    webhook_url: str | None = None
    lead_email: str | None = None
    overflow: bool = False
    public_names: Mapping[str, str] = field(default_factory=dict)
    """What customers are told the team is called, by catalog ("" for every other language)."""


@dataclass(frozen=True, slots=True)
class TeamProfile:
    """A team as the router sees it at one moment: its calendar and its current load."""

    key: str
    region: str
    languages: Mapping[str, Proficiency]
    calendar: Calendar
    seats: int = 1
    open_cases: int = 0
    serves: frozenset[str] = frozenset()
    tiers: frozenset[Tier] = frozenset()
    country: str | None = None
    overflow: bool = False
    """A dedicated desk (``tiers``) that also takes other tiers when it is the best left."""


@dataclass(frozen=True, slots=True)
class CaseFacts:
    """What the router and the SLA clock need to know about a case."""

    language: str
    region: str | None
    opened_at: datetime
    tier: Tier = "standard"
    severity: Severity = "general"
    category: Category = "other"
    current_team: str | None = None
    country: str | None = None
    """The customer's country, as intake inferred it."""
    zone_country: str | None = None
    """The country of the customer's time zone (Asia/Taipei: TW)."""


@dataclass(frozen=True, slots=True)
class PassedOver:
    team: str
    why: str


@dataclass(frozen=True, slots=True)
class RoutingDecision:
    """The team chosen for a case (None: nobody can take it), and why."""

    team: str | None
    reason: str
    alternatives: tuple[PassedOver, ...] = ()
    needs_translation: bool = False
    wait_until: datetime | None = None
    coverage_gap: bool = False


@dataclass(frozen=True, slots=True)
class SlaClock:
    """Due times of a case; all aware UTC datetimes."""

    first_response_due: datetime
    classification_due: datetime
    resolution_due: datetime
    escalate_now: bool = False
    notes: tuple[str, ...] = field(default_factory=tuple)
