"""Browser fixtures: the real app under uvicorn on loopback, driven by Debian chromium."""

from __future__ import annotations

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

from routing.team_file import parse_teams
from service.app import create_app
from service.db.engine import create_engine, session_factory
from service.db.migrate import upgrade
from service.outbox.embedded_redis import free_port
from service.settings import Settings
from service.teams.directory import upsert_teams
from tests.conftest import Clock, run_async, wait_until

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_TEAMS = ROOT / "service" / "data" / "sample_teams.toml"
SCREENSHOTS = Path(os.environ.get("MERIDIAN_SCREENSHOTS", ROOT / "var" / "screenshots"))
"""Where browser tests leave a full-page screenshot of each page they check (CI keeps them)."""
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
OPS_KEY = "browser-test-ops-key"


def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


@dataclass(frozen=True)
class LiveServer:
    """The app listening on `base_url` (ops key OPS_KEY) and its SQLite file."""

    base_url: str
    database: Path

    def count_cases(self) -> int:
        with sqlite3.connect(self.database) as connection:
            return int(connection.execute("SELECT count(*) FROM cases").fetchone()[0])


async def _load_sample_teams(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session, session.begin():
            await upsert_teams(session, parse_teams(SAMPLE_TEAMS.read_text(encoding="utf-8")))
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory, redis_url: str) -> Iterator[LiveServer]:
    database = tmp_path_factory.mktemp("browser") / "meridian.db"
    database_url = f"sqlite+aiosqlite:///{database}"
    upgrade(database_url)
    run_async(_load_sample_teams(database_url))
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    settings = Settings(
        database_url=database_url,
        redis_url=redis_url,
        ops_api_key=OPS_KEY,
        public_base_url=base_url,
        attachments_folder=database.parent / "attachments",
    )
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
        yield LiveServer(base_url=base_url, database=database)
    finally:
        server.should_exit = True
        thread.join()


@pytest.fixture(scope="module")
def playwright(live_server: LiveServer) -> Iterator[Playwright]:
    """Playwright's sync API, set up after the server and stopped after the module: it runs an
    event loop in this thread, which async tests elsewhere must not find still running."""
    if not CHROMIUM.is_file():
        reason = f"no chromium at {CHROMIUM} (apt-get install chromium, or set MERIDIAN_CHROMIUM)"
        if os.environ.get("MERIDIAN_REQUIRE_BROWSER") == "1":
            pytest.fail(f"a browser is required (MERIDIAN_REQUIRE_BROWSER=1) but there is {reason}")
        pytest.skip(reason)
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
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
