"""Apply Alembic migrations programmatically (used by `meridian db upgrade`, make run and tests)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url)
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Upgrade the database at `url`; runs in a thread when called inside an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        command.upgrade(alembic_config(url), revision)
        return
    raise RuntimeError("call upgrade() outside the event loop, or use upgrade_async()")


async def upgrade_async(url: str, revision: str = "head") -> None:
    await asyncio.to_thread(command.upgrade, alembic_config(url), revision)
