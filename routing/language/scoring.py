"""Deterministic scoring of candidate languages: langdetect's profiles plus wordfreq's lexicons.

langdetect estimates its naive Bayes posterior by random sampling; here the same profiles and
the same smoothing are summed over every 1-3-gram of the text, which is exact, repeatable and
faster. Short texts also get a vote from wordfreq's word lists.
"""

from __future__ import annotations

import json
import math
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from itertools import repeat

import numpy as np
from langdetect.utils.ngram import NGram

# langdetect's smoothing: every probability gets alpha / BASE_FREQ added.
_SMOOTHING = 0.5 / 10_000

# Candidate languages of each script that statistics must choose between (langdetect codes).
GROUPS: dict[str, tuple[str, ...]] = {
    "Latn": (
        "af",
        "ca",
        "cs",
        "cy",
        "da",
        "de",
        "en",
        "es",
        "et",
        "fi",
        "fr",
        "hr",
        "hu",
        "id",
        "it",
        "lt",
        "lv",
        "nl",
        "no",
        "pl",
        "pt",
        "ro",
        "sk",
        "sl",
        "so",
        "sq",
        "sv",
        "sw",
        "tl",
        "tr",
        "vi",
    ),
    "Cyrl": ("bg", "mk", "ru", "uk"),
    "Arab": ("ar", "fa", "ur"),
    "Deva": ("hi", "mr", "ne"),
    "Hani": ("ja", "zh-cn", "zh-tw"),
}

# wordfreq's name for a langdetect language, where wordfreq has a list for it.
_WORDFREQ_NAME = {"no": "nb", "hr": "sh", "tl": "fil"}
_HAN_WORDFREQ = {"ja": "ja", "zh-cn": "zh", "zh-tw": "zh"}

# Lexicon weights (tuned on held-out halves of the dev data, see bench/langid.py).
LEXICON_WEIGHT = 4.0
LEXICON_FLOOR = -8.0
LEXICON_WORDS = 8
UNLISTED_MARGIN = 1.0
LEXICON_MIN_CB = 600
# A language without a list borrows its sister's, less this margin (else the best list's, less
# UNLISTED_MARGIN).
SISTER_MARGIN = 0.3
_SISTER = {"af": "nl"}
# Han text is also segmented into the Japanese and the Chinese list's words (a unigram model of
# each, over its first HAN_WORD_CHARS characters): whole words tell the languages apart where
# their characters do not ("会社" is Japanese, "公司" Chinese).
HAN_WORD_WEIGHT = 2.0
HAN_WORD_CHARS = 32
_HAN_WORD_LENGTH = 4


# n-grams as integers: three code points (21 bits each) fit in an int64, below the sentinel,
# which ends the sorted keys so that searching for any key lands inside them.
_CODE_BITS = 21
_SPACE = ord(" ")
_SENTINEL = np.iinfo(np.int64).max


class _Normalizer(dict[int, str]):
    """langdetect's per-character normalisation, as a cached str.translate table."""

    def __missing__(self, code: int) -> str:
        normal = NGram.normalize(chr(code))
        self[code] = normal
        return normal


_NORMALIZE = _Normalizer()


@dataclass(frozen=True, slots=True)
class _HanWords:
    japanese: dict[str, float]  # word -> log10 of its frequency
    chinese: dict[str, float]  # the same, for Simplified Chinese
    simplified: dict[int, str]  # Traditional character -> its Simplified form


@dataclass(frozen=True, slots=True)
class _Group:
    languages: tuple[str, ...]
    ngram_keys: np.ndarray  # the profiles' n-grams as sorted `ngram_key`s, then a sentinel
    ngram_weights: np.ndarray  # a row per n-gram of ngram_keys, a column per language
    lexicons: tuple[dict[str, float] | None, ...]
    han_words: _HanWords | None


def load_profile(language: str) -> dict[str, float]:
    """One langdetect profile as n-gram -> log(1 + p / smoothing); absent n-grams weigh 0."""
    path = resources.files("langdetect") / "profiles" / language
    profile = json.loads(path.read_text(encoding="utf-8"))
    totals = profile["n_words"]
    return {
        gram: math.log1p(count / totals[len(gram) - 1] / _SMOOTHING)
        for gram, count in profile["freq"].items()
        if 1 <= len(gram) <= 3
    }


