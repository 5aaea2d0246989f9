"""Translator endpoints: catalog coverage weighted by demand."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, get
from litestar.params import QueryParameter

from service.api.deps import caller_of, now_of, sessions_of
from service.locale_stats import LocaleStats, locale_stats
from service.problems import Problem


@get(
    "/api/v1/locales/stats",
    operation_id="localeStats",
    tags=["translators"],
    summary="Catalog coverage weighted by the share of incoming cases per language",
)
async def stats(
    request: Request[Any, Any, Any],
    days: Annotated[int, QueryParameter(name="days", ge=1, le=3650)] = 30,
) -> LocaleStats:
    async with sessions_of(request)() as session:
        caller = await caller_of(request, session)
        if not caller.translator:
            raise Problem(403, "forbidden", "translators and ops only", title="Forbidden")
        return await locale_stats(session, now=now_of(request), days=days)
