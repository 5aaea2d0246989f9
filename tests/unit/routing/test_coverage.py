"""Table-driven coverage reports: back-to-back teams, overnight windows, gaps, DST weeks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from routing.calendar import WEEKDAYS, Calendar
from routing.coverage import (
    Period,
    coverage_report,
    duty,
    language_coverage,
    spoken_languages,
    week_bounds,
    week_start,
)
from routing.model import Proficiency, TeamProfile
from routing.team_file import parse_teams, profile

SAMPLE = Path(__file__).resolve().parents[3] / "service" / "data" / "sample_teams.toml"
ALL_DAY = {day: [("00:00", "00:00")] for day in WEEKDAYS}
WEEKDAYS_9_TO_17 = {day: [("09:00", "17:00")] for day in WEEKDAYS[:5]}
Weekly = Mapping[str, Sequence[tuple[str, str]]]


def team(
    key: str, zone: str, weekly: Weekly, languages: Mapping[str, Proficiency] | None = None
) -> TeamProfile:
    return TeamProfile(
        key=key,
        region="EMEA",
        languages=languages or {"en": "native"},
        calendar=Calendar(zone, weekly),
    )


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


CASES = [
    # name, teams, report zone, week, hours covered, gaps in UTC, number of handoffs
    (
        "back to back",
        [
            team("early", "UTC", {day: [("00:00", "12:00")] for day in WEEKDAYS}),
            team("late", "UTC", {day: [("12:00", "00:00")] for day in WEEKDAYS}),
        ],
        "UTC",
        "2026-W48",
        168,
        [],
        13,  # at noon every day, at midnight six times inside the week
    ),
    (
        "overnight window across the week boundary",
        [team("night", "UTC", {"sun": [("22:00", "06:00")]})],
        "UTC",
        "2026-11-25",
        8,
        [("2026-11-23 06:00", "2026-11-29 22:00")],
        2,
    ),
    (
        "weekend gap",
        [team("weekdays", "UTC", {day: [("00:00", "00:00")] for day in WEEKDAYS[:5]})],
        "UTC",
        "2026-W48",
        120,
        [("2026-11-28 00:00", "2026-11-30 00:00")],
        1,
    ),
    (
        "office hours seen from another zone",
        [team("tokyo", "Asia/Tokyo", {"mon": [("09:00", "18:00")]})],
        "Asia/Tokyo",
        "2026-W48",
        9,
        [("2026-11-22 15:00", "2026-11-23 00:00"), ("2026-11-23 09:00", "2026-11-29 15:00")],
        2,
    ),
    (
        "Dublin week losing summer time: 169 hours",
        [team("dublin", "Europe/Dublin", ALL_DAY)],
        "Europe/Dublin",
        "2026-W43",
        169,
        [],
        0,
    ),
    (
        "New York week gaining summer time: 167 hours",
        [team("new-york", "America/New_York", ALL_DAY)],
        "America/New_York",
        "2026-03-04",
        167,
        [],
        0,
    ),
    (
        "New York office hours in the week losing summer time",
        [team("new-york", "America/New_York", {"fri": [("09:00", "17:00")]})],
        "America/New_York",
        "2026-W44",
        8,
        [("2026-10-26 04:00", "2026-10-30 13:00"), ("2026-10-30 21:00", "2026-11-02 05:00")],
        2,
    ),
]


@pytest.mark.parametrize(
    ("teams", "zone", "week", "hours", "gaps", "handoffs"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_language_coverage(
    teams: list[TeamProfile],
    zone: str,
    week: str,
    hours: int,
    gaps: list[tuple[str, str]],
    handoffs: int,
) -> None:
    bounds = week_bounds(week_start(week), ZoneInfo(zone))
    report = language_coverage(teams, "en", bounds)
    assert report.covered == timedelta(hours=hours)
    assert [(gap.start, gap.end) for gap in report.gaps] == [(utc(a), utc(b)) for a, b in gaps]
    assert len(report.handoffs) == handoffs
    gap_time = sum((gap.length for gap in report.gaps), timedelta(0))
    assert report.covered + gap_time == bounds.length
    assert report.teams == tuple(t.key for t in teams)


def test_handoffs_name_who_hands_to_whom() -> None:
    teams = [
        team("early", "UTC", {"mon": [("00:00", "12:00")]}),
        team("late", "UTC", {"mon": [("10:00", "20:00")]}),
    ]
    report = language_coverage(teams, "en", week_bounds(date(2026, 11, 23), UTC))
    moves = [(h.at, h.from_teams, h.to_teams) for h in report.handoffs]
    assert moves == [
        (utc("2026-11-23 10:00"), ("early",), ("early", "late")),
        (utc("2026-11-23 12:00"), ("early", "late"), ("late",)),
        (utc("2026-11-23 20:00"), ("late",), ()),
    ]
    assert [(p.start, p.end) for p in report.open] == [
        (utc("2026-11-23 00:00"), utc("2026-11-23 20:00"))
    ]


def test_a_language_nobody_speaks_is_one_gap() -> None:
    bounds = week_bounds(date(2026, 11, 23), UTC)
    report = language_coverage([team("dublin", "UTC", ALL_DAY)], "ja", bounds)
    assert report.teams == () and report.open == () and report.handoffs == ()
    assert report.gaps == (bounds,)


def test_languages_are_grouped_as_the_router_matches_them() -> None:
    teams = [
        team("lisbon", "UTC", ALL_DAY, {"pt-PT": "native", "en": "fluent"}),
        team("recife", "UTC", ALL_DAY, {"pt": "native", "zh-Hant": "basic"}),
    ]
    assert spoken_languages(teams) == ["en", "pt", "zh-Hant"]
    bounds = week_bounds(date(2026, 11, 23), UTC)
    report = coverage_report(teams, bounds)
    assert [(r.language, r.teams) for r in report] == [
        ("en", ("lisbon",)),
        ("pt", ("lisbon", "recife")),
        ("zh-Hant", ("recife",)),
    ]
    assert [r.language for r in coverage_report(teams, bounds, ["zh-TW"])] == ["zh-TW"]


def test_sample_teams_cover_english_all_through_a_normal_week() -> None:
    teams = [profile(spec) for spec in parse_teams(SAMPLE.read_text(encoding="utf-8"))]
    report = language_coverage(teams, "en", week_bounds(week_start("2026-W47"), UTC))
    assert report.gaps == ()
    assert report.covered == timedelta(days=7)


@pytest.mark.parametrize(
    ("text", "monday"),
    [
        ("2026-W48", date(2026, 11, 23)),
        ("2026-W53", date(2026, 12, 28)),
        ("2026-11-29", date(2026, 11, 23)),
        ("2026-11-23", date(2026, 11, 23)),
    ],
)
def test_week_start(text: str, monday: date) -> None:
    assert week_start(text) == monday


@pytest.mark.parametrize("text", ["2026-W54", "2026-13-01", "next week", ""])
def test_bad_week(text: str) -> None:
    with pytest.raises(ValueError, match="YYYY-Www"):
        week_start(text)


def test_week_bounds_follow_the_zone() -> None:
    bounds = week_bounds(date(2026, 11, 23), ZoneInfo("Asia/Tokyo"))
    assert bounds == Period(utc("2026-11-22 15:00"), utc("2026-11-29 15:00"))
    assert bounds.start.tzinfo is UTC


DUTY = [
    # calendar, instant, on duty, window end, next opening
    (WEEKDAYS_9_TO_17, "2026-11-24 10:00", True, "2026-11-24 17:00", None),
    (WEEKDAYS_9_TO_17, "2026-11-24 17:00", False, None, "2026-11-25 09:00"),
    (WEEKDAYS_9_TO_17, "2026-11-28 12:00", False, None, "2026-11-30 09:00"),
    (ALL_DAY, "2026-11-24 10:00", True, None, None),
]


@pytest.mark.parametrize(("weekly", "at", "on_duty", "until", "opens"), DUTY)
def test_duty(weekly: Weekly, at: str, on_duty: bool, until: str | None, opens: str | None) -> None:
    state = duty(team("t", "UTC", weekly), utc(at))
    assert state.on_duty is on_duty
    assert state.until == (utc(until) if until else None)
    assert state.opens == (utc(opens) if opens else None)
