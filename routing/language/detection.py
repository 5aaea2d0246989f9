"""Language identification of complaint text: script rules first, then langdetect's statistics.

Deterministic and thread-safe: no detector object is shared or seeded, profiles and word lists
are loaded once (on first use, or by `preload()`), and a text always gets the same answer.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace

from hanzidentifier import helpers as _hanzi

from routing.language import scoring as model
from routing.language.tags import LANGUAGE_ALIASES, chinese_script_of_region
from routing.language.text import clean, count_scripts, letters_of, sample

__all__ = ["Detection", "detect", "preload"]


@dataclass(frozen=True, slots=True)
class Detection:
    """The language of a text, how sure we are, its script and which signal decided."""

    language: str
    confidence: float
    script: str
    decided_by: str
    runner_up: str | None = None


UNDETERMINED = Detection("und", 0.0, "Zyyy", "none")

# Scripts that name their language outright.
_SCRIPT_LANGUAGE = {
    "Armn": "hy",
    "Beng": "bn",
    "Bopo": "zh-Hant",
    "Ethi": "am",
    "Geor": "ka",
    "Grek": "el",
    "Gujr": "gu",
    "Guru": "pa",
    "Hebr": "he",
    "Khmr": "km",
    "Knda": "kn",
    "Laoo": "lo",
    "Mlym": "ml",
    "Mong": "mn",
    "Mymr": "my",
    "Orya": "or",
    "Sinh": "si",
    "Syrc": "syr",
    "Taml": "ta",
    "Telu": "te",
    "Thaa": "dv",
    "Thai": "th",
    "Tibt": "bo",
    "Jpan": "ja",
    "Kore": "ko",
}
# Hint languages spelled differently from langdetect's codes (legacy codes among them).
_HINT_ALIASES = {**LANGUAGE_ALIASES, "nb": "no", "nn": "no", "iw": "he", "fil": "tl"}
_HINT_TAG = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")

# Only the first this many characters of a text are read (cleaning is linear, and detection
# then works on a bounded sample of what is left).
_MAX_INPUT = 100_000
# A script holding at least this share of the letters is reported as the runner-up.
_MIXED_SHARE = 0.2
# Latin-script boilerplate is common in other scripts' text, so other letters weigh more; and a
# Han, Kana or Hangul character carries about a syllable.
_UNIT_WEIGHT = {"Latn": 1.0, "Jpan": 3.0, "Kore": 3.0, "Hani": 3.0, "Bopo": 3.0}
_NON_LATIN_WEIGHT = 2.0
# Kana (or Hangul) among Han characters at this share makes the text Japanese (or Korean).
_KANA_SHARE = 0.1
# Prior weight, in nats, of the first hint; each later hint gets half the one before.
_HINT_PRIOR = 1.5
# Below this posterior the best statistical guess yields to a hinted candidate.
_LOW_CONFIDENCE = 0.5
# Sentences of at least this many letters are checked for a second language.
_SEGMENT_LETTERS = 20
_SEGMENT_END = re.compile(r"[.!?;:\n。！？；]+")
# A second candidate with at least this posterior is reported as the runner-up.
_AMBIGUOUS = 0.15
# Log prior of Japanese for Han text without kana: Japanese is rarely written in kanji alone.
_KANJI_ONLY_JAPANESE_PRIOR = -2.0
_SIMPLIFIED_ONLY = frozenset(_hanzi.SIMPLIFIED_CHARACTERS - _hanzi.TRADITIONAL_CHARACTERS)
_TRADITIONAL_ONLY = frozenset(_hanzi.TRADITIONAL_CHARACTERS - _hanzi.SIMPLIFIED_CHARACTERS)


@dataclass(frozen=True, slots=True)
class _Hint:
    language: str  # as langdetect spells it, except "zh" for Chinese
    chinese_variant: str | None  # "Hans" or "Hant" where the tag's script or region says


def preload() -> None:
    """Load the language profiles and word lists now (else the first detect() does)."""
    model.load()


def detect(text: str, hints: Sequence[str] = ()) -> Detection:
    """Detect the language of `text`; `hints` are the customer's locales, most preferred first."""
    parsed_hints = [hint for tag in hints if (hint := _parse_hint(tag)) is not None]
    prose = sample(clean(text[:_MAX_INPUT]))
    units = {
        unit: count * _UNIT_WEIGHT.get(unit, _NON_LATIN_WEIGHT)
        for unit, count in _script_units(count_scripts(prose)).items()
    }
    if not units:
        return UNDETERMINED
    total = sum(units.values())
    (main_unit, main_count), *others = sorted(units.items(), key=lambda item: -item[1])
    detection = _detect_unit(main_unit, prose, parsed_hints, main_count / total)
    if others:
        second_unit, second_count = others[0]
        if second_count / total >= _MIXED_SHARE:
            other = _detect_unit(second_unit, prose, parsed_hints, second_count / total)
            if other.language != detection.language:
                return replace(detection, runner_up=other.language)
    return detection


