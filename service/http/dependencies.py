"""What handlers receive through Litestar's `Provide`: a database session, the session factory,
the settings, "now", the caller and a way to nudge the outbox drain."""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any

from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.accounts.services import caller_for
from service.accounts.tokens import account_of_token, is_personal_token
from service.attachments.storage import Storage
from service.common.caller import Caller
from service.common.errors import Unauthenticated
from service.common.secrets import hash_secret
from service.db.models import Team
from service.settings import Settings

Sessions = async_sessionmaker[AsyncSession]
Nudge = Callable[[], None]

# What a handler names as a parameter to receive each dependency (see DEPENDENCIES).
DbSession = NamedDependency[AsyncSession]
SessionFactory = NamedDependency[Sessions]
AppSettings = NamedDependency[Settings]
Now = NamedDependency[datetime]
NudgeOutbox = NamedDependency[Nudge]
CurrentCaller = NamedDependency[Caller]
AttachmentStorage = NamedDependency[Storage]
CALLER_KEY = "caller"  # in the request's state, once authenticated
API_KEY_CHALLENGE = 'Bearer, ApiKey header="X-Api-Key"'


async def provide_db_session(state: State) -> AsyncIterator[AsyncSession]:
    """One session per request; services open their transactions on it."""
    async with state.sessions() as session:
        yield session


def provide_sessions(state: State) -> Sessions:
    """The factory, for services that run several transactions (intake, inbound e-mail)."""
    sessions: Sessions = state.sessions
    return sessions


def provide_settings(state: State) -> Settings:
    settings: Settings = state.settings
    return settings


def provide_attachments(state: State) -> Storage:
    storage: Storage = state.attachments
    return storage


def provide_now(state: State) -> datetime:
    clock: Callable[[], datetime] = state.clock
    return clock()


def provide_nudge_outbox(state: State) -> Nudge:
    """Wake the outbox drain now that a transaction has committed side effects."""
    nudge: Nudge = state.outbox_nudge.set
    return nudge


def _same(given: str | None, expected: str | None) -> bool:
    return bool(given and expected) and hmac.compare_digest(str(given), str(expected))


async def authenticate(connection: ASGIConnection[Any, Any, Any, Any]) -> Caller:
    """Who is calling (once a request): a personal token (`Authorization: Bearer mrd_pat_…`),
    the ops key (X-Ops-Key), the translators' key (X-Translator-Key) or a team's X-Api-Key."""
    if isinstance(known := connection.state.get(CALLER_KEY), Caller):
        return known
    settings: Settings = connection.app.state.settings
    caller: Caller | None = None
    bearer = connection.headers.get("authorization", "")
    if bearer.lower().startswith("bearer ") and is_personal_token(token := bearer[7:].strip()):
        clock: Callable[[], datetime] = connection.app.state.clock
        async with connection.app.state.sessions() as session, session.begin():
            account = await account_of_token(session, token, clock())
            caller = await caller_for(session, account)
    elif _same(connection.headers.get("x-ops-key"), settings.ops_api_key):
        caller = Caller(ops=True, translator=True, supervisor=True)
    elif _same(connection.headers.get("x-translator-key"), settings.translator_api_key):
        caller = Caller(translator=True)
    elif api_key := connection.headers.get("x-api-key"):
        async with connection.app.state.sessions() as session:
            query = select(Team.key).where(Team.api_key_hash == hash_secret(api_key))
            if team := await session.scalar(query):
                caller = Caller(teams=frozenset({team}))
    if caller is None:
        raise Unauthenticated(
            "send a personal token (Authorization: Bearer) or a team key in X-Api-Key",
            challenge=API_KEY_CHALLENGE,
        )
    connection.state[CALLER_KEY] = caller
    return caller


async def provide_caller(request: ASGIConnection[Any, Any, Any, Any]) -> Caller:
    return await authenticate(request)


def is_staff(connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
    """The request carries staff credentials (a personal token or an API key), not a
    customer's case token."""
    bearer = connection.headers.get("authorization", "")
    personal = bearer.lower().startswith("bearer ") and is_personal_token(bearer[7:].strip())
    return personal or any(h in connection.headers for h in ("x-api-key", "x-ops-key"))


def customer_token(connection: ASGIConnection[Any, Any, Any, Any], token: str | None) -> str | None:
    """The customer's token: `Authorization: Bearer …`, else the `?token=` query value."""
    header = connection.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return token


DEPENDENCIES: dict[str, Provide] = {
    "db_session": Provide(provide_db_session),
    "sessions": Provide(provide_sessions, sync_to_thread=False),
    "settings": Provide(provide_settings, sync_to_thread=False),
    "now": Provide(provide_now, sync_to_thread=False),
    "attachments": Provide(provide_attachments, sync_to_thread=False),
    "nudge_outbox": Provide(provide_nudge_outbox, sync_to_thread=False),
    "caller": Provide(provide_caller),
}
