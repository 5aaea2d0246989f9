"""The coverage heatmap: one cell per real hour of the viewer's week, teams, seats and cover."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from routing.calendar import WEEKDAYS
from routing.coverage import language_coverage, week_bounds
from routing.coverage_grid import coverage_grid, language_grid
from tests.unit.routing.test_coverage import ALL_DAY, WEEKDAYS_9_TO_17, team

MONDAY = date(2026, 11, 30)
UTC_ZONE = ZoneInfo("UTC")


def test_a_weekday_team_leaves_the_weekend_and_the_nights_as_gaps() -> None:
    berlin = replace(team("berlin", "Europe/Berlin", WEEKDAYS_9_TO_17), seats=3)
    (grid,) = coverage_grid([berlin], MONDAY, ZoneInfo("Europe/Berlin"))
    monday, saturday = grid.days[0], grid.days[5]
    assert [cell.gap for cell in monday.cells] == [h not in range(9, 17) for h in range(24)]
    assert monday.cells[9].teams == ("berlin",) and monday.cells[9].seats == 3
    assert monday.cells[8].teams == () and monday.cells[8].seats == 0
    assert all(cell.gap for cell in saturday.cells)


@pytest.mark.parametrize(
    ("name", "zone", "monday", "hours"),
    [
        ("clocks go forward in Europe", "Europe/Berlin", date(2026, 3, 23), [24] * 6 + [23]),
        ("clocks go back in Europe", "Europe/Berlin", date(2026, 10, 19), [24] * 6 + [25]),
        ("clocks go forward in the US", "America/New_York", date(2026, 3, 2), [24] * 6 + [23]),
        ("no change in Tokyo", "Asia/Tokyo", date(2026, 3, 23), [24] * 7),
        ("a plain week", "Europe/Berlin", MONDAY, [24] * 7),
    ],
)
def test_a_dst_week_has_a_short_or_long_day(
    name: str, zone: str, monday: date, hours: list[int]
) -> None:
    (grid,) = coverage_grid([team("any", "UTC", ALL_DAY)], monday, ZoneInfo(zone))
    assert [day.hours for day in grid.days] == hours, name
    assert all(not cell.gap for day in grid.days for cell in day.cells)


def test_a_half_hour_window_covers_half_the_hour_and_brings_no_whole_seat() -> None:
    half = team("half", "UTC", {day: [("10:30", "12:00")] for day in WEEKDAYS})
    (grid,) = coverage_grid([half], MONDAY, UTC_ZONE)
    ten, eleven = grid.days[0].cells[10], grid.days[0].cells[11]
    assert (ten.covered, ten.teams, ten.seats, ten.gap) == (0.5, ("half",), 0, True)
    assert (eleven.covered, eleven.seats, eleven.gap) == (1.0, 1, False)


def test_overlapping_teams_add_their_seats_and_overnight_shifts_cross_midnight() -> None:
    night = team("night", "UTC", {day: [("22:00", "06:00")] for day in WEEKDAYS})
    late = team("late", "UTC", {day: [("20:00", "00:00")] for day in WEEKDAYS})
    (grid,) = coverage_grid([night, late], MONDAY, UTC_ZONE)
    monday, tuesday = grid.days[0], grid.days[1]
    assert monday.cells[23].teams == ("night", "late") and monday.cells[23].seats == 2
    assert tuesday.cells[3].teams == ("night",) and not tuesday.cells[3].gap
    assert tuesday.cells[7].gap


def test_languages_are_rows_and_a_team_covers_only_what_it_speaks() -> None:
    tokyo = team("tokyo", "Asia/Tokyo", ALL_DAY, {"ja": "native"})
    grids = coverage_grid([tokyo, team("any", "UTC", ALL_DAY)], MONDAY, UTC_ZONE)
    assert [grid.language for grid in grids] == ["en", "ja"]
    assert language_grid([tokyo], "fr", MONDAY, UTC_ZONE).teams == ()


@settings(max_examples=60, deadline=None)
@given(
    start=st.integers(0, 23),
    length=st.integers(1, 23),
    zone=st.sampled_from(["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata"]),
    view=st.sampled_from(["UTC", "Europe/Berlin", "Pacific/Auckland", "America/Sao_Paulo"]),
    week=st.integers(0, 52),
)
def test_the_cells_add_up_to_the_coverage_report(
    start: int, length: int, zone: str, view: str, week: int
) -> None:
    """Covered hours in the grid equal the open time of the week's coverage report."""
    end = (start + length) % 24
    member = team("t", zone, {day: [(f"{start:02}:00", f"{end:02}:00")] for day in WEEKDAYS})
    monday = date(2026, 1, 5) + timedelta(weeks=week)
    viewer = ZoneInfo(view)
    (grid,) = coverage_grid([member], monday, viewer)
    cells = [cell for day in grid.days for cell in day.cells]
    report = language_coverage([member], "en", week_bounds(monday, viewer))
    covered = sum(((cell.end - cell.start) * cell.covered for cell in cells), timedelta(0))
    assert covered == pytest.approx(report.covered, abs=timedelta(seconds=1))
    assert cells[0].start == week_bounds(monday, viewer).start
    assert cells[-1].end == week_bounds(monday, viewer).end


@pytest.mark.parametrize(
    ("monday", "skipped", "repeated"),
    [(date(2026, 3, 23), [2], []), (date(2026, 10, 19), [], [2]), (MONDAY, [], [])],
)
def test_a_dst_sunday_by_the_clock_skips_or_repeats_two_oclock(
    monday: date, skipped: list[int], repeated: list[int]
) -> None:
    berlin = ZoneInfo("Europe/Berlin")
    (grid,) = coverage_grid([team("any", "UTC", ALL_DAY)], monday, berlin)
    hours = grid.days[6].by_local_hour(berlin)
    assert [hour for hour, cells in enumerate(hours) if not cells] == skipped
    assert [hour for hour, cells in enumerate(hours) if len(cells) == 2] == repeated