def _script_units(counts: Counter[str]) -> Counter[str]:
    """Letter counts per writing system: Han joins Kana as Jpan and Hangul as Kore."""
    units = Counter(counts)
    han, kana, hangul = units.pop("Hani", 0), units.pop("Kana", 0), units.pop("Hang", 0)
    if kana and kana >= _KANA_SHARE * (han + kana) and kana >= hangul:
        units["Jpan"] = han + kana
        han = 0
    elif kana:
        units["Jpan"] = kana
    if hangul and hangul >= _KANA_SHARE * (han + hangul):
        units["Kore"] = han + hangul
        han = 0
    if han:
        units["Hani"] = han
    return units


def _detect_unit(unit: str, prose: str, hints: Sequence[_Hint], share: float) -> Detection:
    language = _SCRIPT_LANGUAGE.get(unit)
    if language is not None:
        script = "Hant" if unit == "Bopo" else unit
        return Detection(language, round(share, 3), script, "script")
    return _detect_statistically(unit, prose, hints, share)


def _detect_statistically(
    script: str, prose: str, hints: Sequence[_Hint], share: float
) -> Detection:
    """Choose among the script's candidate languages by langdetect's n-grams and word lists."""
    candidates = model.candidates(script)
    segments = [
        segment
        for part in _SEGMENT_END.split(prose)
        if (segment := letters_of(part, frozenset({script}))).strip()
    ]
    # Sentence-long segments are scored one by one (for the runner-up), the rest together.
    long_segments = [segment for segment in segments if len(segment) >= _SEGMENT_LETTERS]
    segment_scores = [model.ngram_scores(script, segment) for segment in long_segments]
    rest = " ".join(segment for segment in segments if len(segment) < _SEGMENT_LETTERS)
    text = " ".join(segments)
    words = list(text.replace(" ", "")) if script == "Hani" else text.lower().split()
    lexical = model.lexicon_scores(script, words)
    columns = zip(*segment_scores, model.ngram_scores(script, rest), lexical, strict=True)
    scores = dict(zip(candidates, map(math.fsum, columns), strict=True))
    if script == "Hani":
        scores = _han_scores(scores, text, hints)
    evidence = _posterior(scores)
    priors = _hint_priors(hints, scores)
    posterior = _posterior({lang: s + priors.get(lang, 0.0) for lang, s in scores.items()})
    best = max(posterior, key=posterior.__getitem__)
    decided_by = "statistics" if best == max(evidence, key=evidence.__getitem__) else "hint"
    if posterior[best] < _LOW_CONFIDENCE:
        hinted = next((h.language for h in hints if h.language in posterior), None)
        if hinted is not None and hinted != best:
            best, decided_by = hinted, "hint"
    runner_up = None
    if len(segments) > 1 and script != "Hani":
        letters = sum(map(len, segments))
        runner_up = _segment_runner_up(candidates, long_segments, segment_scores, best, letters)
    if runner_up is None:
        runner_up = next(
            (
                lang
                for lang in sorted(posterior, key=posterior.__getitem__, reverse=True)
                if lang != best and posterior[lang] >= _AMBIGUOUS
            ),
            None,
        )
    confidence = round(posterior[best] * share, 3)
    if script != "Hani":
        return Detection(best, confidence, script, decided_by, runner_up)
    if best == "ja":
        return Detection("ja", confidence, "Jpan", decided_by, _chinese_tag(runner_up, prose))
    variant, by_hint = _chinese_variant(prose, hints)
    return Detection(
        f"zh-{variant}", confidence, variant, "hint" if by_hint else decided_by, runner_up
    )


