"""Drain the outbox to arq: side effects committed with the case reach the workers, once."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, String, and_, cast, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.db.models import OutboxMessage, TaskRun
from service.outbox.arq_connection import ArqConnection

log = logging.getLogger("meridian.outbox")
REDELIVER_AFTER = timedelta(minutes=10)


def add_side_effect(
    session: AsyncSession,
    task: str,
    now: datetime,
    *,
    available_at: datetime | None = None,
    **payload: Any,
) -> None:
    """Queue the arq task `task` in the caller's transaction (due now, or at `available_at`)."""
    session.add(
        OutboxMessage(task=task, created_at=now, available_at=available_at or now, payload=payload)
    )


def job_id(message_id: int) -> str:
    """arq de-duplicates on this id, so draining a row twice enqueues one job."""
    return f"outbox-{message_id}"


def _unsent_or_lost(now: datetime, redeliver_after: timedelta) -> ColumnElement[bool]:
    """Rows never handed to arq, or handed over long ago with no record of the task running
    (Redis lost the job): arq's job id keeps a job that is still queued from running twice."""
    ran = exists().where(TaskRun.key == OutboxMessage.task + ":" + cast(OutboxMessage.id, String))
    return or_(
        OutboxMessage.enqueued_at.is_(None),
        and_(OutboxMessage.enqueued_at < now - redeliver_after, ~ran),
    )


async def drain(
    sessions: async_sessionmaker[AsyncSession],
    queue: ArqConnection,
    *,
    now: datetime,
    batch: int = 200,
    redeliver_after: timedelta = REDELIVER_AFTER,
) -> int:
    """Enqueue due outbox rows that are unsent (or lost); returns how many went to arq.

    Rows are locked (SKIP LOCKED on PostgreSQL) so concurrent drainers share the work; a Redis
    error rolls the batch back and the rows stay pending for the next drain.
    """
    pool = await queue.pool()
    sent = 0
    while True:
        async with sessions() as session, session.begin():
            rows = (
                await session.scalars(
                    select(OutboxMessage)
                    .where(
                        _unsent_or_lost(now, redeliver_after),
                        OutboxMessage.available_at <= now,
                    )
                    .order_by(OutboxMessage.id)
                    .limit(batch)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            for row in rows:
                row.attempts += 1
                await pool.enqueue_job(row.task, row.id, _job_id=job_id(row.id))
                row.enqueued_at = now
            sent += len(rows)
        if len(rows) < batch:
            return sent


async def pending(session: AsyncSession) -> int:
    query = (
        select(func.count()).select_from(OutboxMessage).where(OutboxMessage.enqueued_at.is_(None))
    )
    return int((await session.scalar(query)) or 0)
