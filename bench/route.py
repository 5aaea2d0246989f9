"""Routing decision time over 50 teams, against a bare is_open sweep of the same calendars.

Run: ``.venv/bin/python bench/route.py``.  Prints µs per decision (target: at most 100 µs).
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta

from routing.calendar import WEEKDAYS, Calendar
from routing.model import CaseFacts, Proficiency, TeamProfile, Tier
from routing.router import route

ZONES = [
    "Asia/Tokyo", "Asia/Shanghai", "Asia/Taipei", "Asia/Seoul", "Asia/Singapore", "Asia/Kolkata",
    "Asia/Dubai", "Europe/London", "Europe/Paris", "Europe/Berlin", "Europe/Istanbul",
    "Europe/Moscow", "America/New_York", "America/Chicago", "America/Los_Angeles",
    "America/Sao_Paulo", "America/Mexico_City", "Australia/Sydney", "Asia/Jakarta",
    "Asia/Bangkok", "Asia/Ho_Chi_Minh", "Africa/Cairo", "Europe/Madrid", "Europe/Rome",
    "Pacific/Auckland",
]  # fmt: skip
LANGUAGES = ["en", "zh-Hans", "zh-Hant", "ja", "ko", "es", "pt-BR", "fr", "de", "it", "ru", "ar",
             "hi", "id", "vi", "th", "tr"]  # fmt: skip
REGIONS = ["APAC", "EMEA", "NA", "LATAM"]
LEVELS: list[Proficiency] = ["native", "fluent", "basic"]
TIERS: list[Tier] = ["standard", "silver", "gold", "diamond"]
TEAMS = 50
DECISIONS = 20_000


def teams(rng: random.Random) -> list[TeamProfile]:
    built = []
    for number in range(TEAMS):
        start = rng.choice(["07:00", "08:00", "09:00", "10:00", "22:00"])
        end = rng.choice(["16:00", "17:00", "18:00", "06:00"])
        weekly = {day: [(start, end)] for day in WEEKDAYS[:5]}
        languages = {tag: rng.choice(LEVELS) for tag in rng.sample(LANGUAGES, rng.randint(1, 4))}
        built.append(
            TeamProfile(
                key=f"team-{number:02d}",
                region=rng.choice(REGIONS),
                languages=languages,
                calendar=Calendar(ZONES[number % len(ZONES)], weekly),
                seats=rng.randint(2, 12),
                open_cases=rng.randint(0, 30),
                serves=frozenset(rng.sample(REGIONS, rng.randint(0, 2))),
                tiers=frozenset(rng.sample(["gold", "diamond"], 1))
                if number % 10 == 0
                else frozenset(),
            )
        )
    return built


def main() -> None:
    rng = random.Random(11)
    roster = teams(rng)
    monday = datetime(2026, 11, 23, tzinfo=UTC)
    moments = [monday + timedelta(minutes=rng.randrange(7 * 1440)) for _ in range(1000)]
    cases = [
        CaseFacts(rng.choice([*LANGUAGES, "und"]), rng.choice([*REGIONS, None]), moment,
                  tier=rng.choice(TIERS))
        for moment in moments
    ]  # fmt: skip
    dues = [moment + timedelta(hours=1) for moment in moments]
    for case, due in zip(cases, dues, strict=True):  # warm the calendars' caches
        route(case, roster, case.opened_at, first_response_due=due)
    began = time.perf_counter()
    for i in range(DECISIONS):
        case = cases[i % len(cases)]
        route(case, roster, case.opened_at, first_response_due=dues[i % len(cases)])
    per_decision = (time.perf_counter() - began) / DECISIONS * 1e6
    began = time.perf_counter()
    for i in range(DECISIONS):
        now = moments[i % len(moments)]
        for team in roster:
            team.calendar.is_open(now)
    sweep = (time.perf_counter() - began) / DECISIONS * 1e6
    outcomes = [
        route(c, roster, c.opened_at, first_response_due=d)
        for c, d in zip(cases, dues, strict=True)
    ]
    waits = sum(d.wait_until is not None and not d.coverage_gap for d in outcomes)
    translations = sum(d.needs_translation for d in outcomes)
    gaps = sum(d.coverage_gap for d in outcomes)
    print(f"route: {per_decision:8.1f} µs/decision over {TEAMS} teams (target <= 100 µs)")
    print(f"bare is_open sweep of the {TEAMS} calendars: {sweep:6.1f} µs "
          f"(route costs {per_decision / sweep:.1f}x the sweep)")  # fmt: skip
    print(f"mix of 1000 cases: {waits} waits, {translations} translations, {gaps} coverage gaps")


if __name__ == "__main__":
    main()
