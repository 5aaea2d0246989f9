"""GET /health: database, Redis and worker heartbeat."""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, Response, get
from sqlalchemy import text

from service.api.deps import sessions_of
from service.outbox import pending
from service.queue import QueueConnection
from service.schemas import HealthCheck

log = logging.getLogger("meridian.health")


@get("/health", operation_id="health", tags=["ops"], summary="Liveness of every part")
async def health(request: Request[Any, Any, Any]) -> Response[HealthCheck]:
    database, outbox = "ok", None
    try:
        async with sessions_of(request)() as session:
            await session.execute(text("SELECT 1"))
            outbox = await pending(session)
    except Exception as exc:  # any driver error means the database is not usable
        log.warning("health: database check failed: %s", exc)
        database = "unavailable"
    queue: QueueConnection = request.app.state.queue
    redis, worker, age = "ok", "down", None
    try:
        age = await queue.worker_heartbeat_age()
        worker = "ok" if age is not None else "down"
    except Exception as exc:  # connection refused, timeout, …
        log.warning("health: redis check failed: %s", exc)
        redis, worker = "unavailable", "unknown"
    healthy = database == "ok" and redis == "ok" and worker == "ok"
    body = HealthCheck(
        status="ok" if healthy else "degraded",
        database=database,
        redis=redis,
        worker=worker,
        worker_heartbeat_age_seconds=age,
        outbox_pending=outbox,
    )
    return Response(body, status_code=200 if database == "ok" else 503)
