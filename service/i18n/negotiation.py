"""Which catalog serves a customer: locale tags, Accept-Language, fallbacks, direction."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cache
from typing import Literal

from babel import Locale

from routing.language.tags import LANGUAGE_ALIASES as _LANGUAGE_ALIASES
from routing.language.tags import TRADITIONAL_CHINESE_REGIONS as _TRADITIONAL_CHINESE_REGIONS

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


@dataclass(frozen=True)
class LocaleChoice:
    """The catalog chosen for a customer and how it was reached."""

    locale: str
    tag: str
    fallback_from: str | None
    has_catalog: bool
    direction: Direction


@dataclass(frozen=True)
class _Tag:
    language: str
    script: str | None
    region: str | None

    @property
    def bcp47(self) -> str:
        return "-".join(part for part in (self.language, self.script, self.region) if part)


def parse_tag(raw: str | None) -> _Tag | None:
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
        tag = parse_tag(raw_tag)
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
    return catalog_name(locale).replace("_", "-")


def text_direction(locale: str) -> Direction:
    """Writing direction of a catalog's language."""
    return _catalog_direction(catalog_name(locale))


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
    if (declared_tag := parse_tag(declared)) is not None:
        wanted.append(declared_tag)
    if (detected_tag := parse_tag(language)) is not None:
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


def catalog_name(locale: str) -> str:
    """A supported catalog name for a catalog name or any locale tag (unknown ones give en)."""
    if locale in SUPPORTED:
        return locale
    return negotiate(language=None, declared=locale).locale
