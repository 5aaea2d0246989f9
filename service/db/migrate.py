"""Apply Alembic migrations programmatically (used by `meridian db upgrade`, make run and tests)."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext

from service.db.engine import create_engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url)
    return config


async def _revision(url: str) -> str | None:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(
                lambda sync: MigrationContext.configure(sync).get_current_revision()
            )
    finally:
        await engine.dispose()


def upgrade(url: str, revision: str = "head") -> tuple[str | None, str | None]:
    """Upgrade the database at `url`; returns its revision before and after (None: empty).

    The migration environment runs its own event loop, so it runs in a thread of its own: this
    works from plain code and from code that already has a loop running.
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        before = pool.submit(asyncio.run, _revision(url)).result()
        pool.submit(command.upgrade, alembic_config(url), revision).result()
        after = pool.submit(asyncio.run, _revision(url)).result()
    return before, after
