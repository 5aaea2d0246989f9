"""arq tasks. Each is idempotent: arq delivers at least once, a TaskRun row makes it once."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.db.models import Case, OutboxMessage, TaskRun
from service.outbox import drain

log = logging.getLogger("meridian.worker")
Describe = Callable[[AsyncSession, OutboxMessage], Awaitable[dict[str, Any] | None]]


def _now() -> datetime:
    return datetime.now(UTC)


async def _once(
    sessions: async_sessionmaker[AsyncSession], key: str, result: dict[str, Any]
) -> bool:
    """Record that `key` ran; False if it had already run (so the caller must not repeat it)."""
    try:
        async with sessions() as session, session.begin():
            session.add(TaskRun(key=key, at=_now(), result=result))
    except IntegrityError:
        return False
    return True


async def _log_side_effect(
    ctx: dict[str, Any], task: str, outbox_id: int, describe: Describe
) -> str:
    """Describe the outbox message, record it once, and write it as a structured log line."""
    sessions: async_sessionmaker[AsyncSession] = ctx["sessions"]
    async with sessions() as session:
        message = await session.get(OutboxMessage, outbox_id)
        entry = await describe(session, message) if message else None
    if entry is None:
        return "missing"
    if not await _once(sessions, f"{task}:{outbox_id}", entry):
        return "duplicate"
    log.info(json.dumps({"event": task, **entry}, ensure_ascii=False, default=str))
    return "done"


async def _payload(_: AsyncSession, message: OutboxMessage) -> dict[str, Any]:
    return dict(message.payload)


async def _case_summary(session: AsyncSession, message: OutboxMessage) -> dict[str, Any] | None:
    case = await session.get(Case, message.payload["case_id"])
    if case is None:
        return None
    return {
        "team": message.payload.get("team"),
        "reference": case.reference,
        "severity": case.severity,
        "language": case.language,
        "first_response_due": case.first_response_due.isoformat(),
    }


async def notify_team(ctx: dict[str, Any], outbox_id: int) -> str:
    """Tell the owning team about a case (a structured log line at this stage)."""
    return await _log_side_effect(ctx, "notify_team", outbox_id, _case_summary)


async def escalate(ctx: dict[str, Any], outbox_id: int) -> str:
    """Escalate a case to the team lead (a structured log line at this stage)."""
    return await _log_side_effect(ctx, "escalate", outbox_id, _payload)


async def email_customer(ctx: dict[str, Any], outbox_id: int) -> str:
    """Record a customer e-mail to send (a structured log line until the SMTP sender lands)."""
    return await _log_side_effect(ctx, "email_customer", outbox_id, _payload)


async def drain_outbox(ctx: dict[str, Any]) -> int:
    """Safety net: whatever an API process could not hand over is drained here."""
    return await drain(ctx["sessions"], ctx["queue"], now=_now())
