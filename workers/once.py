"""Outbox jobs run once: arq delivers at least once, a TaskRun row makes the effect once.

The row is claimed before the effect and completed with its outcome after, so two deliveries
of the same job (a job re-enqueued after a Redis outage while the first still runs) never both
send: the second is retried later, and then finds the effect done. A failed attempt gives its
claim back for the retry; a claim left by a worker that died is taken over once it is older
than CLAIM_EXPIRY. External effects (webhooks, e-mail) also carry
an idempotency key derived from the outbox row, so the receiver can recognise the one resend
that a crash between sending and recording can cause.
"""

from __future__ import annotations

import enum
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from arq import Retry
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.db.models import OutboxMessage, TaskRun

RUNNING = "running"
CLAIM_EXPIRY = timedelta(seconds=60)
"""Longer than any outbox task's timeout (workers/settings.py): a claim this old is abandoned."""
BUSY_RETRY = timedelta(seconds=20)
"""When a delivery finds another one running, it looks again this much later."""
PERSONAL_KEYS = frozenset({"lead", "to", "email"})
"""Result fields kept in task_runs but never logged: they are people's addresses."""
log = logging.getLogger("meridian.worker")
Perform = Callable[[dict[str, Any], AsyncSession, OutboxMessage], Awaitable[dict[str, Any] | None]]


def utcnow() -> datetime:
    return datetime.now(UTC)


class Claim(enum.Enum):
    TAKEN = "taken"
    RAN = "ran"
    BUSY = "busy"


async def _claim(sessions: async_sessionmaker[AsyncSession], key: str) -> Claim:
    """Take the run of `key`: a new claim, or one a dead worker left behind; otherwise say
    whether it ran or another worker is running it."""
    now = utcnow()
    try:
        async with sessions() as session, session.begin():
            session.add(TaskRun(key=key, at=now, result={"state": RUNNING}))
        return Claim.TAKEN
    except IntegrityError:
        pass
    async with sessions() as session, session.begin():
        run = await session.get(TaskRun, key, with_for_update=True)
        if run is None:  # released meanwhile by a failed attempt: its retry is on its way
            return Claim.BUSY
        if run.result.get("state") != RUNNING:
            return Claim.RAN
        if run.at > now - CLAIM_EXPIRY:
            return Claim.BUSY
        run.at = now  # the worker that claimed it died: this one runs it
        return Claim.TAKEN


async def _release(sessions: async_sessionmaker[AsyncSession], key: str) -> None:
    async with sessions() as session, session.begin():
        run = await session.get(TaskRun, key, with_for_update=True)
        if run is not None and run.result.get("state") == RUNNING:
            await session.delete(run)


async def run_once(ctx: dict[str, Any], task: str, outbox_id: int, perform: Perform) -> str:
    """Perform the outbox message's effect unless it ran, then record that it ran; while another
    delivery runs it, or when an attempt fails, arq retries later."""
    sessions: async_sessionmaker[AsyncSession] = ctx["sessions"]
    key = f"{task}:{outbox_id}"
    claim = await _claim(sessions, key)
    if claim is Claim.RAN:
        return "duplicate"
    if claim is Claim.BUSY:
        raise Retry(defer=BUSY_RETRY)
    try:
        async with sessions() as session:
            message = await session.get(OutboxMessage, outbox_id)
            result = await perform(ctx, session, message) if message else None
    except BaseException:
        await _release(sessions, key)
        raise
    result = result if result is not None else {"missing": True}
    async with sessions() as session, session.begin():
        run = await session.get(TaskRun, key)
        if run is None:  # cannot happen while we hold the claim; record it all the same
            session.add(TaskRun(key=key, at=utcnow(), result=result))
        else:
            run.at, run.result = utcnow(), result
    loggable = {name: value for name, value in result.items() if name not in PERSONAL_KEYS}
    log.info(json.dumps({"event": task, "outbox_id": outbox_id, **loggable}, default=str))
    return "missing" if result.get("missing") else "done"
