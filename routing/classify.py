"""Category and severity of a complaint from editable multilingual keyword rules.

The shipped rules are ``routing/classify_rules.toml`` (format described in its header).  Text
and keywords are NFKC-normalised and case-folded.  Keywords of languages written without spaces
(Chinese, Japanese, Korean, Thai, ...) match as substrings; others match whole words unless a
``*`` at an end of the keyword lifts the word boundary on that side.  The rules of the case's
language are tried, then English ones (customers mix in English terms); ``und`` tries all.
"""

from __future__ import annotations

import tomllib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any, cast

from routing.language.tags import names_traditional_chinese
from routing.model import CATEGORIES, SEVERITIES, Category, Severity, Tier

SUBSTRING_LANGUAGES = frozenset({"zh", "ja", "ko", "th", "lo", "km", "my"})
_RANK: Mapping[Severity, int] = {"general": 0, "moderate": 1, "serious": 2}


@dataclass(frozen=True, slots=True)
class Classification:
    """Category and severity, each with the rule that decided it."""

    category: Category
    severity: Severity
    category_rule: str
    severity_rule: str


@dataclass(frozen=True, slots=True)
class Keyword:
    """A normalised keyword and whether each of its ends must fall on a word boundary."""

    text: str
    source: str
    bounded_left: bool
    bounded_right: bool

    @classmethod
    def parse(cls, source: str, *, spaced: bool) -> Keyword:
        text = normalize(source.strip("*"))
        if not text:
            raise ValueError(f"empty keyword {source!r}")
        return cls(
            text, source, spaced and not source.startswith("*"), spaced and not source.endswith("*")
        )

    def found_in(self, text: str) -> bool:
        start = text.find(self.text)
        while start >= 0:
            end = start + len(self.text)
            left_ok = not self.bounded_left or start == 0 or not _is_word_char(text[start - 1])
            right_ok = not self.bounded_right or end == len(text) or not _is_word_char(text[end])
            if left_ok and right_ok:
                return True
            start = text.find(self.text, start + 1)
        return False


@dataclass(frozen=True, slots=True)
class KeywordRule:
    """A named rule: keywords per language tag; ``level`` for severity rules."""

    name: str
    keywords: Mapping[str, tuple[Keyword, ...]]
    level: Severity = "general"

    def first_hit(self, text: str, languages: tuple[str, ...]) -> tuple[str, Keyword] | None:
        for language in languages:
            for keyword in self.keywords.get(language, ()):
                if keyword.found_in(text):
                    return language, keyword
        return None

    def hits(self, text: str, languages: tuple[str, ...]) -> list[tuple[str, Keyword]]:
        return [
            (language, keyword)
            for language in languages
            for keyword in self.keywords.get(language, ())
            if keyword.found_in(text)
        ]


@dataclass(frozen=True, slots=True)
class Rules:
    """Keyword rules in priority order, the repeat-contact rule and per-tier severity floors."""

    categories: tuple[KeywordRule, ...]
    severities: tuple[KeywordRule, ...]
    repeat_contacts: int
    repeat_level: Severity
    tier_floors: Mapping[str, Severity]
    languages: tuple[str, ...]


