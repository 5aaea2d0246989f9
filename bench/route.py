"""Routing decision time over 50 teams, against a bare is_open sweep of the same calendars.

Run: ``.venv/bin/python bench/route.py``.  Prints µs per decision (target: at most 100 µs), for
cases arriving in time order (as at intake) and at random instants of a week, each the best of
five rounds so that other load on the machine disturbs the figures less.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from routing.calendar import WEEKDAYS, Calendar
from routing.model import CaseFacts, Proficiency, RoutingDecision, TeamProfile, Tier
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
CASES = 2_000
ROUNDS = 5


def teams(rng: random.Random) -> list[TeamProfile]:
    built = []
    for number in range(TEAMS):
        start = rng.choice(["07:00", "08:00", "09:00", "10:00", "22:00"])
        end = rng.choice(["16:00", "17:00", "18:00", "06:00"])
        weekly = {day: [(start, end)] for day in WEEKDAYS[:5]}
        languages = {tag: rng.choice(LEVELS) for tag in rng.sample(LANGUAGES, rng.randint(1, 4))}
        dedicated = frozenset(rng.sample(["gold", "diamond"], 1)) if number % 10 == 0 else None
        built.append(
            TeamProfile(
                key=f"team-{number:02d}",
                region=rng.choice(REGIONS),
                languages=languages,
                calendar=Calendar(ZONES[number % len(ZONES)], weekly),
                seats=rng.randint(2, 12),
                open_cases=rng.randint(0, 30),
                serves=frozenset(rng.sample(REGIONS, rng.randint(0, 2))),
                tiers=dedicated or frozenset(),
            )
        )
    return built


def best_of(rounds: int, body: Callable[[], None]) -> float:
    """Fastest wall time of ``body`` in seconds over ``rounds`` runs."""
    times = []
    for _ in range(rounds):
        began = time.perf_counter()
        body()
        times.append(time.perf_counter() - began)
    return min(times)


def decide_all(roster: list[TeamProfile], cases: list[CaseFacts]) -> list[RoutingDecision]:
    return [
        route(case, roster, case.opened_at, first_response_due=case.opened_at + timedelta(hours=1))
        for case in cases
    ]


def main() -> None:
    rng = random.Random(11)
    roster = teams(rng)
    monday = datetime(2026, 11, 23, tzinfo=UTC)
    moments = [monday + timedelta(seconds=rng.randrange(7 * 86_400)) for _ in range(CASES)]
    cases = [
        CaseFacts(rng.choice([*LANGUAGES, "und"]), rng.choice([*REGIONS, None]), moment,
                  tier=rng.choice(TIERS))
        for moment in moments
    ]  # fmt: skip
    in_order = sorted(cases, key=lambda case: case.opened_at)
    outcomes = decide_all(roster, cases)  # also warms the calendars' caches
    random_time = best_of(ROUNDS, lambda: decide_all(roster, cases)) / CASES * 1e6
    time_order = best_of(ROUNDS, lambda: decide_all(roster, in_order)) / CASES * 1e6

    def sweep() -> None:
        for moment in moments:
            for team in roster:
                team.calendar.is_open(moment)

    sweep_time = best_of(ROUNDS, sweep) / CASES * 1e6
    gaps = sum(d.coverage_gap for d in outcomes)
    waits = sum(d.wait_until is not None and not d.coverage_gap for d in outcomes)
    translations = sum(d.needs_translation and not d.coverage_gap for d in outcomes)
    loop = best_of(ROUNDS, lambda: sum(range(1_000_000))) * 1e3
    print(f"route, cases in time order: {time_order:7.1f} µs/decision over {TEAMS} teams"
          " (target <= 100 µs)")  # fmt: skip
    print(f"route, random instants:     {random_time:7.1f} µs/decision")
    print(f"bare is_open sweep of the {TEAMS} calendars at random instants: {sweep_time:.1f} µs"
          f" (route costs {random_time / sweep_time:.1f}x the sweep)")  # fmt: skip
    print(f"machine reference: sum(range(10**6)) takes {loop:.1f} ms here")
    print(f"mix of {CASES} cases: {len(outcomes) - waits - translations - gaps} on duty,"
          f" {waits} waits, {translations} translations, {gaps} coverage gaps")  # fmt: skip


if __name__ == "__main__":
    main()
