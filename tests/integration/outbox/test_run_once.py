"""An outbox effect runs once even when arq delivers its job twice at the same time, is retried
after a failure, and is taken over from a worker that died holding it."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from arq import Retry
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.db.models import OutboxMessage, TaskRun
from workers.once import CLAIM_EXPIRY, run_once, utcnow

Sessions = async_sessionmaker[AsyncSession]


async def _message(sessions: Sessions) -> int:
    async with sessions() as session, session.begin():
        row = OutboxMessage(task="email_customer", payload={"case_id": 0}, created_at=utcnow())
        session.add(row)
        await session.flush()
        return row.id


async def test_two_deliveries_at_once_send_once(sessions: Sessions) -> None:
    outbox_id, sent = await _message(sessions), []

    async def perform(ctx: dict[str, Any], session: AsyncSession, message: Any) -> dict[str, Any]:
        await asyncio.sleep(0.2)  # the other delivery arrives meanwhile
        sent.append(message.id)
        return {"sent": "smtp"}

    ctx = {"sessions": sessions}
    outcomes = await asyncio.gather(
        *(run_once(ctx, "t", outbox_id, perform) for _ in range(3)), return_exceptions=True
    )
    assert outcomes.count("done") == 1
    # The others find it done, or (while it runs) raise Retry to look again later.
    others = [outcome for outcome in outcomes if outcome != "done"]
    assert all(outcome == "duplicate" or isinstance(outcome, Retry) for outcome in others)
    assert await run_once(ctx, "t", outbox_id, perform) == "duplicate"
    assert sent == [outbox_id]


async def test_a_failed_attempt_leaves_the_run_to_the_retry(sessions: Sessions) -> None:
    outbox_id, attempts = await _message(sessions), []

    async def perform(ctx: dict[str, Any], session: AsyncSession, message: Any) -> dict[str, Any]:
        attempts.append(1)
        if len(attempts) == 1:
            raise ConnectionError("SMTP server away")
        return {"sent": "smtp"}

    ctx = {"sessions": sessions}
    with pytest.raises(ConnectionError):
        await run_once(ctx, "t", outbox_id, perform)
    assert await run_once(ctx, "t", outbox_id, perform) == "done"
    assert len(attempts) == 2


async def test_a_claim_left_by_a_dead_worker_is_taken_over(sessions: Sessions) -> None:
    outbox_id = await _message(sessions)

    async def perform(ctx: dict[str, Any], session: AsyncSession, message: Any) -> dict[str, Any]:
        return {"sent": "smtp"}

    async with sessions() as session, session.begin():
        session.add(TaskRun(key=f"t:{outbox_id}", at=utcnow(), result={"state": "running"}))
    ctx = {"sessions": sessions}
    with pytest.raises(Retry):  # still fresh: it may be running, so look again later
        await run_once(ctx, "t", outbox_id, perform)
    async with sessions() as session, session.begin():
        old = utcnow() - CLAIM_EXPIRY - timedelta(seconds=1)
        await session.execute(update(TaskRun).values(at=old))
    assert await run_once(ctx, "t", outbox_id, perform) == "done"