def normalize(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def _is_word_char(char: str) -> bool:
    return unicodedata.category(char)[0] in "LMN"


def _base(language: str) -> str:
    return language.split("-")[0].lower()


def parse_rules(text: str) -> Rules:
    """Rules from TOML text; ValueError naming what is wrong."""
    document = tomllib.loads(text)
    categories = tuple(
        _keyword_rule(name, table, level=None)
        for name, table in document.get("category", {}).items()
    )
    for rule in categories:
        if rule.name not in CATEGORIES:
            raise ValueError(f"unknown category {rule.name!r} in rules")
    severities = tuple(
        _keyword_rule(name, table, level=table.get("level"))
        for name, table in document.get("severity", {}).items()
    )
    repeat = document.get("repeat-contact", {})
    floors = document.get("tier-floor", {})
    for level in [repeat.get("level", "serious"), *floors.values()]:
        _check_level(level)
    languages = sorted({lang for rule in categories + severities for lang in rule.keywords})
    return Rules(
        categories=categories,
        severities=severities,
        repeat_contacts=int(repeat.get("min_prior_contacts", 3)),
        repeat_level=repeat.get("level", "serious"),
        tier_floors=floors,
        languages=tuple(languages),
    )


def _check_level(level: Any) -> Severity:
    if level not in SEVERITIES:
        raise ValueError(f"unknown severity level {level!r} (expected {', '.join(SEVERITIES)})")
    return cast(Severity, level)


def _keyword_rule(name: str, table: Mapping[str, Any], level: Any) -> KeywordRule:
    keywords = {
        language: tuple(
            Keyword.parse(word, spaced=_base(language) not in SUBSTRING_LANGUAGES) for word in words
        )
        for language, words in table.items()
        if language != "level"
    }
    if level is None:
        return KeywordRule(name, keywords)
    return KeywordRule(name, keywords, _check_level(level))


DEFAULT_RULES = parse_rules(
    resources.files("routing").joinpath("classify_rules.toml").read_text("utf-8")
)


def rule_languages(language: str, rules: Rules) -> tuple[str, ...]:
    """The rule languages to try for text in ``language``, most specific first, English last."""
    parts = [part.lower() for part in language.split("-")]
    if parts[0] in ("", "und"):
        return rules.languages
    if parts[0] == "zh":
        candidates = ["zh-Hant" if names_traditional_chinese(parts[1:]) else "zh-Hans"]
    else:
        candidates = [parts[0]]
    candidates.append("en")
    return tuple(dict.fromkeys(c for c in candidates if c in rules.languages))


def classify(
    text: str,
    language: str,
    *,
    chosen: str | None = None,
    tier: Tier = "standard",
    prior_contacts: int = 0,
    rules: Rules = DEFAULT_RULES,
) -> Classification:
    """Category (the customer's choice unless "other"/None, else keywords) and severity."""
    normalized = normalize(text)
    languages = rule_languages(language, rules)
    category, category_rule = _category(normalized, languages, chosen, rules)
    severity, severity_rule = _severity(normalized, languages, prior_contacts, rules)
    floor = rules.tier_floors.get(tier)
    if floor is not None and _RANK[floor] > _RANK[severity]:
        severity_rule = f"tier {tier}: {severity} raised to {floor}"
        severity = floor
    return Classification(category, severity, category_rule, severity_rule)


def _category(
    text: str, languages: tuple[str, ...], chosen: str | None, rules: Rules
) -> tuple[Category, str]:
    if chosen is not None and chosen != "other":
        if chosen not in CATEGORIES:
            raise ValueError(f"unknown category {chosen!r} (expected {', '.join(CATEGORIES)})")
        return cast(Category, chosen), f"customer chose {chosen}"
    best: tuple[int, KeywordRule, list[tuple[str, Keyword]]] | None = None
    for rule in rules.categories:
        hits = rule.hits(text, languages)
        if hits and (best is None or len(hits) > best[0]):
            best = (len(hits), rule, hits)
    if best is None:
        return "other", "no category keyword matched"
    _, rule, hits = best
    language, keyword = hits[0]
    return cast(Category, rule.name), f"keyword {rule.name}/{language}: {keyword.source!r}"


def _severity(
    text: str, languages: tuple[str, ...], prior_contacts: int, rules: Rules
) -> tuple[Severity, str]:
    severity: Severity = "general"
    reason = "no severity rule matched"
    for rule in rules.severities:
        hit = rule.first_hit(text, languages)
        if hit is not None and _RANK[rule.level] > _RANK[severity]:
            severity, reason = rule.level, f"keyword {rule.name}/{hit[0]}: {hit[1].source!r}"
    if prior_contacts >= rules.repeat_contacts and _RANK[rules.repeat_level] > _RANK[severity]:
        severity = rules.repeat_level
        reason = f"repeat contact: {prior_contacts} prior contacts (>= {rules.repeat_contacts})"
    return severity, reason
