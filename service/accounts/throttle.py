"""Sign-in throttling in Redis: after 10 failures for one account or from one client within
15 minutes, sign-in is refused until the window ends."""

from __future__ import annotations

import hashlib

from redis.asyncio import Redis

from service.common.errors import TooManyAttempts

MAX_FAILURES = 10
WINDOW_SECONDS = 15 * 60


def _keys(email: str, client: str) -> list[str]:
    # Hashed: neither e-mail addresses nor client addresses are stored in Redis as written.
    def digest(text: str) -> str:
        return hashlib.sha256(text.encode()).hexdigest()[:32]

    return [f"signin:fail:account:{digest(email)}", f"signin:fail:client:{digest(client)}"]


async def check(redis: Redis, email: str, client: str) -> None:
    """Raise TooManyAttempts while either counter is at the limit."""
    for key in _keys(email, client):
        failures = await redis.get(key)
        if failures is not None and int(failures) >= MAX_FAILURES:
            ttl = await redis.ttl(key)
            raise TooManyAttempts(
                "too many failed sign-ins; try again later",
                retry_after=max(int(ttl), 1),
            )


async def record_failure(redis: Redis, email: str, client: str) -> None:
    async with redis.pipeline(transaction=True) as pipe:
        for key in _keys(email, client):
            pipe.incr(key)
            pipe.expire(key, WINDOW_SECONDS, nx=True)
        await pipe.execute()


async def record_success(redis: Redis, email: str) -> None:
    await redis.delete(_keys(email, "")[0])
