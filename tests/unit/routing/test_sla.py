"""SLA budgets in business time: categories, tiers, severity, pauses, feedback."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from routing.calendar import WEEKDAYS, Calendar
from routing.model import CATEGORIES, CaseFacts, Category, Severity, Tier
from routing.sla import DEFAULT_POLICY, Policy, compute, feedback_due, resume

OFFICE = Calendar("UTC", {day: [("09:00", "17:00")] for day in WEEKDAYS[:5]})
ROUND_THE_CLOCK = Calendar("UTC", {day: [("00:00", "00:00")] for day in WEEKDAYS})
MONDAY_10 = datetime(2026, 11, 23, 10, tzinfo=UTC)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def case(
    category: Category = "other",
    tier: Tier = "standard",
    severity: Severity = "general",
    opened_at: datetime = MONDAY_10,
) -> CaseFacts:
    return CaseFacts("en", "EMEA", opened_at, tier=tier, severity=severity, category=category)


@pytest.mark.parametrize(
    ("category", "resolution_due"),
    [
        ("account", at(25, 10)),  # 2 working days of 8 h
        ("billing", at(25, 10)),
        ("privacy-security", at(25, 10)),
        ("service", at(26, 10)),
        ("other", at(26, 10)),
        ("product-function", at(30, 10)),
        ("performance", at(30, 10)),
        ("usability", at(30, 10)),
    ],
)
def test_resolution_by_category(category: Category, resolution_due: datetime) -> None:
    clock = compute(case(category), OFFICE)
    assert clock.first_response_due == at(23, 11)
    assert clock.classification_due == at(23, 12)
    assert clock.resolution_due == resolution_due
    assert not clock.escalate_now


def test_every_category_has_a_budget() -> None:
    assert set(DEFAULT_POLICY.resolution_days) == set(CATEGORIES)


@pytest.mark.parametrize(
    ("tier", "severity", "first_response"),
    [
        ("standard", "general", timedelta(minutes=60)),
        ("silver", "general", timedelta(minutes=48)),
        ("gold", "general", timedelta(minutes=36)),
        ("diamond", "general", timedelta(minutes=24)),
        ("standard", "moderate", timedelta(minutes=45)),
        ("standard", "serious", timedelta(minutes=30)),
        ("diamond", "serious", timedelta(minutes=12)),
    ],
)
def test_tier_and_severity_tighten_budgets(
    tier: Tier, severity: Severity, first_response: timedelta
) -> None:
    clock = compute(case("account", tier, severity), OFFICE)
    factor = first_response / timedelta(hours=1)
    assert clock.first_response_due == MONDAY_10 + first_response
    assert clock.resolution_due == OFFICE.add(MONDAY_10, timedelta(hours=16) * factor)
    assert clock.escalate_now == (severity == "serious")
    assert any(f"tier {tier}" in note for note in clock.notes)


def test_clock_stops_outside_business_hours() -> None:
    clock = compute(case(opened_at=at(27, 16, 30)), OFFICE)  # Friday afternoon
    assert clock.first_response_due == at(30, 9, 30)
    assert clock.classification_due == at(30, 10, 30)


def test_working_day_on_round_the_clock_coverage_is_eight_hours() -> None:
    clock = compute(case("account"), ROUND_THE_CLOCK)
    assert clock.resolution_due == MONDAY_10 + timedelta(hours=16)


def test_custom_working_day() -> None:
    clock = compute(case("account"), ROUND_THE_CLOCK, policy=Policy(working_day=timedelta(1)))
    assert clock.resolution_due == MONDAY_10 + timedelta(days=2)


def test_waiting_on_the_customer_pauses_pending_due_times() -> None:
    clock = compute(case("account"), OFFICE)
    paused = resume(clock, OFFICE, at(23, 10, 30), at(24, 10))
    assert paused.first_response_due == at(24, 10, 30)  # 30 min were left at the pause
    assert paused.resolution_due == at(26, 9, 30)  # 15.5 h were left at the pause
    assert compute(case("account"), OFFICE, paused=[(at(23, 10, 30), at(24, 10))]) == paused
    assert paused.notes[-1].startswith("paused")


def test_pause_after_a_due_time_leaves_it() -> None:
    clock = compute(case("account"), OFFICE)
    paused = resume(clock, OFFICE, at(23, 11, 30), at(23, 15))
    assert paused.first_response_due == clock.first_response_due
    assert paused.classification_due == at(23, 15, 30)
    with pytest.raises(ValueError, match="pause ends before it starts"):
        resume(clock, OFFICE, at(23, 15), at(23, 11))


def test_feedback_within_one_working_day_after_resolution() -> None:
    assert feedback_due(at(27, 16), OFFICE) == at(30, 16)
