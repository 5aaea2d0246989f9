"""Browser sessions of signed-in people: kept in Redis, the cookie holding only a random id;
CSRF protection on the forms they post."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar.config.csrf import CSRFConfig
from litestar.connection import ASGIConnection
from litestar.middleware.session.server_side import (
    ServerSideSessionBackend,
    ServerSideSessionConfig,
)
from litestar.stores.redis import RedisStore

from service.settings import Settings

STORE = "sessions"
MAX_AGE_SECONDS = 8 * 3600
# Only the sign-in pages and the team workspace run on a session; the JSON API is authenticated
# by headers and the customer pages by their case token.
WITHOUT_SESSION = [
    r"^/$",
    r"^/cases/",
    r"^/api/",
    r"^/api-docs/",
    r"^/static/",
    r"^/schema",
    r"^/health",
]


NEW_SESSION = "new_session_id"
"""Request state key: set by sign-in, so the signed-in session gets an id of its own."""


class RotatingSessionBackend(ServerSideSessionBackend):
    """Server-side sessions whose id is replaced at sign-in: an id known before sign-in (planted
    by someone else, say) never carries a signed-in session."""

    def get_session_id(self, connection: ASGIConnection[Any, Any, Any, Any]) -> str:
        if connection.state.get(NEW_SESSION) is True:
            connection.state[NEW_SESSION] = self.generate_session_id()
        if isinstance(fresh := connection.state.get(NEW_SESSION), str):
            return fresh
        return super().get_session_id(connection)


@dataclass
class RotatingSessionConfig(ServerSideSessionConfig):
    _backend_class = RotatingSessionBackend


def rotate_session_id(connection: ASGIConnection[Any, Any, Any, Any]) -> None:
    """Give this response's session a new id (call at sign-in)."""
    connection.state[NEW_SESSION] = True


def session_store(settings: Settings) -> RedisStore:
    return RedisStore.with_client(url=settings.redis_url_or_default, namespace="meridian:sessions")


def _over_https(settings: Settings) -> bool:
    return settings.public_base_url.startswith("https://")


def session_config(settings: Settings) -> ServerSideSessionConfig:
    return RotatingSessionConfig(
        store=STORE,
        max_age=MAX_AGE_SECONDS,
        secure=_over_https(settings),
        httponly=True,
        samesite="lax",
        exclude=WITHOUT_SESSION,
    )


def csrf_config(settings: Settings) -> CSRFConfig:
    """The secret is the settings' secret key; `create_app` sets it again at start-up, when a
    key made for this installation is known."""
    return CSRFConfig(
        secret=settings.secret_key or "set-at-start-up",
        cookie_secure=_over_https(settings),
        cookie_samesite="strict",
        exclude=WITHOUT_SESSION,
    )
