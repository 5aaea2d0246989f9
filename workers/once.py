"""Outbox jobs run once: arq delivers at least once, a TaskRun row makes the effect once.

External effects (webhooks, e-mail) carry an idempotency key derived from the outbox row, so a
retry after a crash between sending and recording is recognisable by the receiver.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.db.models import OutboxMessage, TaskRun

PERSONAL_KEYS = frozenset({"lead", "to", "email"})
"""Result fields kept in task_runs but never logged: they are people's addresses."""
log = logging.getLogger("meridian.worker")
Perform = Callable[[dict[str, Any], AsyncSession, OutboxMessage], Awaitable[dict[str, Any] | None]]


def utcnow() -> datetime:
    return datetime.now(UTC)


async def run_once(ctx: dict[str, Any], task: str, outbox_id: int, perform: Perform) -> str:
    """Perform the outbox message's effect unless it already ran, then record that it ran."""
    sessions: async_sessionmaker[AsyncSession] = ctx["sessions"]
    key = f"{task}:{outbox_id}"
    async with sessions() as session:
        if await session.get(TaskRun, key) is not None:
            return "duplicate"
        message = await session.get(OutboxMessage, outbox_id)
        result = await perform(ctx, session, message) if message else None
    result = result if result is not None else {"missing": True}
    try:
        async with sessions() as session, session.begin():
            session.add(TaskRun(key=key, at=utcnow(), result=result))
    except IntegrityError:
        return "duplicate"
    loggable = {name: value for name, value in result.items() if name not in PERSONAL_KEYS}
    log.info(json.dumps({"event": task, "outbox_id": outbox_id, **loggable}, default=str))
    return "missing" if result.get("missing") else "done"
