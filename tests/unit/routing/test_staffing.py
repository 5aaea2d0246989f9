"""Erlang C staffing: the published call-centre example, edge cases and properties.

The example: 100 contacts per 30 minutes, 180 s handling, 20 s target → 10 Erlangs.  13 agents
answer 79.6 % in time (Pw 0.285), 14 agents 88.8 % (Pw 0.174), so an 80 % target needs 14.
"""

from __future__ import annotations

import math
from dataclasses import FrozenInstanceError

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from routing.staffing import (
    HourNeed,
    StaffingTarget,
    agents_needed,
    erlang_c,
    hourly_needs,
    mean_handle_seconds,
    service_level,
    traffic_erlangs,
)

HALF_HOUR = 1800.0
HOUR = 3600.0
SETTINGS = settings(max_examples=200, deadline=None)


def test_published_example_offers_ten_erlangs() -> None:
    assert traffic_erlangs(100, HALF_HOUR, 180) == pytest.approx(10.0)


@pytest.mark.parametrize(
    ("agents", "waits", "answered"),
    [
        (11, 0.6821, 0.3896),
        (12, 0.4494, 0.6402),
        (13, 0.2853, 0.7956),
        (14, 0.1741, 0.8884),
        (15, 0.1020, 0.9415),
    ],
)
def test_published_example_figures(agents: int, waits: float, answered: float) -> None:
    assert erlang_c(agents, 10.0) == pytest.approx(waits, abs=0.0001)
    assert service_level(agents, 100, HALF_HOUR, 180, 20) == pytest.approx(answered, abs=0.001)


@pytest.mark.parametrize(
    ("target_level", "expected"),
    [(0.5, 12), (0.7, 13), (0.8, 14), (0.85, 14), (0.9, 15), (0.95, 16)],
)
def test_published_example_agents_needed(target_level: float, expected: int) -> None:
    assert agents_needed(100, HALF_HOUR, 180, 20, target_level) == expected


@pytest.mark.parametrize(
    ("max_occupancy", "expected"),
    [(1.0, 14), (0.75, 14), (0.7, 15), (0.6, 17), (0.5, 20)],
)
def test_occupancy_cap_can_raise_the_agents_needed(max_occupancy: float, expected: int) -> None:
    needed = agents_needed(100, HALF_HOUR, 180, 20, 0.8, max_occupancy=max_occupancy)
    assert needed == expected
    assert 10.0 / needed <= max_occupancy


def test_zero_target_time_is_the_share_that_does_not_wait() -> None:
    assert service_level(14, 100, HALF_HOUR, 180, 0) == pytest.approx(1 - erlang_c(14, 10.0))


@pytest.mark.parametrize(
    ("agents", "traffic", "expected"),
    [
        (0, 0.0, 0.0),
        (5, 0.0, 0.0),
        (0, 0.5, 1.0),
        (10, 10.0, 1.0),
        (9, 10.0, 1.0),
        (1, 0.5, 0.5),
    ],
)
def test_erlang_c_edges(agents: int, traffic: float, expected: float) -> None:
    assert erlang_c(agents, traffic) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("agents", "contacts", "expected"),
    [(0, 0, 1.0), (3, 0, 1.0), (10, 100, 0.0), (9, 100, 0.0), (0, 1, 0.0)],
)
def test_service_level_edges(agents: int, contacts: float, expected: float) -> None:
    assert service_level(agents, contacts, HALF_HOUR, 180, 20) == expected


def test_zero_contacts_need_no_agents() -> None:
    assert agents_needed(0, HOUR, 300, 20, 0.8) == 0


def test_a_single_rare_contact_needs_one_agent() -> None:
    assert agents_needed(1, HOUR, 60, 20, 0.8) == 1


@pytest.mark.parametrize("traffic", [450.0, 1000.0])
def test_large_traffic_stays_finite(traffic: float) -> None:
    waits = erlang_c(500, 450.0)
    assert 0.0 < waits < 1.0
    needed = agents_needed(traffic * 10, HOUR, 360, 20, 0.8)
    assert isinstance(needed, int)
    assert needed > traffic
    assert service_level(needed, traffic * 10, HOUR, 360, 20) >= 0.8
    assert service_level(needed - 1, traffic * 10, HOUR, 360, 20) < 0.8


@pytest.mark.parametrize(
    ("agents", "traffic"),
    [(-1, 1.0), (1, -0.1), (1, math.nan), (1, math.inf)],
)
def test_erlang_c_rejects_bad_arguments(agents: int, traffic: float) -> None:
    with pytest.raises(ValueError):
        erlang_c(agents, traffic)


@pytest.mark.parametrize(
    ("agents", "contacts", "interval", "handle", "target"),
    [
        (-1, 10, HOUR, 180, 20),
        (5, -1, HOUR, 180, 20),
        (5, 10, 0, 180, 20),
        (5, 10, -60, 180, 20),
        (5, 10, HOUR, 0, 20),
        (5, 10, HOUR, -1, 20),
        (5, 10, HOUR, 180, -1),
        (5, math.nan, HOUR, 180, 20),
        (5, 10, math.inf, 180, 20),
    ],
)
def test_service_level_rejects_bad_arguments(
    agents: int, contacts: float, interval: float, handle: float, target: float
) -> None:
    with pytest.raises(ValueError):
        service_level(agents, contacts, interval, handle, target)


