"""Redis goes down during a burst of intakes: every case is acknowledged, every effect runs once."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from arq.connections import RedisSettings
from arq.worker import Worker
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.app import create_app
from service.db.models import OutboxMessage, TaskRun
from service.outbox.arq_connection import ArqConnection
from service.outbox.embedded_redis import EmbeddedRedis
from service.settings import Settings
from tests.conftest import Clock
from workers.settings import WorkerSettings


async def _pending(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        query = select(func.count()).where(OutboxMessage.enqueued_at.is_(None))
        return int(await session.scalar(query) or 0)


async def _wait_for(predicate: Any, timeout: float = 30.0) -> bool:
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        if await predicate():
            return True
        await asyncio.sleep(0.1)
    return bool(await predicate())


async def test_intake_survives_a_redis_outage_and_the_backlog_drains_exactly_once(
    sessions: async_sessionmaker[AsyncSession], database_url: str, clock: Clock, tmp_path: Path
) -> None:
    redis = EmbeddedRedis(tmp_path / "redis").start()
    settings = Settings(
        database_url=database_url,
        redis_url=redis.url,
        secret_key="k",
        webhook_secret="w",
        outbox_poll_seconds=0.1,
    )
    app = create_app(settings, clock=clock)
    body = {"text": "The delivery is two weeks late.", "contact": {"email": "a@example.com"}}
    try:
        async with AsyncTestClient(app=app) as client:
            statuses = [
                (await client.post("/api/v1/cases", json=body)).status_code for _ in range(5)
            ]
            assert await _wait_for(lambda: _is_zero(sessions))
            redis.stop()
            statuses += [
                (await client.post("/api/v1/cases", json=body)).status_code for _ in range(5)
            ]
            await asyncio.sleep(0.5)  # the drainer tries, fails and keeps the rows
            assert await _pending(sessions) == 10  # acknowledgement + notification per case
            health = (await client.get("/health")).json()
            assert health["redis"] == "unavailable" and health["outbox_pending"] == 10
            redis.start()  # same port, same append-only file
            assert await _wait_for(lambda: _is_zero(sessions))
        assert statuses == [201] * 10

        worker = Worker(
            functions=WorkerSettings.functions,
            redis_settings=RedisSettings.from_dsn(redis.url),
            on_startup=_context(sessions, redis.url, settings),
            burst=True,
            poll_delay=0,
            handle_signals=False,
        )
        await worker.main()
        await worker.close()
        assert (worker.jobs_complete, worker.jobs_failed) == (20, 0)
        async with sessions() as session:
            runs = sorted((await session.scalars(select(TaskRun.key))).all())
            rows = (await session.scalars(select(OutboxMessage))).all()
        assert runs == sorted(f"{row.task}:{row.id}" for row in rows)
        assert len(rows) == 20
    finally:
        redis.stop()


async def _is_zero(sessions: async_sessionmaker[AsyncSession]) -> bool:
    return await _pending(sessions) == 0


def _context(sessions: async_sessionmaker[AsyncSession], url: str, settings: Settings) -> Any:
    async def startup(ctx: dict[str, Any]) -> None:
        ctx.update(sessions=sessions, queue=ArqConnection(url), smtp=None, settings=settings)

    return startup
