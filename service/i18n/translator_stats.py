"""Translation coverage weighted by demand: which missing strings hurt the most customers."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import msgspec
from babel.messages.catalog import Message
from babel.messages.pofile import read_po
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.models import Case
from service.i18n.catalogs import DOMAIN, locales_dir
from service.i18n.negotiation import negotiate, parse_tag


@dataclass(frozen=True)
class CatalogStat:
    """Translation progress of one catalog; translated + fuzzy + missing == total."""

    locale: str
    translated: int
    fuzzy: int
    missing: int
    total: int


@dataclass(frozen=True)
class WeightedStat:
    """A language's share of incoming cases and how much of that demand meets English instead.

    ``weighted_missing`` is (missing + fuzzy) / total x share: fuzzy entries are not compiled, so
    customers see English for them too. Languages without a catalog have ``has_catalog`` False,
    ``locale`` set to their primary language subtag and ``weighted_missing`` equal to ``share``.
    """

    locale: str
    share: float
    missing: int
    fuzzy: int
    total: int
    weighted_missing: float
    has_catalog: bool


def catalog_stats(directory: Path) -> list[CatalogStat]:
    """Translation progress of every <locale>/LC_MESSAGES/messages.po under a directory."""
    stats = []
    for po_path in sorted(directory.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file)
        messages = [message for message in catalog if message.id]
        fuzzy = sum(1 for message in messages if message.fuzzy)
        translated = sum(1 for message in messages if not message.fuzzy and _is_complete(message))
        stats.append(
            CatalogStat(
                locale=po_path.parents[1].name,
                translated=translated,
                fuzzy=fuzzy,
                missing=len(messages) - translated - fuzzy,
                total=len(messages),
            )
        )
    return stats


def untranslated(directory: Path, locale: str, limit: int = 100) -> list[str]:
    """The source strings of `locale`'s catalog still missing or fuzzy (customers get English
    for them), in catalog order, at most `limit`."""
    po_path = directory / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
    with po_path.open("rb") as po_file:
        catalog = read_po(po_file)
    found = []
    for message in catalog:
        if message.id and (message.fuzzy or not _is_complete(message)):
            found.append(message.id if isinstance(message.id, str) else message.id[0])
            if len(found) == limit:
                break
    return found


def _is_complete(message: Message) -> bool:
    """Whether a message has its translation, every plural form included."""
    strings = message.string
    forms = strings if isinstance(strings, (list, tuple)) else (strings,)
    return all(forms)


def weighted_stats(stats: Iterable[CatalogStat], demand: Mapping[str, int]) -> list[WeightedStat]:
    """Rank catalogs and uncovered languages by the share of cases that would meet English.

    ``demand`` counts incoming cases per detected language tag. Shares are of all counted cases;
    undetermined or malformed tags count towards the total but get no row.
    """
    total_cases = sum(count for count in demand.values() if count > 0)
    locale_cases: dict[str, int] = defaultdict(int)
    uncovered_cases: dict[str, int] = defaultdict(int)
    for tag, count in demand.items():
        parsed = parse_tag(tag)
        if count <= 0 or parsed is None:
            continue
        choice = negotiate(language=tag)
        if choice.has_catalog:
            locale_cases[choice.locale] += count
        else:
            uncovered_cases[parsed.language] += count

    def share(cases: int) -> float:
        return cases / total_cases if total_cases else 0.0

    rows = [
        WeightedStat(
            locale=stat.locale,
            share=share(locale_cases[stat.locale]),
            missing=stat.missing,
            fuzzy=stat.fuzzy,
            total=stat.total,
            weighted_missing=(
                (stat.missing + stat.fuzzy) / stat.total * share(locale_cases[stat.locale])
                if stat.total
                else 0.0
            ),
            has_catalog=True,
        )
        for stat in stats
    ]
    rows.extend(
        WeightedStat(
            locale=language,
            share=share(cases),
            missing=0,
            fuzzy=0,
            total=0,
            weighted_missing=share(cases),
            has_catalog=False,
        )
        for language, cases in uncovered_cases.items()
    )
    return sorted(rows, key=lambda row: (-row.weighted_missing, -row.share, row.locale))


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
