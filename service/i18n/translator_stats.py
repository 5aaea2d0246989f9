"""Translation coverage weighted by demand: which missing strings hurt the most customers."""

from __future__ import annotations

from datetime import datetime, timedelta

import msgspec
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.models import Case
from service.i18n.catalogs import catalog_stats, locales_dir, weighted_stats


class LocaleStat(msgspec.Struct):
    locale: str
    has_catalog: bool
    share_of_cases: float
    missing: int
    fuzzy: int
    total: int
    weighted_missing: float


class LocaleStats(msgspec.Struct):
    days: int
    cases: int
    locales: list[LocaleStat]


async def demand_by_language(session: AsyncSession, since: datetime) -> dict[str, int]:
    """Incoming cases per detected language since `since`."""
    rows = await session.execute(
        select(Case.language, func.count()).where(Case.created_at >= since).group_by(Case.language)
    )
    return dict(rows.all())


async def locale_stats(session: AsyncSession, *, now: datetime, days: int) -> LocaleStats:
    demand = await demand_by_language(session, now - timedelta(days=days))
    rows = weighted_stats(catalog_stats(locales_dir()), demand)
    return LocaleStats(
        days=days,
        cases=sum(demand.values()),
        locales=[
            LocaleStat(
                locale=row.locale,
                has_catalog=row.has_catalog,
                share_of_cases=round(row.share, 4),
                missing=row.missing,
                fuzzy=row.fuzzy,
                total=row.total,
                weighted_missing=round(row.weighted_missing, 4),
            )
            for row in rows
        ],
    )


def render_table(stats: LocaleStats) -> str:
    lines = [
        f"{stats.cases} case(s) in the last {stats.days} day(s)",
        f"{'locale':10} {'share':>7} {'missing':>8} {'fuzzy':>6} {'total':>6} {'weighted':>9}",
    ]
    for row in stats.locales:
        name = row.locale if row.has_catalog else f"{row.locale}*"
        lines.append(
            f"{name:10} {row.share_of_cases:7.1%} {row.missing:8d} {row.fuzzy:6d} "
            f"{row.total:6d} {row.weighted_missing:9.4f}"
        )
    if any(not row.has_catalog for row in stats.locales):
        lines.append("* detected language with no catalog at all (customers get English)")
    return "\n".join(lines)