@pytest.mark.parametrize(
    ("contacts", "interval", "handle", "target", "level", "occupancy", "message"),
    [
        (-1, HOUR, 180, 20, 0.8, 1.0, "contacts"),
        (10, 0, 180, 20, 0.8, 1.0, "interval_seconds"),
        (10, HOUR, 0, 20, 0.8, 1.0, "handle_seconds"),
        (10, HOUR, 180, -5, 0.8, 1.0, "target_seconds"),
        (10, HOUR, 180, 20, 0.0, 1.0, "target_level"),
        (10, HOUR, 180, 20, 1.0, 1.0, "target_level"),
        (10, HOUR, 180, 20, 1.5, 1.0, "target_level"),
        (10, HOUR, 180, 20, -0.2, 1.0, "target_level"),
        (10, HOUR, 180, 20, math.nan, 1.0, "target_level"),
        (10, HOUR, 180, 20, 0.8, 0.0, "max_occupancy"),
        (10, HOUR, 180, 20, 0.8, 1.2, "max_occupancy"),
        (0, HOUR, 180, 20, 1.0, 1.0, "target_level"),
    ],
)
def test_agents_needed_rejects_bad_arguments(
    contacts: float,
    interval: float,
    handle: float,
    target: float,
    level: float,
    occupancy: float,
    message: str,
) -> None:
    with pytest.raises(ValueError, match=message):
        agents_needed(contacts, interval, handle, target, level, max_occupancy=occupancy)


traffics = st.floats(min_value=0.0, max_value=300.0, allow_nan=False)
contact_counts = st.floats(min_value=0.0, max_value=2000.0, allow_nan=False)
handle_times = st.floats(min_value=1.0, max_value=1800.0, allow_nan=False)
target_times = st.floats(min_value=0.0, max_value=600.0, allow_nan=False)
target_levels = st.floats(min_value=0.01, max_value=0.99, allow_nan=False)


@SETTINGS
@given(agents=st.integers(min_value=0, max_value=400), traffic=traffics)
def test_erlang_c_is_a_probability(agents: int, traffic: float) -> None:
    assert 0.0 <= erlang_c(agents, traffic) <= 1.0


@SETTINGS
@given(traffic=st.floats(min_value=0.01, max_value=300.0), extra=st.integers(1, 50))
def test_erlang_c_falls_as_agents_are_added(traffic: float, extra: int) -> None:
    agents = math.floor(traffic) + extra
    assert erlang_c(agents + 1, traffic) <= erlang_c(agents, traffic)


@SETTINGS
@given(
    agents=st.integers(min_value=0, max_value=300),
    contacts=contact_counts,
    handle=handle_times,
    target=target_times,
)
def test_service_level_does_not_fall_as_agents_are_added(
    agents: int, contacts: float, handle: float, target: float
) -> None:
    fewer = service_level(agents, contacts, HOUR, handle, target)
    more = service_level(agents + 1, contacts, HOUR, handle, target)
    assert 0.0 <= fewer <= more <= 1.0


@SETTINGS
@given(contacts=contact_counts, handle=handle_times, target=target_times, level=target_levels)
def test_agents_needed_is_the_fewest_meeting_the_target(
    contacts: float, handle: float, target: float, level: float
) -> None:
    needed = agents_needed(contacts, HOUR, handle, target, level)
    assert service_level(needed, contacts, HOUR, handle, target) >= level
    if needed > 0:
        assert service_level(needed - 1, contacts, HOUR, handle, target) < level


@SETTINGS
@given(
    contacts=st.floats(min_value=0.1, max_value=2000.0),
    handle=handle_times,
    level=target_levels,
    occupancy=st.floats(min_value=0.3, max_value=1.0),
)
def test_agents_needed_respects_the_occupancy_cap(
    contacts: float, handle: float, level: float, occupancy: float
) -> None:
    uncapped = agents_needed(contacts, HOUR, handle, 20, level)
    capped = agents_needed(contacts, HOUR, handle, 20, level, max_occupancy=occupancy)
    traffic = traffic_erlangs(contacts, HOUR, handle)
    assert capped >= uncapped
    assert traffic / capped <= occupancy
    assume(capped > uncapped)
    assert traffic / (capped - 1) > occupancy


def test_staffing_target_defaults_and_agents_needed() -> None:
    target = StaffingTarget(handle_seconds=180)
    assert (target.target_seconds, target.target_level, target.max_occupancy) == (20, 0.8, 1.0)
    assert target.agents_needed(100, HALF_HOUR) == 14
    assert target.agents_needed(200) == 14
    with pytest.raises(FrozenInstanceError):
        target.target_level = 0.9  # type: ignore[misc]


