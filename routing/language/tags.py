"""Language tags: which regions mean which Chinese script, legacy codes, and BCP 47 casing.

The one place these facts are written down; the router, the classifier, the detector, the team
file and the service's locale negotiation read them from here.  Regions are upper case as BCP 47
writes them (``TW``); callers that compare lower-cased subtags use
:func:`names_traditional_chinese`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Literal

from babel import Locale, UnknownLocaleError

ChineseScript = Literal["Hans", "Hant"]

TRADITIONAL_CHINESE_REGIONS: frozenset[str] = frozenset({"TW", "HK", "MO"})
"""Regions where Chinese is written in Traditional characters (zh-TW means zh-Hant)."""
SIMPLIFIED_CHINESE_REGIONS: frozenset[str] = frozenset({"CN", "SG", "MY"})
"""Regions where Chinese is written in Simplified characters (zh-SG means zh-Hans)."""
LANGUAGE_ALIASES: Mapping[str, str] = MappingProxyType({"in": "id"})
"""Legacy ISO 639 codes still sent by Java and older Android clients -> the current code."""

_TRADITIONAL_SUBTAGS = frozenset(
    {"hant", *(region.lower() for region in TRADITIONAL_CHINESE_REGIONS)}
)
_TAG = re.compile(r"([a-zA-Z]{2,3})(?:-([a-zA-Z]{4}))?(?:-([a-zA-Z]{2}|\d{3}))?")


def names_traditional_chinese(subtags: Iterable[str]) -> bool:
    """Whether lower-case subtags (those after ``zh``) name Traditional Chinese.

    Any ``hant`` script or ``tw``/``hk``/``mo`` region counts, wherever it stands.
    """
    return not _TRADITIONAL_SUBTAGS.isdisjoint(subtags)


def chinese_script_of_region(region: str | None) -> ChineseScript | None:
    """``Hant`` for TW/HK/MO, ``Hans`` for CN/SG/MY, else None (``region`` in upper case)."""
    if region in TRADITIONAL_CHINESE_REGIONS:
        return "Hant"
    if region in SIMPLIFIED_CHINESE_REGIONS:
        return "Hans"
    return None


def canonical_tag(tag: str) -> str | None:
    """``tag`` with BCP 47 casing (``zh-Hant-TW``), or None when it is no known language tag."""
    match = _TAG.fullmatch(tag)
    if match is None or match[1].lower() == "und":
        return None
    try:
        Locale.parse(match[1].lower())
    except (UnknownLocaleError, ValueError):
        return None
    parts = [match[1].lower()]
    if match[2]:
        parts.append(match[2].title())
    if match[3]:
        parts.append(match[3].upper())
    return "-".join(parts)
