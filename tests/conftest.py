"""Shared fixtures: a real Redis server, real SQLite and PostgreSQL databases, a settable clock."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest

from service.embedded_redis import EmbeddedRedis, free_port

T = TypeVar("T")


@dataclass
class Clock:
    """The service's notion of now, settable by a test."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@pytest.fixture
def clock() -> Clock:
    # Tuesday 24 Nov 2026, 03:00 UTC: 11:00 in Shanghai and Taipei, 12:00 in Tokyo.
    return Clock(datetime(2026, 11, 24, 3, 0, tzinfo=UTC))


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if url := os.environ.get("MERIDIAN_TEST_REDIS_URL"):
        yield url
        return
    with EmbeddedRedis(tmp_path_factory.mktemp("redis")) as server:
        yield server.url


def _pg_bin(name: str) -> str | None:
    if found := shutil.which(name):
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True)
    return str(candidates[0]) if candidates else None


def _as_postgres_user(cmd: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: drop to the `postgres` user when we are root."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A PostgreSQL server URL: MERIDIAN_TEST_POSTGRES_URL, else a throwaway cluster on loopback."""
    if url := os.environ.get("MERIDIAN_TEST_POSTGRES_URL"):
        yield url
        return
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    if not (initdb and pg_ctl):
        if os.environ.get("MERIDIAN_REQUIRE_POSTGRES"):
            pytest.fail("PostgreSQL is required (MERIDIAN_REQUIRE_POSTGRES) but initdb is missing")
        pytest.skip("no PostgreSQL server binaries (apt-get install postgresql)")
    base = Path(tempfile.mkdtemp(prefix="meridian-pg-"))
    data, sockets = base / "data", base / "run"
    sockets.mkdir()
    if os.geteuid() == 0:
        shutil.chown(base, "postgres")
        shutil.chown(sockets, "postgres")
    port = free_port()
    subprocess.run(
        _as_postgres_user(
            [initdb, "-D", str(data), "-U", "meridian", "--auth=trust", "-E", "UTF8", "--locale=C"]
        ),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    options = (
        f"-c listen_addresses=127.0.0.1 -p {port} -k {sockets} -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    )
    subprocess.run(
        _as_postgres_user(
            [pg_ctl, "-D", str(data), "-o", options, "-w", "-l", str(base / "log"), "start"]
        ),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    try:
        yield f"postgresql+asyncpg://meridian@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            _as_postgres_user([pg_ctl, "-D", str(data), "-m", "immediate", "stop"]),
            check=False,
            stdout=subprocess.DEVNULL,
        )
        shutil.rmtree(base, ignore_errors=True)


def run_async(awaitable: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion from sync code, even where a loop already runs (Playwright)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, awaitable).result()


def wait_until(
    predicate: Callable[[], object], timeout: float = 10.0, interval: float = 0.05
) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())
