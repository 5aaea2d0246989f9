"""Browser sessions of signed-in people: kept in Redis, the cookie holding only a random id;
CSRF protection on the forms they post."""

from __future__ import annotations

from litestar.config.csrf import CSRFConfig
from litestar.middleware.session.server_side import ServerSideSessionConfig
from litestar.stores.redis import RedisStore

from service.settings import DEFAULT_REDIS_URL, Settings

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


def session_store(settings: Settings) -> RedisStore:
    return RedisStore.with_client(
        url=settings.redis_url or DEFAULT_REDIS_URL, namespace="meridian:sessions"
    )


def _over_https(settings: Settings) -> bool:
    return settings.public_base_url.startswith("https://")


def session_config(settings: Settings) -> ServerSideSessionConfig:
    return ServerSideSessionConfig(
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
