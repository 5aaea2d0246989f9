"""Integration fixtures: a migrated database per backend, the app and a test client on it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.ext.asyncio import create_async_engine as raw_engine

from routing.team_file import parse_teams
from service.app import create_app
from service.db.engine import create_engine, session_factory
from service.db.migrate import upgrade
from service.db.models import Base
from service.settings import Settings
from service.teams.directory import upsert_teams
from tests.conftest import Clock, run_async

SAMPLE = Path(__file__).resolve().parents[2] / "service" / "data" / "sample_teams.toml"
OPS_KEY = "test-ops-key"


def _create_pg_database(server_url: str, name: str) -> str:
    async def create() -> None:
        engine = raw_engine(server_url, isolation_level="AUTOCOMMIT")
        async with engine.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
        await engine.dispose()

    run_async(create())
    return server_url.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A migrated database on each backend (Alembic migrations, as in production)."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('sqlite') / 'meridian.db'}"
    else:
        url = _create_pg_database(request.getfixturevalue("postgres_server"), "meridian_test")
    upgrade(url)
    yield url


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """A session factory on an emptied database with the sample teams loaded."""
    engine = create_engine(database_url)
    async with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            await conn.execute(table.delete())
    factory = session_factory(engine)
    async with factory() as session, session.begin():
        keys = (
            await upsert_teams(session, parse_teams(SAMPLE.read_text(encoding="utf-8")))
        ).api_keys
    factory.team_keys = keys  # type: ignore[attr-defined]
    yield factory
    await engine.dispose()


@pytest.fixture
def team_keys(sessions: async_sessionmaker[AsyncSession]) -> dict[str, str]:
    return sessions.team_keys  # type: ignore[attr-defined,no-any-return]


@pytest.fixture
def app(
    database_url: str,
    redis_url: str,
    clock: Clock,
    sessions: async_sessionmaker[AsyncSession],
    tmp_path: Path,
) -> Litestar:
    settings = Settings(
        database_url=database_url,
        redis_url=redis_url,
        ops_api_key=OPS_KEY,
        attachments_folder=tmp_path / "attachments",
    )
    return create_app(settings, clock=clock, drain_outbox=False)


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app=app) as test_client:
        yield test_client
