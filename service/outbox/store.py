"""Drain the outbox to arq: side effects committed with the case reach the workers, once."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, String, and_, cast, exists, func, or_, select, update
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
    session.add(OutboxMessage(**side_effect_row(task, now, available_at=available_at, **payload)))


def side_effect_row(
    task: str, now: datetime, *, available_at: datetime | None = None, **payload: Any
) -> dict[str, Any]:
    """An outbox row's columns, for a bulk insert of many (intake writes them so)."""
    return {
        "task": task,
        "created_at": now,
        "available_at": available_at or now,
        "payload": payload,
    }


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

    Each batch is read in a short transaction, handed to arq in one round trip with no
    transaction open (so the database's write lock is never held across a Redis call), then
    marked in one UPDATE. Two drainers that read the same rows enqueue each job once (arq keys
    it by job_id), and a Redis error leaves the batch pending for the next drain (whose jobs
    already queued are not queued twice).
    """
    sent = 0
    while True:
        async with sessions() as session:
            due = (
                await session.execute(
                    select(OutboxMessage.id, OutboxMessage.task)
                    .where(
                        _unsent_or_lost(now, redeliver_after),
                        OutboxMessage.available_at <= now,
                    )
                    .order_by(OutboxMessage.id)
                    .limit(batch)
                )
            ).all()
        if due:
            await queue.enqueue_unique(
                [(task, (message_id,), job_id(message_id)) for message_id, task in due]
            )
            await _mark_enqueued(sessions, [message_id for message_id, _ in due], now)
        sent += len(due)
        if len(due) < batch:
            return sent


async def _mark_enqueued(
    sessions: async_sessionmaker[AsyncSession], ids: list[int], now: datetime
) -> None:
    async with sessions() as session, session.begin():
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids))
            .values(enqueued_at=now, attempts=OutboxMessage.attempts + 1)
        )


async def pending(session: AsyncSession) -> int:
    query = (
        select(func.count()).select_from(OutboxMessage).where(OutboxMessage.enqueued_at.is_(None))
    )
    return int((await session.scalar(query)) or 0)