def _word_buckets(language: str) -> list[list[str]] | None:
    """wordfreq's small list for the language: words by frequency bucket (centibels below 1)."""
    import wordfreq

    path = wordfreq.available_languages("small").get(_WORDFREQ_NAME.get(language, language))
    return None if path is None else wordfreq.read_cBpack(path)


def _load_lexicon(language: str) -> dict[str, float] | None:
    """The language's frequent words -> log10 of their frequency."""
    buckets = _word_buckets(language)
    if buckets is None:
        return None
    lexicon: dict[str, float] = {}
    for bucket, words in enumerate(buckets[: LEXICON_MIN_CB + 1]):
        lexicon.update(zip(words, repeat(-bucket / 100)))
    return lexicon


def _load_han_lexicon(language: str) -> dict[str, float]:
    """Han characters -> log10 of the summed frequency of the language's words using them.

    The Chinese list is Simplified; each Traditional form gets the weight of its Simplified one.
    """
    buckets = _word_buckets(_HAN_WORDFREQ[language]) or []
    weights: Counter[str] = Counter()
    for bucket, words in enumerate(buckets):
        frequency = 10 ** (-bucket / 100)
        for word in words:
            weights.update(dict.fromkeys(word, frequency))
    if language != "ja":
        for traditional, simplified in _simplified_forms().items():
            weights[traditional] = max(weights[traditional], weights[simplified])
    return {ch: math.log10(w) for ch, w in weights.items() if w > 0 and ch.isalpha()}


def _simplified_forms() -> dict[str, str]:
    """Traditional character -> its Simplified form, from wordfreq's mapping table."""
    import gzip

    import msgpack
    import wordfreq

    path = resources.files(wordfreq) / "data" / "_chinese_mapping.msgpack.gz"
    with path.open("rb") as packed, gzip.open(packed) as raw:
        mapping = msgpack.load(raw, raw=False, strict_map_key=False)
    return {
        chr(traditional): simplified
        for traditional, simplified in mapping.items()
        if isinstance(simplified, str) and len(simplified) == 1
    }


def _load_han_words() -> _HanWords:
    def words(language: str) -> dict[str, float]:
        buckets = _word_buckets(language) or []
        return {
            word: -bucket / 100
            for bucket, bucket_words in enumerate(buckets)
            for word in bucket_words
            if len(word) <= _HAN_WORD_LENGTH and word.isalpha()
        }

    simplified = {ord(traditional): s for traditional, s in _simplified_forms().items()}
    return _HanWords(words("ja"), words("zh"), simplified)


_lock = threading.Lock()
_groups: dict[str, _Group] = {}


def _group(script: str) -> _Group:
    group = _groups.get(script)
    if group is None:
        with _lock:
            group = _groups.get(script)
            if group is None:
                languages = GROUPS[script]
                profiles = [load_profile(language) for language in languages]
                grams = sorted(frozenset().union(*profiles), key=ngram_key)
                group = _Group(
                    languages,
                    np.array([*map(ngram_key, grams), _SENTINEL], np.int64),
                    np.column_stack([[p.get(gram, 0.0) for gram in grams] for p in profiles]),
                    tuple(
                        _load_han_lexicon(language) if script == "Hani" else _load_lexicon(language)
                        for language in languages
                    ),
                    _load_han_words() if script == "Hani" else None,
                )
                _groups[script] = group
    return group


def load(scripts: Sequence[str] = tuple(GROUPS)) -> None:
    """Load the profiles and word lists now rather than on first use."""
    for script in scripts:
        _group(script)


def ngram_key(gram: str) -> int:
    """A 1-3-gram as one integer: its code points, _CODE_BITS each."""
    key = 0
    for char in gram:
        key = key << _CODE_BITS | ord(char)
    return key


