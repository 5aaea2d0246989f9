"""Locale negotiation, gettext catalogs and locale-aware formatting for customer-facing text."""

from __future__ import annotations

import io
import math
import os
import re
import tempfile
import threading
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale
from babel.dates import format_datetime
from babel.messages.catalog import Message
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from routing.language.tags import LANGUAGE_ALIASES as _LANGUAGE_ALIASES
from routing.language.tags import TRADITIONAL_CHINESE_REGIONS as _TRADITIONAL_CHINESE_REGIONS
from service.settings import PROJECT_ROOT

SUPPORTED: tuple[str, ...] = (
    "en",
    "zh_Hans",
    "zh_Hant",
    "ja",
    "ko",
    "es",
    "pt_BR",
    "fr",
    "de",
    "it",
    "ru",
    "ar",
    "hi",
    "id",
    "vi",
    "th",
    "tr",
)
DEFAULT_LOCALE = "en"
DOMAIN = "messages"
LOCALES_DIR_ENV = "MERIDIAN_LOCALES_DIR"

Direction = Literal["ltr", "rtl"]

# Catalog serving each language; a catalog name with a region (pt_BR) serves other regions only
# as a recorded fallback. Chinese is resolved by script, see _match.
_CATALOG_FOR_LANGUAGE: dict[str, str] = {
    name.split("_")[0]: name for name in SUPPORTED if not name.startswith("zh")
}
_TAG_PATTERN = re.compile(
    r"(?P<language>[a-z]{2,3})(?:-(?P<script>[a-z]{4}))?(?:-(?P<region>[a-z]{2}|\d{3}))?"
    r"(?:-[a-z0-9]{1,8})*",
    re.IGNORECASE,
)
_UNDETERMINED = frozenset({"und", "mul", "zxx", "mis"})
_SECONDS_FIELD = re.compile(r"[:.]ss|\s*s{1,2}\s*(?:초|秒|วินาที)")


@dataclass(frozen=True)
class LocaleChoice:
    """The catalog chosen for a customer and how it was reached."""

    locale: str
    tag: str
    fallback_from: str | None
    has_catalog: bool
    direction: Direction


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


@dataclass(frozen=True)
class _Tag:
    language: str
    script: str | None
    region: str | None

    @property
    def bcp47(self) -> str:
        return "-".join(part for part in (self.language, self.script, self.region) if part)


def _parse_tag(raw: str | None) -> _Tag | None:
    """Parse a BCP 47 or POSIX-style locale tag; None when missing, undetermined or malformed."""
    if not raw:
        return None
    text = re.split(r"[.@]", raw.strip(), maxsplit=1)[0].replace("_", "-")
    found = _TAG_PATTERN.fullmatch(text)
    if found is None:
        return None
    language = found["language"].lower()
    if language in _UNDETERMINED:
        return None
    script, region = found["script"], found["region"]
    return _Tag(
        language=_LANGUAGE_ALIASES.get(language, language),
        script=script.title() if script else None,
        region=region.upper() if region else None,
    )


