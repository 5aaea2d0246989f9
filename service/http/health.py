"""GET /health: database, Redis and worker heartbeat."""

from __future__ import annotations

import logging
from typing import Literal

import msgspec
from litestar import Response, get
from litestar.datastructures import State
from sqlalchemy import text

from service.http.dependencies import DbSession
from service.outbox.arq_connection import ArqConnection
from service.outbox.store import pending

log = logging.getLogger("meridian.health")


class HealthCheck(msgspec.Struct):
    status: Literal["ok", "degraded"]
    database: str
    redis: str
    worker: str
    worker_heartbeat_age_seconds: float | None
    outbox_pending: int | None


@get("/health", operation_id="health", tags=["ops"], summary="Liveness of every part")
async def health(db_session: DbSession, state: State) -> Response[HealthCheck]:
    database, outbox = "ok", None
    try:
        await db_session.execute(text("SELECT 1"))
        outbox = await pending(db_session)
    except Exception as exc:  # any driver error means the database is not usable
        log.warning("health: database check failed: %s", exc)
        database = "unavailable"
    arq: ArqConnection = state.arq
    redis, worker, age = "ok", "down", None
    try:
        age = await arq.worker_heartbeat_age()
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
