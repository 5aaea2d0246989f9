"""The outbox drains to a real Redis and a real arq worker runs each side effect once."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from arq.connections import RedisSettings
from arq.worker import Worker
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.db.models import OutboxMessage, TaskRun
from service.outbox.arq_connection import ArqConnection
from service.outbox.store import drain
from service.settings import Settings
from tests.conftest import Clock
from workers.settings import WorkerSettings

Client = AsyncTestClient[Litestar]


async def _flush(redis_url: str) -> None:
    queue = ArqConnection(redis_url)
    await (await queue.pool()).flushdb()
    await queue.close()


def _worker(redis_url: str, sessions: async_sessionmaker[AsyncSession]) -> Worker:
    queue = ArqConnection(redis_url)

    async def startup(ctx: dict[str, Any]) -> None:
        settings = Settings(redis_url=redis_url, secret_key="k", webhook_secret="w")
        ctx.update(sessions=sessions, queue=queue, smtp=None, settings=settings)

    return Worker(
        functions=WorkerSettings.functions,
        redis_settings=RedisSettings.from_dsn(redis_url),
        on_startup=startup,
        burst=True,
        poll_delay=0,
        handle_signals=False,
    )


async def test_outbox_is_drained_once_and_each_task_runs_once(
    client: Client, sessions: async_sessionmaker[AsyncSession], redis_url: str, clock: Clock
) -> None:
    await _flush(redis_url)
    for _ in range(3):
        response = await client.post(
            "/api/v1/cases",
            json={
                "text": "The app crashes every time I open the settings page.",
                "contact": {"email": "lee@example.com"},
            },
        )
        assert response.status_code == 201
    queue = ArqConnection(redis_url)
    assert await drain(sessions, queue, now=clock.now) == 6  # notify team + acknowledge, x3
    assert await drain(sessions, queue, now=clock.now) == 0

    # An at-least-once redelivery: the same job enqueued again under its id is not duplicated.
    async with sessions() as session:
        first = await session.scalar(select(OutboxMessage).order_by(OutboxMessage.id))
    assert first is not None
    pool = await queue.pool()
    assert await pool.enqueue_job(first.task, first.id, _job_id=f"outbox-{first.id}") is None
    again = [(first.task, (first.id,), f"outbox-{first.id}"), ("noop", (), "a-new-id")]
    assert await queue.enqueue_unique(again) == 1  # only the unknown id is queued
    assert await pool.zrem("arq:queue", "a-new-id") == 1  # (no worker would know "noop")

    worker = _worker(redis_url, sessions)
    await worker.main()
    assert (worker.jobs_complete, worker.jobs_failed) == (6, 0)
    await worker.close()

    async with sessions() as session:
        runs = (await session.scalars(select(TaskRun.key))).all()
        messages = (await session.scalars(select(OutboxMessage))).all()
        pending = await session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.enqueued_at.is_(None))
        )
    assert sorted(runs) == sorted(f"{m.task}:{m.id}" for m in messages)
    assert sorted(m.task for m in messages) == ["email_customer"] * 3 + ["notify_team"] * 3
    assert pending == 0

    # Running a task a second time (arq retry) does nothing.
    from workers.notify import notify_team

    notify = next(m for m in messages if m.task == "notify_team")
    assert await notify_team({"sessions": sessions}, notify.id) == "duplicate"
    await queue.close()


async def test_intake_answers_201_with_redis_unreachable_and_nothing_is_lost(
    client: Client, sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    response = await client.post(
        "/api/v1/cases",
        json={
            "text": "Billing charged me twice this month.",
            "contact": {"email": "x@example.com"},
        },
    )
    assert response.status_code == 201
    dead = ArqConnection("redis://127.0.0.1:1/0")
    try:
        await drain(sessions, dead, now=clock.now)
    except Exception as exc:  # connection refused
        assert "connect" in str(exc).lower() or isinstance(exc, OSError)
    else:
        raise AssertionError("drain to a dead Redis should fail")
    async with sessions() as session:
        pending = await session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.enqueued_at.is_(None))
        )
    assert pending == 2  # acknowledgement e-mail and team notification


async def test_health_reports_each_part(client: Client, redis_url: str) -> None:
    await _flush(redis_url)
    response = await client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert (body["database"], body["redis"], body["worker"]) == ("ok", "ok", "down")
    assert body["status"] == "degraded"
    queue = ArqConnection(redis_url)
    await (await queue.pool()).psetex("arq:queue:health-check", 11_000, b"alive")
    body = (await client.get("/health")).json()
    assert body["worker"] == "ok" and body["status"] == "ok"
    assert 0 <= body["worker_heartbeat_age_seconds"] < 5
    await queue.close()


class _WritingWhileEnqueued:
    """Real arq over real Redis; each batch sent to Redis first commits a write of another
    transaction, as an intake arriving mid-drain would. It only gets through if the drain holds
    no write lock while it talks to Redis."""

    def __init__(
        self, queue: ArqConnection, sessions: async_sessionmaker[AsyncSession], now: datetime
    ) -> None:
        self.queue, self.sessions, self.now, self.writes = queue, sessions, now, 0

    async def enqueue_unique(self, jobs: Any) -> int:
        async with self.sessions() as session, session.begin():
            session.add(OutboxMessage(task="noop", payload={}, enqueued_at=self.now))
        self.writes += 1
        return await self.queue.enqueue_unique(jobs)


async def test_the_drain_lets_other_writers_in_while_it_talks_to_redis(
    client: Client, sessions: async_sessionmaker[AsyncSession], redis_url: str, clock: Clock
) -> None:
    await _flush(redis_url)
    filed = await client.post(
        "/api/v1/cases",
        json={"text": "My invoice is wrong twice.", "contact": {"email": "ana@example.com"}},
    )
    assert filed.status_code == 201
    queue = ArqConnection(redis_url)
    writing = _WritingWhileEnqueued(queue, sessions, clock.now)
    try:
        assert await drain(sessions, writing, now=clock.now) == 2  # type: ignore[arg-type]
    finally:
        await queue.close()
    assert writing.writes == 1  # both rows went to Redis in one batch
    async with sessions() as session:
        pending = await session.scalar(
            select(func.count()).where(OutboxMessage.enqueued_at.is_(None))
        )
    assert pending == 0
