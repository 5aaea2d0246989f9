"""Hand 100,000 open cases of a closing team to the team on duty; compare with a raw bulk UPDATE.

Prints, per database (SQLite file, throwaway PostgreSQL): seconds for Meridian's handoff
(routing, notes, audit events, notifications, in locked batches), seconds for one raw SQL
UPDATE of the same rows, their ratio, and how much the process's peak RSS grew during the
handoff (bounded by the batch size, not the number of cases).

    .venv/bin/python bench/handoff.py [--cases 100000] [--batch 5000] [--rounds 3]
        [--only sqlite|postgres]
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script: the project root, not bench/ (whose calendar.py would shadow the stdlib).
sys.path[0] = str(Path(__file__).resolve().parents[1])

import argparse  # noqa: E402
import asyncio  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from datetime import UTC, datetime  # noqa: E402

from sqlalchemy import delete, text  # noqa: E402

from routing.team_file import parse_teams  # noqa: E402
from service.cases.handoff import hand_off  # noqa: E402
from service.db.engine import create_engine, session_factory  # noqa: E402
from service.db.migrate import upgrade  # noqa: E402
from service.db.models import Case, CaseEvent, OutboxMessage  # noqa: E402
from service.teams.directory import upsert_teams  # noqa: E402
from tests.support.synthetic import insert_open_cases  # noqa: E402
from tests.support.throwaway_postgres import throwaway_postgres  # noqa: E402

SAMPLE = Path(__file__).resolve().parents[1] / "service" / "data" / "sample_teams.toml"
SHIFT_END = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # Shanghai closes; Dublin is on duty
RAW_UPDATE = text(
    "UPDATE cases SET team_key = 'dublin', status = 'routed', claimed_by = NULL,"
    " version = version + 1 WHERE team_key = 'shanghai'"
    " AND status IN ('received', 'routed', 'in_progress')"
)


async def _reset(url: str, cases: int, with_teams: bool) -> None:
    engine = create_engine(url)
    async with session_factory(engine)() as session, session.begin():
        for model in (CaseEvent, OutboxMessage, Case):
            await session.execute(delete(model))
        if with_teams:
            await upsert_teams(session, parse_teams(SAMPLE.read_text(encoding="utf-8")))
        await insert_open_cases(session, cases, "shanghai", SHIFT_END)
    await engine.dispose()


async def _timed_handoff(url: str, batch: int) -> tuple[float, int, float]:
    engine = create_engine(url)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    report = await hand_off(session_factory(engine), now=SHIFT_END, batch_size=batch)
    seconds = time.perf_counter() - started
    growth = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024
    await engine.dispose()
    return seconds, report.moved, growth


async def _timed_raw_update(url: str) -> tuple[float, int]:
    engine = create_engine(url)
    started = time.perf_counter()
    async with engine.begin() as connection:
        result = await connection.execute(RAW_UPDATE)
    seconds = time.perf_counter() - started
    await engine.dispose()
    return seconds, result.rowcount


def measure(name: str, url: str, cases: int, batch: int, rounds: int) -> None:
    """`rounds` pairs of runs (handoff, then the raw UPDATE on the same rows); each round's
    ratio and the median ratio, which is the figure the handoff's bar (≤ 3×) is held to."""
    upgrade(url)
    ratios = []
    for round_ in range(1, rounds + 1):
        asyncio.run(_reset(url, cases, with_teams=True))
        handoff_s, moved, peak = asyncio.run(_timed_handoff(url, batch))
        asyncio.run(_reset(url, cases, with_teams=False))
        raw_s, updated = asyncio.run(_timed_raw_update(url))
        assert moved == updated == cases, (moved, updated)
        ratios.append(handoff_s / raw_s)
        print(
            f"{name:10} round {round_}  cases {cases:>7}  handoff {handoff_s:7.2f} s"
            f" ({cases / handoff_s:8.0f}/s)  raw UPDATE {raw_s:6.2f} s"
            f"  ratio {handoff_s / raw_s:5.2f}x  peak RSS growth {peak:6.1f} MiB (batch {batch})"
        )
    print(f"{name:10} median ratio of {rounds} rounds: {statistics.median(ratios):5.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=5000)
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if args.only != "postgres":
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite+aiosqlite:///{tmp}/bench.db"
            measure("sqlite", url, args.cases, args.batch, args.rounds)
    if args.only != "sqlite":
        with throwaway_postgres() as url:
            measure("postgres", url, args.cases, args.batch, args.rounds)


if __name__ == "__main__":
    main()
