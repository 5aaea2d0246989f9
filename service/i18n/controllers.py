"""Translator endpoints: catalog coverage weighted by demand."""

from __future__ import annotations

from typing import Annotated

from litestar import get
from litestar.params import QueryParameter

from service.http.dependencies import DbSession, Now
from service.http.guards import translators_only
from service.i18n.translator_stats import LocaleStats, locale_stats


@get(
    "/api/v1/locales/stats",
    guards=[translators_only],
    operation_id="localeStats",
    tags=["translators"],
    summary="Catalog coverage weighted by the share of incoming cases per language",
)
async def stats(
    db_session: DbSession,
    now: Now,
    days: Annotated[int, QueryParameter(name="days", ge=1, le=3650)] = 30,
) -> LocaleStats:
    return await locale_stats(db_session, now=now, days=days)
