"""A server process's app freezes the heap it started with (the language model, the app), so
the garbage collector's full collections stop walking it; an app built without asking leaves
the collector as it was."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.app import create_app
from service.settings import Settings


@pytest.fixture
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()  # the rest of the test run keeps collecting everything


@pytest.mark.parametrize("freeze", [True, False])
async def test_the_start_heap_is_frozen_only_when_asked(
    unfrozen: None,
    freeze: bool,
    database_url: str,
    redis_url: str,
    sessions: async_sessionmaker[AsyncSession],
    tmp_path: Path,
) -> None:
    settings = Settings(
        database_url=database_url, redis_url=redis_url, attachments_folder=tmp_path / "files"
    )
    app = create_app(settings, drain_outbox=False, freeze_start_heap=freeze)
    async with AsyncTestClient(app=app) as client:
        assert (await client.get("/health")).status_code in (200, 503)
        frozen = gc.get_freeze_count()
    if freeze:
        assert frozen > 10_000  # the app, its libraries and the language model at least
    else:
        assert frozen == 0
