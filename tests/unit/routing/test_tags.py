"""The one table of language-tag facts, and that the routing modules read it alike."""

from __future__ import annotations

import pytest

from routing.classify import DEFAULT_RULES, rule_languages
from routing.language.tags import (
    LANGUAGE_ALIASES,
    SIMPLIFIED_CHINESE_REGIONS,
    TRADITIONAL_CHINESE_REGIONS,
    canonical_tag,
    chinese_script_of_region,
    names_traditional_chinese,
)
from routing.router import language_key


def test_the_tables() -> None:
    assert frozenset({"TW", "HK", "MO"}) == TRADITIONAL_CHINESE_REGIONS
    assert frozenset({"CN", "SG", "MY"}) == SIMPLIFIED_CHINESE_REGIONS
    assert dict(LANGUAGE_ALIASES) == {"in": "id"}


@pytest.mark.parametrize(
    ("subtags", "traditional"),
    [
        ([], False),
        (["hant"], True),
        (["tw"], True),
        (["hk"], True),
        (["mo"], True),
        (["hant", "cn"], True),
        (["hans", "tw"], True),  # any Traditional subtag counts, wherever it stands
        (["hans"], False),
        (["cn"], False),
        (["sg"], False),
        (["419"], False),
    ],
)
def test_names_traditional_chinese(subtags: list[str], traditional: bool) -> None:
    assert names_traditional_chinese(subtags) is traditional


@pytest.mark.parametrize(
    ("region", "script"),
    [
        ("TW", "Hant"),
        ("HK", "Hant"),
        ("MO", "Hant"),
        ("CN", "Hans"),
        ("SG", "Hans"),
        ("MY", "Hans"),
        ("US", None),
        ("419", None),
        (None, None),
    ],
)
def test_chinese_script_of_region(region: str | None, script: str | None) -> None:
    assert chinese_script_of_region(region) == script


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("zh-hant", "zh-Hant"),
        ("PT-br", "pt-BR"),
        ("en", "en"),
        ("es-419", "es-419"),
        ("und", None),
        ("xx", None),
        ("e1", None),
        ("zh_Hant", None),
    ],
)
def test_canonical_tags(tag: str, expected: str | None) -> None:
    assert canonical_tag(tag) == expected


@pytest.mark.parametrize("region", sorted(TRADITIONAL_CHINESE_REGIONS | SIMPLIFIED_CHINESE_REGIONS))
def test_router_and_classifier_agree_on_the_script_of_each_region(region: str) -> None:
    script = chinese_script_of_region(region)
    assert language_key(f"zh-{region}") == f"zh-{script}".lower()
    assert rule_languages(f"zh-{region}", DEFAULT_RULES)[0] == f"zh-{script}"
