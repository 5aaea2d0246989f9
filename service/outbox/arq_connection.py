"""The arq connection of a process, opened lazily so a Redis outage never blocks intake."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from arq.connections import ArqRedis, RedisSettings, create_pool
from arq.constants import job_key_prefix, result_key_prefix
from arq.jobs import serialize_job
from arq.utils import timestamp_ms

log = logging.getLogger("meridian.arq")
HEALTH_CHECK_KEY = "arq:queue:health-check"
WORKER_HEALTH_INTERVAL = 10

# arq's enqueue_job as one script, so that a batch of jobs goes to Redis in one round trip
# (arq itself takes three per job): skipped if a job or result with its id exists, else stored
# and queued now. KEYS: job key, result key, queue; ARGV: expiry ms, job, job id, score.
_ENQUEUE_UNLESS_KNOWN = """
if redis.call('exists', KEYS[1], KEYS[2]) > 0 then return 0 end
redis.call('psetex', KEYS[1], ARGV[1], ARGV[2])
redis.call('zadd', KEYS[3], ARGV[4], ARGV[3])
return 1
"""

Job = tuple[str, tuple[Any, ...], str]
"""An arq job to enqueue: function name, arguments, job id."""


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

    async def enqueue_unique(self, jobs: Sequence[Job]) -> int:
        """Enqueue each job unless arq knows its id already (queued, running or done), all in
        one round trip; returns how many were new. Raises if Redis cannot be reached."""
        pool = await self.pool()
        script = pool.register_script(_ENQUEUE_UNLESS_KNOWN)
        now_ms, queue, serializer = timestamp_ms(), pool.default_queue_name, pool.job_serializer
        async with pool.pipeline(transaction=False) as pipe:
            for function, args, job_id in jobs:
                job = serialize_job(function, args, {}, None, now_ms, serializer=serializer)
                keys = [job_key_prefix + job_id, result_key_prefix + job_id, queue]
                await script(keys, [pool.expires_extra_ms, job, job_id, now_ms], client=pipe)
            return sum(await pipe.execute())

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
