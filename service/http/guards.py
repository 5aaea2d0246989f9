"""Guards: who may call a route and in which format the body must come."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler

from service.common.errors import Forbidden, UnsupportedFormat
from service.http.dependencies import authenticate

Guard = Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], Any]
TOML = "application/toml"
RAW_MESSAGE_TYPES = frozenset({"message/rfc822", "application/octet-stream"})


def _media_type(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    return connection.headers.get("content-type", "").split(";")[0].strip().lower()


def body_as(description: str, accepted: Collection[str], *, json_suffix: bool = False) -> Guard:
    """Guard: the body must be declared as one of `accepted` media types (415 otherwise)."""

    # Async, as every guard here: Litestar runs a plain function guard in a worker thread.
    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        media_type = _media_type(connection)
        if media_type in accepted or (json_suffix and media_type.endswith("+json")):
            return
        raise UnsupportedFormat(
            f"send the {description} (got {media_type or 'no content type'})",
            title="Unsupported media type",
        )

    # Read by the API document (service/http/api_description.py).
    guard.media_types = frozenset(accepted)  # type: ignore[attr-defined]
    guard.description = description  # type: ignore[attr-defined]
    return guard


require_json = body_as("body as application/json", {"application/json"}, json_suffix=True)
require_toml = body_as(f"team file as {TOML}", {TOML})
require_raw_message = body_as(
    "raw message as message/rfc822 or application/octet-stream", RAW_MESSAGE_TYPES
)


async def authenticated(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """Guard: a team, ops or translator key (401 otherwise)."""
    await authenticate(connection)


async def ops_only(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    if not (await authenticate(connection)).ops:
        raise Forbidden("ops only: send the ops key (X-Ops-Key)")


async def translators_only(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    if not (await authenticate(connection)).translator:
        raise Forbidden("translators and ops only")


async def team_in_path(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Guard: the caller is the team named by the `team` path parameter, or ops."""
    team = connection.path_params["team"]
    if not (await authenticate(connection)).may_act_for(team):
        raise Forbidden(f"this key cannot read the queue of {team}")
