"""An API process killed (SIGKILL) in the middle of a burst of complaints from 32 connections:
every complaint answered 201 is stored with all its audit events and outbox rows, and no
complaint is stored in part, whatever the group commit had in flight."""

from __future__ import annotations

import asyncio
import signal
import subprocess
from collections import Counter
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from service.db.engine import create_engine
from service.db.models import Case, CaseEvent, OutboxMessage
from service.outbox.embedded_redis import free_port
from tests.conftest import wait_until
from tests.integration.cli.test_cli import MERIDIAN, ROOT, meridian, service_env
from tests.integration.conftest import _create_pg_database

CONNECTIONS = 32
KILL_AFTER = 150
"""201s received before the API process is killed."""
INTAKE_EVENTS = {"received", "detected", "classified", "routed"}


@pytest.fixture(params=["sqlite", "postgres"])
def crash_database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'crash.db'}"
    return _create_pg_database(request.getfixturevalue("postgres_server"), "meridian_crash")


async def _burst(base: str, api: subprocess.Popen[bytes]) -> list[str]:
    """Complaints from CONNECTIONS clients until the API dies; the references answered 201."""
    accepted: list[str] = []
    killed = asyncio.Event()

    async def client(n: int) -> None:
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            for i in range(10_000):
                try:
                    response = await http.post(
                        "/api/v1/cases",
                        json={
                            "text": f"Parcel {n}-{i} arrived broken and nobody answers my calls.",
                            # One address each: past 5 an hour, no acknowledgement is queued.
                            "contact": {"email": f"crash{n}-{i}@example.com"},
                        },
                    )
                except httpx.TransportError:
                    assert killed.is_set(), "the API failed before it was killed"
                    return
                assert response.status_code == 201, response.text
                accepted.append(response.json()["reference"])
                if len(accepted) >= KILL_AFTER and not killed.is_set():
                    killed.set()
                    api.send_signal(signal.SIGKILL)

    await asyncio.gather(*(client(n) for n in range(CONNECTIONS)))
    return accepted


async def _stored(url: str) -> tuple[dict[str, int], Counter[tuple[int, str]], Counter[int]]:
    """Cases by reference, (case, event kind) counts, acknowledgement rows per case."""
    engine = create_engine(url)
    async with engine.connect() as db:
        cases = {
            reference: id_ for reference, id_ in await db.execute(select(Case.reference, Case.id))
        }
        events = Counter((row.case_id, row.kind) for row in await db.execute(select(CaseEvent)))
        acknowledgements = Counter(
            payload["case_id"]
            for (payload,) in await db.execute(
                select(OutboxMessage.payload).where(OutboxMessage.task == "email_customer")
            )
        )
    await engine.dispose()
    return cases, events, acknowledgements


def test_every_201_survives_a_kill_in_the_middle_of_a_burst(
    tmp_path: Path, crash_database: str, redis_url: str
) -> None:
    port = free_port()
    env = service_env(
        tmp_path / "var", port, MERIDIAN_DATABASE_URL=crash_database, REDIS_URL=redis_url
    )
    for step in (("db", "upgrade"), ("seed",)):
        done = meridian(*step, env=env)
        assert done.returncode == 0, done.stderr
    with (tmp_path / "api.log").open("wb") as log:
        api = subprocess.Popen(
            [MERIDIAN, "api"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{port}"
    try:

        def healthy() -> bool:
            try:
                return httpx.get(f"{base}/health", timeout=2).status_code == 200
            except httpx.TransportError:
                return False

        wait_until(healthy, timeout=60, interval=0.2)
        accepted = asyncio.run(_burst(base, api))
    finally:
        api.kill()
        api.wait(timeout=30)

    assert len(accepted) >= KILL_AFTER and len(set(accepted)) == len(accepted)
    cases, events, acknowledgements = asyncio.run(_stored(crash_database))
    assert set(accepted) <= set(cases), "a complaint answered 201 was lost"
    # Stored means stored whole: answered or not, each case has every intake record.
    for reference, case_id in cases.items():
        assert all(events[case_id, kind] == 1 for kind in INTAKE_EVENTS), reference
        assert acknowledgements[case_id] == 1, reference
