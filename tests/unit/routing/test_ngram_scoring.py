"""routing.language.scoring: the n-grams read at once as integer keys are langdetect's per-word
n-grams, and scoring them through the weight matrix sums each language's profile weights."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from langdetect.utils.ngram import NGram

from routing.language import scoring


def _langdetect_ngrams(text: str) -> Counter[str]:
    """The reference: each normalised word padded with spaces, its 1-, 2- and 3-grams; without
    the space 1-gram (no profile lists it)."""
    grams: Counter[str] = Counter()
    normalised = "".join(NGram.normalize(char) for char in text)
    for word in normalised.split():
        if word.isupper() and len(word) > 1:
            word = word.lower()
        padded = f" {word} "
        for n in (1, 2, 3):
            grams.update(padded[i : i + n] for i in range(len(padded) - n + 1))
    del grams[" "]
    return grams


def _keys(text: str) -> Counter[int]:
    keys = Counter(scoring.ngram_keys(text).tolist())
    del keys[ord(" ")]
    return keys


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "a",
        "I was charged twice, PLEASE refund.",
        "Hice un pedido hace tres semanas y todavía no ha llegado.",
        "Мой заказ не пришёл",
        "我的订单还没有到",
        "x y z",
    ],
)
def test_ngram_keys_are_langdetects_ngrams(text: str) -> None:
    assert _keys(text) == Counter(map(scoring.ngram_key, _langdetect_ngrams(text).elements()))


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=120))
def test_ngram_keys_are_langdetects_ngrams_for_any_text(text: str) -> None:
    assert _keys(text) == Counter(map(scoring.ngram_key, _langdetect_ngrams(text).elements()))


def test_scores_sum_each_languages_profile_weights() -> None:
    text = "Le colis est arrivé cassé"
    grams = _langdetect_ngrams(text)
    scores = scoring.ngram_scores("Latn", text)
    languages = scoring.candidates("Latn")
    for language in ("fr", "en", "de"):
        profile = scoring.load_profile(language)
        expected = sum(count * profile.get(gram, 0.0) for gram, count in grams.items())
        assert scores[languages.index(language)] == pytest.approx(expected, rel=1e-12)
    assert languages[scores.index(max(scores))] == "fr"


def test_text_without_ngrams_scores_zero_everywhere() -> None:
    assert scoring.ngram_scores("Latn", "") == [0.0] * len(scoring.candidates("Latn"))
