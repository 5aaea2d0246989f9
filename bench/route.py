"""Routing decision time over 50 teams, against a bare is_open sweep of the same calendars.

Run: ``.venv/bin/python bench/route.py``.  Prints µs per decision (target: at most 100 µs), for
cases arriving in time order (as at intake) and at random instants of a week, each the best of
five rounds so that other load on the machine disturbs the figures less.  The rounds interleave
the measurements, and two machine-independent figures come with them for comparing runs on
shared or slower machines: a decision's cost relative to a bare ``is_open`` sweep of the same 50
calendars at the same instants, and relative to one iteration of a fixed pure-Python loop.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from routing.calendar import WEEKDAYS, Calendar
from routing.model import CaseFacts, Proficiency, RoutingDecision, TeamProfile, Tier
from routing.router import route
from service.i18n.negotiation import SUPPORTED, language_tag

ZONES = [
    "Asia/Tokyo",
    "Asia/Shanghai",
    "Asia/Taipei",
    "Asia/Seoul",
    "Asia/Singapore",
    "Asia/Kolkata",
    "Asia/Dubai",
    "Europe/London",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Istanbul",
    "Europe/Moscow",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "America/Mexico_City",
    "Australia/Sydney",
    "Asia/Jakarta",
    "Asia/Bangkok",
    "Asia/Ho_Chi_Minh",
    "Africa/Cairo",
    "Europe/Madrid",
    "Europe/Rome",
    "Pacific/Auckland",
]
LANGUAGES = [language_tag(locale) for locale in SUPPORTED]  # the 17 reply languages
REGIONS = ["APAC", "EMEA", "NA", "LATAM"]
LEVELS: list[Proficiency] = ["native", "fluent", "basic"]
TIERS: list[Tier] = ["standard", "silver", "gold", "diamond"]
DEDICATED: list[Tier] = ["gold", "diamond"]
TEAMS = 50
CASES = 2_000
ROUNDS = 5
LOOP = 1_000_000


def teams(rng: random.Random) -> list[TeamProfile]:
    built = []
    for number in range(TEAMS):
        start = rng.choice(["07:00", "08:00", "09:00", "10:00", "22:00"])
        end = rng.choice(["16:00", "17:00", "18:00", "06:00"])
        weekly = {day: [(start, end)] for day in WEEKDAYS[:5]}
        languages = {tag: rng.choice(LEVELS) for tag in rng.sample(LANGUAGES, rng.randint(1, 4))}
        dedicated = frozenset(rng.sample(DEDICATED, 1)) if number % 10 == 0 else None
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


def best_of(rounds: int, bodies: dict[str, Callable[[], object]]) -> dict[str, float]:
    """Fastest wall time of each body in seconds over ``rounds`` interleaved runs."""
    best = dict.fromkeys(bodies, float("inf"))
    for _ in range(rounds):
        for name, body in bodies.items():
            began = time.perf_counter()
            body()
            best[name] = min(best[name], time.perf_counter() - began)
    return best


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
        CaseFacts(
            rng.choice([*LANGUAGES, "und"]),
            rng.choice([*REGIONS, None]),
            moment,
            tier=rng.choice(TIERS),
        )
        for moment in moments
    ]
    in_order = sorted(cases, key=lambda case: case.opened_at)
    outcomes = decide_all(roster, cases)  # also warms the calendars' caches

    def sweep(instants: list[datetime]) -> None:
        for moment in instants:
            for team in roster:
                team.calendar.is_open(moment)

    ordered_moments = sorted(moments)
    best = best_of(
        ROUNDS,
        {
            "random": lambda: decide_all(roster, cases),
            "ordered": lambda: decide_all(roster, in_order),
            "sweep random": lambda: sweep(moments),
            "sweep ordered": lambda: sweep(ordered_moments),
            "loop": lambda: sum(range(LOOP)),
        },
    )
    random_time, time_order, sweep_random, sweep_ordered = (
        best[name] / CASES * 1e6 for name in ("random", "ordered", "sweep random", "sweep ordered")
    )
    loop_ns = best["loop"] / LOOP * 1e9
    gaps = sum(d.coverage_gap for d in outcomes)
    waits = sum(d.wait_until is not None and not d.coverage_gap for d in outcomes)
    translations = sum(d.needs_translation and not d.coverage_gap for d in outcomes)
    for label, decision, sweep_time in [
        ("cases in time order:", time_order, sweep_ordered),
        ("random instants:    ", random_time, sweep_random),
    ]:
        print(
            f"route, {label} {decision:6.1f} µs/decision over {TEAMS} teams"
            f" = {decision / sweep_time:.1f}x a bare is_open sweep ({sweep_time:.1f} µs)"
            f" = {decision * 1e3 / loop_ns:,.0f} reference-loop iterations"
        )
    print("target: at most 100 µs/decision")
    print(
        f"machine reference: sum(range(10**6)) takes {loop_ns * LOOP / 1e6:.1f} ms here"
        f" ({loop_ns:.1f} ns per iteration)"
    )
    print(
        f"mix of {CASES} cases: {len(outcomes) - waits - translations - gaps} on duty,"
        f" {waits} waits, {translations} translations, {gaps} coverage gaps"
    )


if __name__ == "__main__":
    main()
