"""A worker killed with SIGKILL in the middle of a handoff loses nothing and moves nothing twice.

PostgreSQL only: a real `arq workers.settings.WorkerSettings` process sweeps a closed team's
open cases at start-up; it is killed mid-sweep, restarted, and the books are checked.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from routing.team_file import parse_teams
from service.db.engine import create_engine, session_factory
from service.db.migrate import upgrade
from service.db.models import Case, CaseEvent
from service.teams.directory import upsert_teams
from tests.conftest import run_async
from tests.integration.conftest import _create_pg_database
from tests.support.synthetic import insert_open_cases

ROOT = Path(__file__).resolve().parents[3]
CASES = 30_000
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _team_file(now: datetime) -> str:
    """A team closed now (one hour on another weekday) and a 24/7 team."""
    other_day = DAYS[(now.weekday() + 3) % 7]
    always = "\n".join(f'{day} = [["00:00", "00:00"]]' for day in DAYS)
    return f"""
[[team]]
key = "closed"
name = "Closed"
region = "EMEA"
timezone = "UTC"
languages = {{ en = "native" }}
[team.weekly]
{other_day} = [["09:00", "10:00"]]

[[team]]
key = "always"
name = "Always"
region = "EMEA"
timezone = "UTC"
seats = 10
languages = {{ en = "native" }}
[team.weekly]
{always}
"""


async def _prepare(url: str, now: datetime) -> None:
    engine = create_engine(url)
    async with session_factory(engine)() as session, session.begin():
        await upsert_teams(session, parse_teams(_team_file(now)))
        await insert_open_cases(session, CASES, "closed", now - timedelta(minutes=5))
    await engine.dispose()


async def _books(url: str) -> tuple[dict[str, int], int, int]:
    """(cases per owner, handoff events, cases whose event count differs from their handoffs)"""
    engine = create_engine(url)
    async with session_factory(engine)() as session:
        owners = dict(
            (
                await session.execute(select(Case.team_key, func.count()).group_by(Case.team_key))
            ).all()
        )
        events = await session.scalar(select(func.count()).where(CaseEvent.kind == "handed_off"))
        mismatched = await _mismatched(session)
    await engine.dispose()
    return owners, int(events or 0), mismatched


async def _moved(url: str) -> int:
    """Cheap progress probe: handoff events written so far."""
    engine = create_engine(url)
    async with session_factory(engine)() as session:
        moved = await session.scalar(select(func.count()).where(CaseEvent.kind == "handed_off"))
    await engine.dispose()
    return int(moved or 0)


async def _still_closed(url: str) -> int:
    engine = create_engine(url)
    async with session_factory(engine)() as session:
        left = await session.scalar(select(func.count()).where(Case.team_key == "closed"))
    await engine.dispose()
    return int(left or 0)


async def _mismatched(session: AsyncSession) -> int:
    query = text(
        "SELECT count(*) FROM cases c WHERE c.handoffs <> (SELECT count(*) FROM case_events e"
        " WHERE e.case_id = c.id AND e.kind = 'handed_off')"
        " OR (c.team_key = 'always') <> (c.handoffs = 1)"
    )
    return int((await session.execute(query)).scalar_one())


def _worker(url: str, redis_url: str, var: Path) -> subprocess.Popen[bytes]:
    env = dict(
        os.environ, MERIDIAN_DATABASE_URL=url, REDIS_URL=redis_url, MERIDIAN_VAR_DIR=str(var)
    )
    return subprocess.Popen(
        [sys.executable, "-m", "arq", "workers.settings.WorkerSettings"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.fixture
def crash_database(postgres_server: str) -> Iterator[str]:
    url = _create_pg_database(postgres_server, "meridian_crash")
    upgrade(url)
    yield url


def test_sigkill_mid_handoff_then_restart_leaves_every_case_owned_once(
    crash_database: str, redis_url: str, tmp_path: Path
) -> None:
    run_async(_prepare(crash_database, datetime.now(UTC)))
    worker = _worker(crash_database, redis_url, tmp_path)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not run_async(_moved(crash_database)):
            time.sleep(0.02)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
    owners, events, mismatched = run_async(_books(crash_database))
    assert 0 < owners.get("always", 0) < CASES, "the kill should land in the middle of the sweep"
    assert (events, mismatched) == (owners["always"], 0)

    restarted = _worker(crash_database, redis_url, tmp_path)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and run_async(_still_closed(crash_database)):
            time.sleep(0.2)
    finally:
        restarted.send_signal(signal.SIGTERM)
        restarted.wait(timeout=30)
    owners, events, mismatched = run_async(_books(crash_database))
    assert owners == {"always": CASES}
    assert (events, mismatched) == (CASES, 0)
