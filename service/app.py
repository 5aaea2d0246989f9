"""The Litestar application: `create_app(settings)` wires everything; `app` uses the environment."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime

from litestar import Litestar
from litestar.datastructures import State
from litestar.openapi import OpenAPIConfig

from routing.language import preload as preload_language_model
from service.api.cases import CaseController
from service.api.health import health
from service.api.inbound import receive_inbound_email
from service.api.locales import stats as locale_stats
from service.api.ops import OpsController
from service.api.survey import answer_case_survey
from service.api.teams import TeamController
from service.db.engine import create_engine, session_factory
from service.outbox import drain
from service.problems import EXCEPTION_HANDLERS
from service.queue import QueueConnection
from service.settings import Settings
from service.web import static_files, template_config
from service.web.api_docs import swagger_assets, swagger_plugin
from service.web.pages import CustomerPages

log = logging.getLogger("meridian.app")
OUTBOX_COALESCE_SECONDS = 0.05


def _utcnow() -> datetime:
    return datetime.now(UTC)


async def _drain_outbox_forever(app: Litestar) -> None:
    """Hand committed side effects to arq: soon after each change, and every few seconds."""
    state = app.state
    while True:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(state.outbox_nudge.wait(), state.settings.outbox_poll_seconds)
            await asyncio.sleep(OUTBOX_COALESCE_SECONDS)  # one drain for a burst of changes
        state.outbox_nudge.clear()
        try:
            await drain(state.sessions, state.queue, now=state.clock())
        except Exception as exc:  # Redis down: rows stay pending until it is back
            log.warning("outbox drain postponed: %s", exc)


def create_app(
    settings: Settings | None = None,
    *,
    clock: Callable[[], datetime] = _utcnow,
    drain_outbox: bool = True,
) -> Litestar:
    settings = settings or Settings.from_env()

    @contextlib.asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        await asyncio.to_thread(preload_language_model)
        engine = create_engine(settings.database_url)
        app.state.sessions = session_factory(engine)
        app.state.queue = QueueConnection(settings.redis_url or "redis://127.0.0.1:6379/0")
        app.state.outbox_nudge = asyncio.Event()
        drainer = asyncio.create_task(_drain_outbox_forever(app)) if drain_outbox else None
        try:
            yield
        finally:
            if drainer:
                drainer.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await drainer
            await app.state.queue.close()
            await engine.dispose()

    return Litestar(
        route_handlers=[
            CaseController,
            TeamController,
            health,
            locale_stats,
            OpsController,
            receive_inbound_email,
            answer_case_survey,
            CustomerPages,
            static_files(),
            swagger_assets(),
        ],
        template_config=template_config(),
        lifespan=[lifespan],
        state=State({"settings": settings, "clock": clock}),
        exception_handlers=EXCEPTION_HANDLERS,
        request_max_body_size=settings.max_body_bytes,
        logging_config=None,  # service.logs configures logging once per process
        openapi_config=OpenAPIConfig(
            title="Meridian",
            version="0.1.0",
            description="Multilingual follow-the-sun complaint routing",
            path="/schema",
            render_plugins=[swagger_plugin()],
        ),
    )


app = create_app()