def _parse_accept_language(header: str | None) -> list[_Tag]:
    """Tags of an Accept-Language header by descending q, header order breaking ties."""
    if not header:
        return []
    weighted: list[tuple[float, _Tag]] = []
    for entry in header.split(","):
        raw_tag, *params = (part.strip() for part in entry.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = math.nan
        tag = _parse_tag(raw_tag)
        if tag is not None and 0 < quality <= 1:
            weighted.append((quality, tag))
    weighted.sort(key=lambda item: -item[0])
    return [tag for _, tag in weighted]


def accept_language_tags(header: str | None) -> list[str]:
    """BCP 47 tags of an Accept-Language header, most preferred first; malformed ones skipped."""
    return [tag.bcp47 for tag in _parse_accept_language(header)]


def _with_region(detected: _Tag, accepted: list[_Tag], country: str | None) -> _Tag:
    """Complete a detected language with script/region from Accept-Language, then country."""
    script, region = detected.script, detected.region
    if region is None:
        for tag in accepted:
            if tag.language == detected.language and (tag.region or tag.script):
                script, region = script or tag.script, tag.region
                break
    if region is None and country and re.fullmatch(r"[A-Za-z]{2}", country.strip()):
        region = country.strip().upper()
    return _Tag(detected.language, script, region)


def _match(tag: _Tag) -> tuple[str, bool] | None:
    """The catalog for a tag and whether it serves that exact variant; None without a catalog."""
    if tag.language == "zh":
        traditional = tag.script == "Hant" or (
            tag.script is None and tag.region in _TRADITIONAL_CHINESE_REGIONS
        )
        return ("zh_Hant" if traditional else "zh_Hans"), True
    catalog = _CATALOG_FOR_LANGUAGE.get(tag.language)
    if catalog is None:
        return None
    _, _, catalog_region = catalog.partition("_")
    return catalog, not catalog_region or tag.region in (None, catalog_region)


def language_tag(locale: str) -> str:
    """BCP 47 tag of the catalog serving a locale, e.g. zh_Hant -> zh-Hant."""
    return _catalog_name(locale).replace("_", "-")


def text_direction(locale: str) -> Direction:
    """Writing direction of a catalog's language."""
    return _catalog_direction(_catalog_name(locale))


@cache
def _catalog_direction(catalog: str) -> Direction:
    return "rtl" if Locale.parse(catalog).text_direction == "rtl" else "ltr"


def _choice(locale: str, *, fallback_from: str | None, has_catalog: bool) -> LocaleChoice:
    return LocaleChoice(
        locale=locale,
        tag=language_tag(locale),
        fallback_from=fallback_from,
        has_catalog=has_catalog,
        direction=text_direction(locale),
    )


def negotiate(
    *,
    language: str | None,
    accept_language: str | None = None,
    declared: str | None = None,
    country: str | None = None,
) -> LocaleChoice:
    """Choose the catalog for a customer: declared locale, detected language, Accept-Language.

    ``fallback_from`` is the most wanted tag whenever it is not served as asked (pt-PT answered
    in pt_BR, sw answered in English). ``has_catalog`` is False when none of the wanted languages
    has a catalog and English is only the last resort. Malformed tags are skipped.
    """
    accepted = _parse_accept_language(accept_language)
    wanted: list[_Tag] = []
    if (declared_tag := _parse_tag(declared)) is not None:
        wanted.append(declared_tag)
    if (detected_tag := _parse_tag(language)) is not None:
        wanted.append(_with_region(detected_tag, accepted, country))
    wanted.extend(accepted)
    for position, tag in enumerate(wanted):
        matched = _match(tag)
        if matched is not None:
            locale, exact = matched
            served_as_asked = position == 0 and exact
            fallback_from = None if served_as_asked else wanted[0].bcp47
            return _choice(locale, fallback_from=fallback_from, has_catalog=True)
    if wanted:
        return _choice(DEFAULT_LOCALE, fallback_from=wanted[0].bcp47, has_catalog=False)
    return _choice(DEFAULT_LOCALE, fallback_from=None, has_catalog=True)


def _catalog_name(locale: str) -> str:
    """A supported catalog name for a catalog name or any locale tag (unknown ones give en)."""
    if locale in SUPPORTED:
        return locale
    return negotiate(language=None, declared=locale).locale


def locales_dir() -> Path:
    """Directory holding <locale>/LC_MESSAGES/messages.po (env MERIDIAN_LOCALES_DIR overrides)."""
    override = os.environ.get(LOCALES_DIR_ENV)
    return Path(override) if override else PROJECT_ROOT / "locales"


def _compiled_catalog(po_path: Path) -> bytes | None:
    """The .mo bytes of a catalog, compiling a missing or stale .mo next to its .po."""
    mo_path = po_path.with_suffix(".mo")
    po_exists = po_path.is_file()
    if mo_path.is_file() and (not po_exists or mo_path.stat().st_mtime >= po_path.stat().st_mtime):
        return mo_path.read_bytes()
    if not po_exists:
        return None
    with po_path.open("rb") as po_file:
        catalog = read_po(po_file)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    data = buffer.getvalue()
    tmp_path: Path | None = None
    try:
        with tempfile.NamedTemporaryFile(dir=po_path.parent, suffix=".tmp", delete=False) as tmp:
            tmp_path = Path(tmp.name)
            tmp.write(data)
        tmp_path.chmod(0o644)
        tmp_path.replace(mo_path)
    except OSError:  # read-only install: serve the in-memory compilation
        if tmp_path is not None:
            tmp_path.unlink(missing_ok=True)
    return data


_translations_cache: dict[tuple[Path, str], Translations] = {}
_translations_lock = threading.RLock()


def _load_translations(directory: Path, locale: str) -> Translations:
    key = (directory, locale)
    with _translations_lock:
        if key in _translations_cache:
            return _translations_cache[key]
        data = _compiled_catalog(directory / locale / "LC_MESSAGES" / f"{DOMAIN}.po")
        loaded = Translations(io.BytesIO(data), domain=DOMAIN) if data else Translations()
        if locale != DEFAULT_LOCALE:
            loaded.add_fallback(_load_translations(directory, DEFAULT_LOCALE))
        _translations_cache[key] = loaded
        return loaded


def translations(locale: str) -> Translations:
    """Translations of a catalog (any tag is negotiated), falling back to en, then to msgids."""
    return _load_translations(locales_dir(), _catalog_name(locale))


def _zone(tz: str | None) -> ZoneInfo:
    """The customer's zone, UTC when unknown or invalid."""
    if tz:
        try:
            return ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return ZoneInfo("UTC")


@cache
def _due_pattern(locale: str) -> str:
    """The locale's full date with hours and minutes and the long zone name (no seconds)."""
    babel_locale = Locale.parse(locale)
    time_pattern = _SECONDS_FIELD.sub("", babel_locale.time_formats["full"].pattern)
    date_pattern = babel_locale.date_formats["full"].pattern
    glue = str(babel_locale.datetime_formats["full"])
    return glue.replace("{1}", date_pattern).replace("{0}", time_pattern)


def format_due(dt: datetime, tz: str | None, locale: str) -> str:
    """A due time as the customer reads it: local date, time rounded up to the minute, zone."""
    if dt.tzinfo is None:
        raise ValueError("due times must be timezone-aware")
    instant = dt.astimezone(UTC)
    if instant.second or instant.microsecond:
        instant = instant.replace(second=0, microsecond=0) + timedelta(minutes=1)
    catalog = _catalog_name(locale)
    return format_datetime(instant, _due_pattern(catalog), tzinfo=_zone(tz), locale=catalog)


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
        parsed = _parse_tag(tag)
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