def _han_scores(scores: dict[str, float], text: str, hints: Sequence[_Hint]) -> dict[str, float]:
    """Han text: Japanese or Chinese (Simplified vs Traditional is settled by character sets).

    Kanji-only Japanese is unlikely, unless the customer's locales include Japanese.
    """
    japanese, chinese = model.han_word_scores(text)
    hinted = any(hint.language == "ja" for hint in hints)
    return {
        "ja": scores["ja"] + japanese + (0.0 if hinted else _KANJI_ONLY_JAPANESE_PRIOR),
        "zh": max(scores["zh-cn"], scores["zh-tw"]) + chinese,
    }


def _segment_runner_up(
    candidates: Sequence[str],
    segments: Sequence[str],
    segment_scores: Sequence[list[float]],
    best: str,
    letters: int,
) -> str | None:
    """The language of the largest sentence-long segment not in the main language, if it holds
    a fair share of the text's `letters`."""
    others: Counter[str] = Counter()
    for segment, scores in zip(segments, segment_scores, strict=True):
        language = candidates[scores.index(max(scores))]
        if language != best:
            others[language] += len(segment)
    if not others:
        return None
    language, size = others.most_common(1)[0]
    return language if size >= _MIXED_SHARE * letters else None


def _chinese_tag(language: str | None, prose: str) -> str | None:
    """Runner-up of Japanese Han text: "zh" made zh-Hans or zh-Hant."""
    if language != "zh":
        return language
    return f"zh-{_chinese_variant(prose, ())[0]}"


def _posterior(scores: dict[str, float]) -> dict[str, float]:
    top = max(scores.values())
    weights = {lang: math.exp(s - top) for lang, s in scores.items()}
    total = sum(weights.values())
    return {lang: w / total for lang, w in weights.items()}


def _hint_priors(hints: Sequence[_Hint], scores: dict[str, float]) -> dict[str, float]:
    priors: dict[str, float] = {}
    weight = _HINT_PRIOR
    for hint in hints:
        if hint.language in scores and hint.language not in priors:
            priors[hint.language] = weight
        weight /= 2
    return priors


def _chinese_variant(prose: str, hints: Sequence[_Hint]) -> tuple[str, bool]:
    """'Hans' or 'Hant' by character sets, else by the hints; and whether a hint decided."""
    simplified = sum(ch in _SIMPLIFIED_ONLY for ch in prose)
    traditional = sum(ch in _TRADITIONAL_ONLY for ch in prose)
    if simplified != traditional:
        return ("Hant" if traditional > simplified else "Hans"), False
    hinted = next((hint.chinese_variant for hint in hints if hint.language == "zh"), None)
    hinted = hinted or next((hint.chinese_variant for hint in hints if hint.chinese_variant), None)
    return (hinted, True) if hinted else ("Hans", False)


def _parse_hint(tag: str) -> _Hint | None:
    """A locale tag such as 'pt_BR', 'zh-Hant-HK' or 'en-US;q=0.8'; None when malformed."""
    if not isinstance(tag, str):
        return None
    tag = tag.split(";", 1)[0].strip().replace("_", "-")
    if not _HINT_TAG.match(tag):
        return None
    language, *subtags = tag.split("-")
    language = _HINT_ALIASES.get(language.lower(), language.lower())
    script = next((s.title() for s in subtags if len(s) == 4 and s.isalpha()), None)
    region = next(
        (s.upper() for s in subtags if (len(s) == 2 and s.isalpha()) or s.isdigit()), None
    )
    if script not in ("Hans", "Hant"):
        script = chinese_script_of_region(region)
    return _Hint(language, script)