def ngram_keys(text: str) -> np.ndarray:
    """langdetect's 1-3-grams of the text (those of each word padded with spaces) as keys.

    The words are joined by single spaces and the n-grams of the whole read at once, less the
    3-grams across a space: the same n-grams, but for how often the space itself counts as a
    1-gram, which no profile lists.
    """
    words = [
        word.lower() if word.isupper() and len(word) > 1 else word
        for word in text.translate(_NORMALIZE).split()
    ]
    if not words:
        return np.empty(0, np.int64)
    padded = f" {' '.join(words)} ".encode("utf-32-le")
    codes = np.frombuffer(padded, np.uint32).astype(np.int64)
    pairs = codes[:-1] << _CODE_BITS | codes[1:]
    triples = pairs[:-1] << _CODE_BITS | codes[2:]
    return np.concatenate((codes, pairs, triples[codes[1:-1] != _SPACE]))


def candidates(script: str) -> tuple[str, ...]:
    """The languages (langdetect codes) statistics chooses between for text in the script."""
    return GROUPS[script]


def ngram_scores(script: str, text: str) -> list[float]:
    """Per candidate: log-likelihood of the text's n-grams, less a constant shared by all."""
    group = _group(script)
    keys = ngram_keys(text)
    rows = np.searchsorted(group.ngram_keys, keys)  # the sentinel keeps every row in range
    listed = rows[group.ngram_keys[rows] == keys]
    return group.ngram_weights[listed].sum(axis=0).tolist()


def lexicon_scores(script: str, words: Sequence[str]) -> list[float]:
    """Per candidate: how much more frequent than the floor the first few distinct words are.

    A language without a word list is credited as the best listed language less a margin, and
    only the first LEXICON_WORDS words count, so on long text the n-grams decide.
    """
    group = _group(script)
    totals = [0.0] * len(group.languages)
    listed = [i for i, lexicon in enumerate(group.lexicons) if lexicon is not None]
    if not listed:
        return totals
    lexicons = [lexicon for lexicon in group.lexicons if lexicon is not None]
    unlisted = [i for i, lexicon in enumerate(group.lexicons) if lexicon is None]
    sisters = [_sister_position(group, listed, i) for i in unlisted]
    for word in list(dict.fromkeys(words))[:LEXICON_WORDS]:
        found = [lexicon.get(word, LEXICON_FLOOR) for lexicon in lexicons]
        best = max(found)
        if best <= LEXICON_FLOOR:
            continue
        for i, value in zip(listed, found, strict=True):
            totals[i] += value - LEXICON_FLOOR
        for i, sister in zip(unlisted, sisters, strict=True):
            credit = best - UNLISTED_MARGIN
            if sister is not None:
                credit = max(credit, found[sister] - SISTER_MARGIN)
            totals[i] += max(0.0, credit - LEXICON_FLOOR)
    return [LEXICON_WEIGHT * math.log(10) * total for total in totals]


def _sister_position(group: _Group, listed: list[int], unlisted: int) -> int | None:
    """Where the sister of an unlisted language sits among the listed ones, if it has one."""
    sister = _SISTER.get(group.languages[unlisted])
    return None if sister is None else listed.index(group.languages.index(sister))


def han_word_scores(text: str) -> tuple[float, float]:
    """Japanese and Chinese: log-likelihood, in nats and weighted, of the first Han characters
    of the text (runs separated by spaces) read as a sequence of that language's words."""
    words = _group("Hani").han_words
    assert words is not None
    text = " ".join(text.split())[:HAN_WORD_CHARS]
    chinese = text.translate(words.simplified)
    scale = HAN_WORD_WEIGHT * math.log(10)
    return (
        scale * sum(_segmented(run, words.japanese) for run in text.split()),
        scale * sum(_segmented(run, words.chinese) for run in chinese.split()),
    )


def _segmented(run: str, lexicon: dict[str, float]) -> float:
    """log10 probability of the run's likeliest split into listed words (or unlisted single
    characters, each at the floor)."""
    best = [0.0]
    for end in range(1, len(run) + 1):
        options = [
            best[start] + value
            for start in range(max(0, end - _HAN_WORD_LENGTH), end - 1)
            if (value := lexicon.get(run[start:end])) is not None
        ]
        options.append(best[end - 1] + lexicon.get(run[end - 1], LEXICON_FLOOR))
        best.append(max(options))
    return best[-1]