@pytest.mark.parametrize(
    ("handle", "target", "level", "occupancy"),
    [(0, 20, 0.8, 1.0), (180, -1, 0.8, 1.0), (180, 20, 1.0, 1.0), (180, 20, 0.8, 0.0)],
)
def test_staffing_target_rejects_bad_values(
    handle: float, target: float, level: float, occupancy: float
) -> None:
    with pytest.raises(ValueError):
        StaffingTarget(handle, target, level, occupancy)


def _needs_for(
    arrivals: dict[tuple[int, int], int], weeks: int, seats: dict[tuple[int, int], int]
) -> dict[tuple[int, int], HourNeed]:
    rows = hourly_needs(arrivals, weeks, seats, 180, 20, 0.8)
    return {(row.weekday, row.hour): row for row in rows}


def test_hourly_needs_covers_the_week_in_order() -> None:
    rows = hourly_needs({}, 1, {}, 180, 20, 0.8)
    assert [(row.weekday, row.hour) for row in rows] == [
        (weekday, hour) for weekday in range(7) for hour in range(24)
    ]
    assert len(rows) == 168
    assert all(row.arrivals == 0 and row.needed == 0 and row.seats == 0 for row in rows)
    assert not any(row.understaffed for row in rows)


@pytest.mark.parametrize(
    ("arrivals", "weeks", "seats", "expected_arrivals", "expected_needed", "understaffed"),
    [
        (800, 4, 14, 200.0, 14, False),
        (800, 4, 13, 200.0, 14, True),
        (800, 4, 0, 200.0, 14, True),
        (200, 1, 20, 200.0, 14, False),
        (3, 4, 0, 0.75, 1, True),
        (0, 4, 2, 0.0, 0, False),
    ],
)
def test_hourly_needs_rows(
    arrivals: int,
    weeks: int,
    seats: int,
    expected_arrivals: float,
    expected_needed: int,
    understaffed: bool,
) -> None:
    needs = _needs_for({(2, 9): arrivals}, weeks, {(2, 9): seats})
    row = needs[(2, 9)]
    assert row.arrivals == pytest.approx(expected_arrivals)
    assert row.needed == expected_needed
    assert row.seats == seats
    assert row.understaffed is understaffed


def test_hourly_needs_reads_each_hour_on_its_own() -> None:
    needs = _needs_for({(0, 0): 800, (6, 23): 40}, 4, {(0, 0): 10, (3, 12): 5})
    monday = needs[(0, 0)]
    assert (monday.needed, monday.seats, monday.understaffed) == (14, 10, True)
    assert needs[(6, 23)].arrivals == pytest.approx(10.0)
    assert needs[(6, 23)].seats == 0
    assert needs[(3, 12)].needed == 0
    assert needs[(3, 12)].seats == 5
    assert not needs[(3, 12)].understaffed
    assert sum(row.understaffed for row in needs.values()) == 2


@pytest.mark.parametrize("weeks", [0, -1])
def test_hourly_needs_needs_at_least_one_week(weeks: int) -> None:
    with pytest.raises(ValueError, match="weeks"):
        hourly_needs({}, weeks, {}, 180, 20, 0.8)


@pytest.mark.parametrize(
    ("arrivals", "seats"),
    [({(7, 0): 1}, {}), ({(0, 24): 1}, {}), ({}, {(-1, 3): 2}), ({}, {(0, 0): -1})],
)
def test_hourly_needs_rejects_hours_outside_the_week_and_negative_seats(
    arrivals: dict[tuple[int, int], int], seats: dict[tuple[int, int], int]
) -> None:
    with pytest.raises(ValueError):
        hourly_needs(arrivals, 1, seats, 180, 20, 0.8)


def test_hour_need_is_frozen() -> None:
    row = HourNeed(weekday=0, hour=0, arrivals=1.0, needed=2, seats=1)
    assert row.understaffed
    with pytest.raises(FrozenInstanceError):
        row.seats = 3  # type: ignore[misc]


@pytest.mark.parametrize(
    ("arrivals", "handle", "default", "expected"),
    [
        ({"billing": 30, "outage": 10}, {"billing": 300.0, "outage": 600.0}, 240.0, 375.0),
        ({"billing": 30, "other": 10}, {"billing": 300.0}, 240.0, 285.0),
        ({"billing": 0, "outage": 5}, {"billing": 300.0, "outage": 600.0}, 240.0, 600.0),
        ({}, {"billing": 300.0}, 240.0, 240.0),
        ({"billing": 0}, {"billing": 300.0}, 240.0, 240.0),
        ({"other": 7}, {}, 240.0, 240.0),
    ],
)
def test_mean_handle_seconds(
    arrivals: dict[str, int], handle: dict[str, float], default: float, expected: float
) -> None:
    assert mean_handle_seconds(arrivals, handle, default) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("arrivals", "handle", "default"),
    [
        ({"billing": -1}, {"billing": 300.0}, 240.0),
        ({"billing": 1}, {"billing": 0.0}, 240.0),
        ({}, {}, 0.0),
    ],
)
def test_mean_handle_seconds_rejects_bad_values(
    arrivals: dict[str, int], handle: dict[str, float], default: float
) -> None:
    with pytest.raises(ValueError):
        mean_handle_seconds(arrivals, handle, default)
