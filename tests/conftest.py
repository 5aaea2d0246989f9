"""Shared fixtures: a real Redis server, real SQLite and PostgreSQL databases, a settable clock."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import pytest

from service.common.logs import LOG_FORMAT, configure_logging
from service.outbox.embedded_redis import EmbeddedRedis
from tests.support.throwaway_postgres import pg_binary, throwaway_postgres

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


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A PostgreSQL server URL: MERIDIAN_TEST_POSTGRES_URL, else a throwaway cluster on loopback."""
    if url := os.environ.get("MERIDIAN_TEST_POSTGRES_URL"):
        yield url
        return
    if not pg_binary("initdb"):
        if os.environ.get("MERIDIAN_REQUIRE_POSTGRES"):
            pytest.fail("PostgreSQL is required (MERIDIAN_REQUIRE_POSTGRES) but initdb is missing")
        pytest.skip("no PostgreSQL server binaries (apt-get install postgresql)")
    with throwaway_postgres() as url:
        yield url


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


class _Collector(logging.Handler):
    """Keeps every log line of the test run (formatted as the service formats them)."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.setFormatter(logging.Formatter(LOG_FORMAT))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


RUN_LOGS = _Collector()
"""Every log line this test run wrote in-process; tests/integration/zz_logs scans them."""
configure_logging()  # as the service logs: its levels and filters, info lines included
for _stderr in list(logging.getLogger().handlers):  # pytest shows what a failing test logged
    logging.getLogger().removeHandler(_stderr)
logging.getLogger().addHandler(RUN_LOGS)
