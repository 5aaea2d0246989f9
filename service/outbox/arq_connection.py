"""The arq connection of a process, opened lazily so a Redis outage never blocks intake."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from arq.connections import ArqRedis, RedisSettings, create_pool

log = logging.getLogger("meridian.arq")
HEALTH_CHECK_KEY = "arq:queue:health-check"
WORKER_HEALTH_INTERVAL = 10


def redis_settings(url: str) -> RedisSettings:
    settings = RedisSettings.from_dsn(url)
    settings.conn_timeout = 2
    settings.conn_retries = 0
    return settings


@dataclass
class ArqConnection:
    url: str
    _pool: ArqRedis | None = field(default=None, repr=False)

    async def pool(self) -> ArqRedis:
        """The open pool, connecting first if needed; raises if Redis cannot be reached."""
        if self._pool is None:
            self._pool = await create_pool(redis_settings(self.url))
        return self._pool

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.aclose()
            self._pool = None

    async def worker_heartbeat_age(self) -> float | None:
        """Seconds since an arq worker last wrote its health-check key, None if none is alive."""
        pool = await self.pool()
        ttl_ms = await pool.pttl(HEALTH_CHECK_KEY)
        if ttl_ms is None or ttl_ms < 0:
            return None
        return max(0.0, (WORKER_HEALTH_INTERVAL + 1) - ttl_ms / 1000)
