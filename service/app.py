"""The Litestar application: `create_app(settings)` wires everything; `app` uses the environment."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime

from litestar import Litestar
from litestar.datastructures import State
from litestar.openapi import OpenAPIConfig

from routing.language import preload as preload_language_model
from service.accounts.controllers import AccountPages
from service.attachments.backends import quarantine_for, storage_for
from service.attachments.controllers import AttachmentController
from service.attachments.scanning import scanner_for
from service.cases.controllers import CaseController, TeamQueueController
from service.db.engine import create_engine, session_factory
from service.http.api_description import describe_errors
from service.http.browser_sessions import STORE, csrf_config, session_config, session_store
from service.http.clean_input import check_input
from service.http.dependencies import DEPENDENCIES
from service.http.health import health
from service.http.no_store import no_store
from service.http.problems import EXCEPTION_HANDLERS
from service.http.rate_limits import STORE as RATE_STORE
from service.http.rate_limits import rate_limit_config, rate_limit_store
from service.i18n.controllers import stats as locale_stats
from service.inbound.controllers import receive_inbound_email
from service.outbox.arq_connection import ArqConnection
from service.outbox.store import drain
from service.settings import Settings
from service.teams.controllers import OpsController
from service.web import static_files, template_config
from service.web.account_pages import AdminPages, MyAccountPages
from service.web.api_docs import swagger_assets, swagger_plugin
from service.web.calendar_pages import CalendarPages
from service.web.caller_intake import CallerIntakePage
from service.web.dashboard_page import DashboardPage
from service.web.ops_pages import OpsPages
from service.web.pages import CustomerPages
from service.web.team_pages import TeamPages
from service.web.translate_page import TranslatePage

log = logging.getLogger("meridian.app")
OUTBOX_COALESCE_SECONDS = 0.05


def _utcnow() -> datetime:
    return datetime.now(UTC)


async def _drain_outbox_forever(app: Litestar) -> None:
    """Hand committed side effects to arq: soon after each change, and every few seconds.

    While Redis is down the rows wait and a retry comes every few seconds, not on every change;
    the outage and the recovery are logged once each."""
    state = app.state
    failing = False
    while True:
        if failing:
            await asyncio.sleep(state.settings.outbox_poll_seconds)
        else:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    state.outbox_nudge.wait(), state.settings.outbox_poll_seconds
                )
                await asyncio.sleep(OUTBOX_COALESCE_SECONDS)  # one drain for a burst of changes
        state.outbox_nudge.clear()
        try:
            await drain(state.sessions, state.arq, now=state.clock())
        except Exception as exc:  # Redis down: rows stay pending until it is back
            if not failing:
                log.warning("outbox drain postponed until Redis answers: %s", exc)
            failing = True
        else:
            if failing:
                log.warning("outbox drain resumed")
            failing = False


def create_app(
    settings: Settings | None = None,
    *,
    clock: Callable[[], datetime] = _utcnow,
    drain_outbox: bool = True,
    freeze_start_heap: bool = False,
) -> Litestar:
    """`freeze_start_heap`: once started (the language model loaded), move every object alive
    to the garbage collector's permanent generation (`gc.freeze`), so that its full collections,
    a pause for every request in flight, no longer walk them (`bench/gc_pause.py`). For a
    process that serves one app; tests, which build many, leave it off."""
    settings = settings or Settings.from_env()
    csrf = csrf_config(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        app.state.settings = settings.with_local_secrets()
        csrf.secret = app.state.settings.secret_key
        await asyncio.to_thread(preload_language_model)
        engine = create_engine(settings.database_url)
        app.state.sessions = session_factory(engine)
        app.state.arq = ArqConnection(settings.redis_url_or_default)
        app.state.outbox_nudge = asyncio.Event()
        app.state.attachments = storage_for(settings.attachments_url, settings.attachments_folder)
        app.state.quarantine = quarantine_for(settings.attachments_url, settings.attachments_folder)
        app.state.scanner = scanner_for(settings.clamd_address)
        drainer = asyncio.create_task(_drain_outbox_forever(app)) if drain_outbox else None
        if freeze_start_heap:
            gc.collect()
            gc.freeze()
        try:
            yield
        finally:
            if drainer:
                drainer.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await drainer
            await app.state.arq.close()
            await app.state.attachments.close()
            await app.state.quarantine.close()
            await engine.dispose()

    app = Litestar(
        route_handlers=[
            CaseController,
            AttachmentController,
            TeamQueueController,
            health,
            locale_stats,
            OpsController,
            receive_inbound_email,
            CustomerPages,
            AccountPages,
            TeamPages,
            CallerIntakePage,
            MyAccountPages,
            AdminPages,
            OpsPages,
            TranslatePage,
            DashboardPage,
            CalendarPages,
            static_files(),
            swagger_assets(),
        ],
        template_config=template_config(),
        stores={STORE: session_store(settings), RATE_STORE: rate_limit_store(settings)},
        middleware=[
            session_config(settings).middleware,
            *([limits.middleware] if (limits := rate_limit_config(settings)) else []),
        ],
        csrf_config=csrf,
        lifespan=[lifespan],
        state=State({"settings": settings, "clock": clock}),
        exception_handlers=EXCEPTION_HANDLERS,
        before_request=check_input,
        after_request=no_store,
        dependencies=DEPENDENCIES,
        request_max_body_size=settings.max_body_bytes,
        logging_config=None,  # service.common.logs configures logging once per process
        openapi_config=OpenAPIConfig(
            title="Meridian",
            version="0.1.0",
            description="Multilingual follow-the-sun complaint routing",
            path="/schema",
            render_plugins=[swagger_plugin()],
        ),
    )
    describe_errors(app)
    return app


app = create_app(freeze_start_heap=True)
