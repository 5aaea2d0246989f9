"""Browser fixtures: the real app under uvicorn on loopback, driven by Debian chromium."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from routing.teams import parse_teams
from service.app import create_app
from service.db.engine import create_engine, session_factory
from service.db.migrate import upgrade
from service.embedded_redis import free_port
from service.settings import Settings
from service.teams import upsert_teams
from tests.conftest import Clock, wait_until

SAMPLE_TEAMS = Path(__file__).resolve().parents[2] / "service" / "data" / "sample_teams.toml"
CHROMIUM = Path(os.environ.get("MERIDIAN_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Tuesday 24 Nov 2026, 03:00 UTC: 11:00 in Taipei, so the Taipei team is on duty.
SERVICE_NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


@dataclass(frozen=True)
class LiveServer:
    """The app listening on `base_url`, its SQLite file and the sample teams' API keys."""

    base_url: str
    database: Path
    team_keys: dict[str, str]

    def count_cases(self) -> int:
        with sqlite3.connect(self.database) as connection:
            return int(connection.execute("SELECT count(*) FROM cases").fetchone()[0])


async def _load_sample_teams(database_url: str) -> dict[str, str]:
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session, session.begin():
            specs = parse_teams(SAMPLE_TEAMS.read_text(encoding="utf-8"))
            return await upsert_teams(session, specs)
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory, redis_url: str) -> Iterator[LiveServer]:
    database = tmp_path_factory.mktemp("browser") / "meridian.db"
    database_url = f"sqlite+aiosqlite:///{database}"
    upgrade(database_url)
    team_keys = asyncio.run(_load_sample_teams(database_url))
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    settings = Settings(database_url=database_url, redis_url=redis_url, public_base_url=base_url)
    app = create_app(settings, clock=Clock(SERVICE_NOW), drain_outbox=False)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, name="meridian-uvicorn", daemon=True)
    thread.start()
    if not wait_until(lambda: server.started, timeout=30):
        server.should_exit = True
        pytest.fail("uvicorn did not start")
    try:
        yield LiveServer(base_url=base_url, database=database, team_keys=team_keys)
    finally:
        server.should_exit = True
        thread.join()


@pytest.fixture(scope="session")
def playwright(live_server: LiveServer) -> Iterator[Playwright]:
    """Playwright's sync API; set up after the server, as it keeps an event loop running here."""
    if not CHROMIUM.is_file():
        reason = f"no chromium at {CHROMIUM} (apt-get install chromium, or set MERIDIAN_CHROMIUM)"
        if os.environ.get("MERIDIAN_REQUIRE_BROWSER") == "1":
            pytest.fail(f"a browser is required (MERIDIAN_REQUIRE_BROWSER=1) but there is {reason}")
        pytest.skip(reason)
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield launched
    launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh English-speaking browser in Taipei's time zone."""
    context = browser.new_context(locale="en-US", timezone_id="Asia/Taipei")
    yield context.new_page()
    context.close()
