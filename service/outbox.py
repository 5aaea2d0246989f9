"""Drain the outbox to arq: side effects committed with the case reach the workers, once."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.db.models import OutboxMessage
from service.queue import QueueConnection

log = logging.getLogger("meridian.outbox")


def job_id(message_id: int) -> str:
    """arq de-duplicates on this id, so draining a row twice enqueues one job."""
    return f"outbox-{message_id}"


async def drain(
    sessions: async_sessionmaker[AsyncSession],
    queue: QueueConnection,
    *,
    now: datetime,
    batch: int = 200,
) -> int:
    """Enqueue due, unsent outbox rows; returns how many were handed to arq.

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
                    .where(OutboxMessage.enqueued_at.is_(None), OutboxMessage.available_at <= now)
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
