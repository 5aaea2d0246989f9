"""No cache may keep a response that can carry a token or personal data: every response gets
`Cache-Control: no-store` unless its handler says otherwise (the static assets do)."""

from __future__ import annotations

from typing import Any

from litestar import Response
from litestar.datastructures import CacheControlHeader

ASSETS_CACHE = CacheControlHeader(public=True, max_age=3600)
"""Shared assets (style sheet, scripts, API docs): nothing personal, cached for an hour."""


async def no_store(response: Response[Any]) -> Response[Any]:
    """After each handler: `Cache-Control: no-store` unless the response set its own."""
    if "cache-control" not in response.headers:
        response.headers["Cache-Control"] = "no-store"
    return response
