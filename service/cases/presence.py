"""Who has a case page open: each open page says so every few seconds, and the others see it."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

PRESENCE_SECONDS = 45
"""An agent counts as looking at a case this long after their page last said so."""


class SortedSets(Protocol):
    """The few Redis commands presence needs (redis.asyncio.Redis has them)."""

    async def zadd(self, name: str, mapping: dict[str, float]) -> object: ...
    async def zremrangebyscore(self, name: str, min: float, max: float) -> object: ...
    async def zrange(self, name: str, start: int, end: int) -> list[bytes]: ...
    async def expire(self, name: str, time: int) -> object: ...


def _key(reference: str) -> str:
    return f"meridian:viewing:{reference}"


async def looking_at(redis: SortedSets, reference: str, email: str, now: datetime) -> list[str]:
    """Record that `email` has the case open now; the others who have it open, sorted."""
    key, at = _key(reference), now.timestamp()
    await redis.zremrangebyscore(key, 0, at - PRESENCE_SECONDS)
    await redis.zadd(key, {email: at})
    await redis.expire(key, PRESENCE_SECONDS * 2)
    viewers = (member.decode() for member in await redis.zrange(key, 0, -1))
    return sorted(viewer for viewer in viewers if viewer != email)
