"""SLA due times, counted in business time on the coverage calendar of the serving teams.

Choices (see DEFAULT_POLICY):

* Every budget is business time on the calendar passed in (normally the coverage of the teams
  able to serve the case), via ``Schedule.add``: nights, weekends and holidays with nobody to
  serve the case do not count.
* A *working day* is ``Policy.working_day`` (8 h) of that business time.  For a 9-17 team it is
  one day of the team's week; for a round-the-clock follow-the-sun coverage it is 8 wall hours,
  because the case keeps moving between teams.
* The customer is acknowledged at once (by the intake itself); first response within 1 h,
  classification within 2 h, resolution within the category's working days, feedback to the
  customer within 1 working day after resolution.
* Tier and severity multiply every budget: standard 1, silver 0.8, gold 0.6, diamond 0.4;
  general 1, moderate 0.75, serious 0.5 (so a serious diamond case gets 0.2 of each budget).
  Serious cases are escalated at once.
* Waiting on the customer pauses the clock: ``resume`` moves each pending due time by the
  business time of the pause.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Literal

from routing.calendar import Schedule
from routing.model import CaseFacts, Category, Severity, SlaClock, Tier

_Move = Callable[[datetime], datetime]
Urgency = Literal["on_track", "warning", "breached"]

WARN_SHARE = 0.8
"""Share of an SLA budget after which the owning team is warned."""

RESOLUTION_DAYS: Mapping[Category, float] = MappingProxyType(
    {
        "account": 2,
        "billing": 2,  # money taken wrongly is treated like an account problem
        "privacy-security": 2,  # personal data at stake: as fast as account problems
        "service": 3,
        "other": 3,  # unclassified: the service-problem default until classified
        "product-function": 5,
        "performance": 5,
        "usability": 5,
    }
)
TIER_FACTORS: Mapping[Tier, float] = MappingProxyType(
    {"standard": 1.0, "silver": 0.8, "gold": 0.6, "diamond": 0.4}
)
SEVERITY_FACTORS: Mapping[Severity, float] = MappingProxyType(
    {"general": 1.0, "moderate": 0.75, "serious": 0.5}
)


@dataclass(frozen=True, slots=True)
class Policy:
    """Budgets (business time) and the factors that tighten them."""

    first_response: timedelta = timedelta(hours=1)
    classification: timedelta = timedelta(hours=2)
    working_day: timedelta = timedelta(hours=8)
    resolution_days: Mapping[Category, float] = field(default_factory=lambda: RESOLUTION_DAYS)
    feedback_days: float = 1
    tier_factors: Mapping[Tier, float] = field(default_factory=lambda: TIER_FACTORS)
    severity_factors: Mapping[Severity, float] = field(default_factory=lambda: SEVERITY_FACTORS)

    def factor(self, tier: Tier, severity: Severity) -> float:
        return self.tier_factors[tier] * self.severity_factors[severity]


DEFAULT_POLICY = Policy()


def compute(
    facts: CaseFacts,
    calendar: Schedule,
    *,
    policy: Policy = DEFAULT_POLICY,
    paused: Sequence[tuple[datetime, datetime]] = (),
) -> SlaClock:
    """Due times of a case opened at ``facts.opened_at``, after the given customer pauses."""
    factor = policy.factor(facts.tier, facts.severity)
    days = policy.resolution_days[facts.category]
    start = facts.opened_at
    clock = SlaClock(
        first_response_due=calendar.add(start, policy.first_response * factor),
        classification_due=calendar.add(start, policy.classification * factor),
        resolution_due=calendar.add(start, policy.working_day * days * factor),
        escalate_now=facts.severity == "serious",
        notes=(
            f"resolution budget {days:g} working days for {facts.category}",
            f"tier {facts.tier} x{policy.tier_factors[facts.tier]:g}, "
            f"severity {facts.severity} x{policy.severity_factors[facts.severity]:g}",
            *(["serious: escalate now"] if facts.severity == "serious" else []),
        ),
    )
    for paused_from, resumed_at in paused:
        clock = resume(clock, calendar, paused_from, resumed_at)
    return clock


def resume(
    clock: SlaClock, calendar: Schedule, paused_from: datetime, resumed_at: datetime
) -> SlaClock:
    """The clock after waiting on the customer from ``paused_from`` to ``resumed_at``."""
    if resumed_at < paused_from:
        raise ValueError(f"pause ends before it starts: {paused_from} - {resumed_at}")

    def shifted(due: datetime) -> datetime:
        if due <= paused_from:
            return due
        return calendar.add(resumed_at, calendar.between(paused_from, due))

    return _moved(clock, shifted, f"paused {paused_from.isoformat()} - {resumed_at.isoformat()}")


def feedback_due(
    resolved_at: datetime, calendar: Schedule, *, policy: Policy = DEFAULT_POLICY
) -> datetime:
    """When the customer must have heard back after their case was resolved."""
    return calendar.add(resolved_at, policy.working_day * policy.feedback_days)


def _moved(clock: SlaClock, move: _Move, note: str) -> SlaClock:
    return replace(
        clock,
        first_response_due=move(clock.first_response_due),
        classification_due=move(clock.classification_due),
        resolution_due=move(clock.resolution_due),
        notes=(*clock.notes, note),
    )


def urgency(
    now: datetime, start: datetime, due: datetime, *, warned: bool, breached: bool
) -> Urgency:
    """How close a clock is to its due time: warned or breached as the SLA watch recorded it,
    or by the wall time passed (WARN_SHARE of it) where the watch has not run yet."""
    if breached or now >= due:
        return "breached"
    if warned or (due > start and (now - start) >= (due - start) * WARN_SHARE):
        return "warning"
    return "on_track"
