"""Attachment upkeep: the bytes of erased or expired cases' files deleted from the storage."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from service.attachments.files import forget_unnamed
from service.db.models import OutboxMessage
from workers.once import run_once


async def remove_files(ctx: dict[str, Any], outbox_id: int) -> str:
    """Delete the stored bytes the message names, unless another live attachment still uses
    them (storage is by content: two cases may hold the same screenshot)."""

    async def perform(
        ctx: dict[str, Any], session: AsyncSession, message: OutboxMessage
    ) -> dict[str, Any]:
        gone = await forget_unnamed(session, ctx["attachments"], message.payload["keys"])
        return {"removed": len(gone), "kept": len(message.payload["keys"]) - len(gone)}

    return await run_once(ctx, "remove_files", outbox_id, perform)
