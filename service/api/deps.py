"""Request-scoped dependencies: the session factory, the clock and who is calling."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.db.models import Case, Team
from service.problems import Problem
from service.teams import hash_secret


def sessions_of(request: Request[Any, Any, Any]) -> async_sessionmaker[AsyncSession]:
    return request.app.state.sessions


def now_of(request: Request[Any, Any, Any]) -> datetime:
    clock: Callable[[], datetime] = request.app.state.clock
    return clock()


def require_json(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Guard: the body must be declared as JSON (415 otherwise)."""
    content_type = connection.headers.get("content-type", "")
    media_type = content_type.split(";")[0].strip().lower()
    if media_type != "application/json" and not media_type.endswith("+json"):
        raise Problem(
            415,
            "unsupported-media-type",
            f"send the body as application/json (got {media_type or 'no content type'})",
            title="Unsupported media type",
        )


@dataclass(frozen=True)
class Caller:
    """Who is calling: a team (by its API key), ops (the ops key) or a translator."""

    team: str | None = None
    ops: bool = False
    translator: bool = False

    def may_act_for(self, team: str | None) -> bool:
        return self.ops or (team is not None and self.team == team)


def _same(given: str | None, expected: str | None) -> bool:
    return bool(given and expected) and hmac.compare_digest(str(given), str(expected))


async def caller_of(request: Request[Any, Any, Any], session: AsyncSession) -> Caller:
    """Who is calling, from X-Ops-Key, X-Translator-Key or a team's X-Api-Key; else 401."""
    settings = request.app.state.settings
    if _same(request.headers.get("x-ops-key"), settings.ops_api_key):
        return Caller(ops=True, translator=True)
    if _same(request.headers.get("x-translator-key"), settings.translator_api_key):
        return Caller(translator=True)
    api_key = request.headers.get("x-api-key")
    if api_key:
        query = select(Team.key).where(Team.api_key_hash == hash_secret(api_key))
        if team := await session.scalar(query):
            return Caller(team=team)
    raise Problem(
        401,
        "unauthorized",
        "send a team key in X-Api-Key (or the ops key in X-Ops-Key)",
        title="Unauthorized",
        headers={"WWW-Authenticate": 'ApiKey header="X-Api-Key"'},
    )


def ensure_owner(caller: Caller, case: Case) -> None:
    if not caller.may_act_for(case.team_key):
        raise Problem(
            403, "forbidden", f"{case.reference} belongs to another team", title="Forbidden"
        )


def customer_token(request: Request[Any, Any, Any], token: str | None) -> str | None:
    """The customer's token: `Authorization: Bearer …`, else the `?token=` query value."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return token
