"""routing.language.detect: script rules, statistics, hints, cleaning and the known langdetect
failures (Traditional Chinese read as Korean, kanji-only Japanese, "No features in text",
"Hello my friend"), determinism across processes and use from many threads."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from routing.language.detection import Detection, detect
from routing.language.text import SAMPLE_CHARS, sample

ROOT = Path(__file__).resolve().parents[3]
KNOWN_TAGS = {
    "af",
    "am",
    "ar",
    "bg",
    "bn",
    "bo",
    "ca",
    "cs",
    "cy",
    "da",
    "de",
    "dv",
    "el",
    "en",
    "es",
    "et",
    "fa",
    "fi",
    "fr",
    "gu",
    "he",
    "hi",
    "hr",
    "hu",
    "hy",
    "id",
    "it",
    "ja",
    "ka",
    "km",
    "kn",
    "ko",
    "lo",
    "lt",
    "lv",
    "mk",
    "ml",
    "mn",
    "mr",
    "my",
    "ne",
    "nl",
    "no",
    "or",
    "pa",
    "pl",
    "pt",
    "ro",
    "ru",
    "si",
    "sk",
    "sl",
    "so",
    "sq",
    "sv",
    "sw",
    "syr",
    "ta",
    "te",
    "th",
    "tl",
    "tr",
    "uk",
    "ur",
    "vi",
    "zh-Hans",
    "zh-Hant",
    "und",
}
SAMPLES = [
    "我們的訂單已經三個星期沒有送到，請盡快處理。",
    "我们的订单已经三个星期没有送到，请尽快处理。",
    "注文した商品がまだ届いていません。",
    "주문한 상품이 아직 도착하지 않았습니다.",
    "Mi pedido no ha llegado todavía y nadie contesta.",
    "A minha encomenda ainda não chegou e ninguém responde.",
    "Meine Bestellung ist immer noch nicht angekommen.",
    "Мой заказ до сих пор не доставлен.",
    "Hello my friend",
    "😀😀 12345 https://example.com",
]


@pytest.mark.parametrize(
    "text",
    [
        "我們的產品壞了，請幫我退款。",
        "這個軟體在我的電腦上無法執行",
        "電話",
        "書籍",
        "請問營業時間",
        "臺灣銀行的網路服務",
    ],
)
def test_traditional_chinese_is_not_read_as_korean(text: str) -> None:
    detection = detect(text)
    assert (detection.language, detection.script) == ("zh-Hant", "Hant")


@pytest.mark.parametrize(
    "text", ["我们的产品坏了，请帮我退款。", "这个软件在我的电脑上无法运行", "浙江", "你好"]
)
def test_simplified_chinese(text: str) -> None:
    detection = detect(text)
    assert (detection.language, detection.script) == ("zh-Hans", "Hans")


@pytest.mark.parametrize(
    ("hints", "expected", "decided_by"),
    [
        ((), "zh-Hans", "statistics"),
        (("zh-TW",), "zh-Hant", "hint"),
        (("zh-Hant-HK",), "zh-Hant", "hint"),
        (("en-HK",), "zh-Hant", "hint"),
        (("zh_CN",), "zh-Hans", "hint"),
    ],
)
def test_characters_common_to_both_chinese_scripts_follow_the_hints(
    hints: tuple[str, ...], expected: str, decided_by: str
) -> None:
    detection = detect("中文", hints)
    assert (detection.language, detection.decided_by) == (expected, decided_by)


@pytest.mark.parametrize("text", ["営業時間", "駅前広場", "株式会社の営業時間"])
def test_japanese_kanji_text_is_japanese(text: str) -> None:
    detection = detect(text)
    assert (detection.language, detection.script) == ("ja", "Jpan")


@pytest.mark.parametrize("text", ["渋谷", "駅前", "東京都渋谷区", "会社"])
def test_japanese_only_kanji_and_words_are_japanese(text: str) -> None:
    assert detect(text).language == "ja"


@pytest.mark.parametrize("text", ["株式会社", "会社", "営業時間"])
def test_a_japanese_hint_makes_kanji_only_text_japanese(text: str) -> None:
    detection = detect(text, ["ja-JP", "en-US"])
    assert (detection.language, detection.script) == ("ja", "Jpan")


@pytest.mark.parametrize(
    ("text", "language", "script"),
    [
        ("ありがとう", "ja", "Jpan"),
        ("返品したいです", "ja", "Jpan"),
        ("환불해 주세요", "ko", "Kore"),
        ("สินค้าเสียหาย", "th", "Thai"),
        ("გამარჯობა", "ka", "Geor"),
        ("Բարեւ ձեզ", "hy", "Armn"),
        ("Το προϊόν δεν λειτουργεί", "el", "Grek"),
        ("המוצר לא עובד", "he", "Hebr"),
        ("ઉત્પાદન કામ કરતું નથી", "gu", "Gujr"),
        ("ਉਤਪਾਦ ਕੰਮ ਨਹੀਂ ਕਰਦਾ", "pa", "Guru"),
        ("தயாரிப்பு வேலை செய்யவில்லை", "ta", "Taml"),
        ("ఉత్పత్తి పని చేయడం లేదు", "te", "Telu"),
        ("পণ্যটি কাজ করছে না", "bn", "Beng"),
    ],
)
def test_scripts_that_name_their_language_decide(text: str, language: str, script: str) -> None:
    assert detect(text) == Detection(language, 1.0, script, "script")


@pytest.mark.parametrize(
    ("text", "language", "candidates"),
    [
        ("Я не можу увійти до свого облікового запису", "uk", {"ru", "uk", "bg", "mk"}),
        ("Я не могу войти в свою учётную запись", "ru", {"ru", "uk", "bg", "mk"}),
        ("Не мога да вляза в профила си", "bg", {"ru", "uk", "bg", "mk"}),
        ("لا أستطيع الدخول إلى حسابي", "ar", {"ar", "fa", "ur"}),
        ("نمی توانم وارد حساب کاربری خود شوم", "fa", {"ar", "fa", "ur"}),
        ("میں اپنے اکاؤنٹ میں لاگ ان نہیں کر سکتا", "ur", {"ar", "fa", "ur"}),
        ("मैं अपने खाते में लॉग इन नहीं कर पा रहा हूं", "hi", {"hi", "mr", "ne"}),
    ],
)
def test_statistics_choose_among_the_languages_of_the_script(
    text: str, language: str, candidates: set[str]
) -> None:
    detection = detect(text)
    assert detection.language == language
    assert detection.decided_by == "statistics"
    assert detection.runner_up in candidates | {None}


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Hello my friend", "en"),
        ("HELLO MY FRIEND", "en"),
        ("My order has not arrived", "en"),
        ("Mi pedido no ha llegado", "es"),
        ("A minha encomenda não chegou", "pt"),
        ("La meva comanda no ha arribat", "ca"),
        ("Ma commande n'est pas arrivée", "fr"),
        ("Meine Bestellung ist nicht angekommen", "de"),
        ("Mijn bestelling is niet aangekomen", "nl"),
        ("Moje zamówienie nie dotarło", "pl"),
        ("Siparişim gelmedi", "tr"),
        ("Đơn hàng của tôi chưa đến", "vi"),
    ],
)
def test_latin_script_languages(text: str, language: str) -> None:
    detection = detect(text)
    assert (detection.language, detection.script) == (language, "Latn")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\t ",
        "😀😡👍🏽",
        "1234567890",
        "+44 20 7946 0958",
        "https://example.com/orders/12345?ref=mail",
        "support@example.com",
        "#A-99321 / ORD-2024-000123",
        "<p>&nbsp;</p>",
        "!!! ??? ...",
    ],
)
def test_text_without_letters_is_undetermined(text: str) -> None:
    assert detect(text) == Detection("und", 0.0, "Zyyy", "none")


@pytest.mark.parametrize(
    "text",
    [
        "Meine Bestellung ORD-2024-000123 ist nicht angekommen: https://shop.example.com/o/1",
        "<div><p>Meine Bestellung ist <b>nicht</b> angekommen &amp; niemand antwortet.</p></div>",
        "Meine Bestellung ist nicht angekommen 😡😡 schreiben Sie an kunde@example.de",
        "Meine Bestellung ist nicht angekommen.\n\nOn Mon, 3 Mar 2025, Support wrote:\n"
        "> Thank you for contacting us. We have received your request and will reply soon.\n"
        "> Your ticket number is 4711. Please do not reply to this automated message.",
        "Meine Bestellung ist nicht angekommen.\n"
        "> Thank you for contacting us. We have received your request and will reply soon.\n"
        "> Please do not reply to this automated message, we will be in touch shortly.",
    ],
)
def test_links_codes_markup_emoji_and_quoted_replies_are_ignored(text: str) -> None:
    detection = detect(text)
    assert detection.language == "de"
    assert detection.runner_up is None


LONG_SOURCES = {
    "zh-Hant": "我們的訂單已經三個星期沒有送到，客服電話一直無人接聽，請盡快處理退款。",
    "zh-Hans": "我们的订单已经三个星期没有送到，客服电话一直无人接听，请尽快处理退款。",
    "de": "Meine Bestellung ist seit drei Wochen nicht angekommen und niemand antwortet mir. ",
    "pt": "A minha encomenda ainda não chegou e ninguém responde às minhas mensagens. ",
    "ru": "Мой заказ не доставлен уже три недели, и никто не отвечает на мои письма. ",
    "hi": "मेरा ऑर्डर तीन हफ्तों से नहीं आया है और कोई जवाब नहीं देता है। ",
}


@pytest.mark.parametrize("language", sorted(LONG_SOURCES))
def test_long_text_gets_the_answer_of_its_first_part(language: str) -> None:
    first = LONG_SOURCES[language] * 3
    long = (first + "https://example.com/o/123 ORD-2024-000123 <b>x</b>\n") * 400
    assert len(long) > 20_000
    short, whole = detect(first), detect(long)
    assert short.language == language
    assert (whole.language, whole.script, whole.runner_up) == (
        short.language,
        short.script,
        short.runner_up,
    )


def test_a_long_text_is_read_from_a_bounded_sample_of_its_whole_length() -> None:
    text = " ".join(f"w{i:05d}" for i in range(5_000))
    taken = sample(text)
    assert len(taken) <= SAMPLE_CHARS
    assert taken.startswith("w00000 w00001 ")
    assert "w04999" in taken or "w04998" in taken
    assert all(word.startswith("w") and len(word) == 6 for word in taken.split())
    assert sample("short text") == "short text"


@pytest.mark.parametrize(
    "text",
    [
        "我们的订单已经三个星期没有送到" * 1_500,
        "a." * 20_000,
        "a" * 40_000,
        "x\n" + "\n" * 40_000,
        "<a" * 20_000,
        "<!--" * 10_000,
        "<script>" * 10_000,
        "on " * 20_000,
        "ab@" * 20_000,
    ],
)
def test_huge_unusual_inputs_are_read(text: str) -> None:
    detection = detect(text)
    assert detection.language in KNOWN_TAGS


def test_a_quoted_reply_alone_is_still_read() -> None:
    assert detect("> Meine Bestellung ist nicht angekommen.").language == "de"


def test_hints_are_priors_not_overrides() -> None:
    clear = "I have been waiting three weeks for my refund and nobody answers my e-mails."
    assert detect(clear, ["de-DE"]).language == "en"
    assert detect(clear, ["de-DE"]).decided_by == "statistics"


@pytest.mark.parametrize("hint", ["pt-BR", "es-ES"])
def test_hints_settle_ambiguous_text(hint: str) -> None:
    assert detect("banco", [hint]).language == hint[:2]


def test_low_confidence_falls_back_to_the_hint() -> None:
    without = detect("online")
    with_hint = detect("online", ["en-GB"])
    assert without.confidence < 0.5
    assert (with_hint.language, with_hint.decided_by) == ("en", "hint")


@pytest.mark.parametrize(
    "hints",
    [
        ["", "???", "en-US;q=0.8;;", "x" * 200, "12-34", "*", "zh-Hant-TW-extra-!!"],
        ["pt_BR", "en-US;q=0.8"],
        ["nb-NO", "fil-PH", "iw"],
    ],
)
def test_malformed_and_unusual_hints_are_accepted(hints: list[str]) -> None:
    assert detect("Meine Bestellung ist nicht angekommen", hints).language == "de"


def test_hint_aliases_map_to_the_reported_languages() -> None:
    assert detect("online", ["nb-NO"]).language == "no"


def test_mixed_languages_report_the_runner_up() -> None:
    text = (
        "I ordered a phone three weeks ago and it still has not arrived at my house. "
        "Je suis vraiment très mécontent du service client et je veux être remboursé."
    )
    detection = detect(text)
    assert {detection.language, detection.runner_up} == {"en", "fr"}


def test_mixed_scripts_report_the_runner_up() -> None:
    detection = detect("我的订单还没有到，已经等了三个星期了。 Please help me, nobody answers")
    assert (detection.language, detection.runner_up) == ("zh-Hans", "en")


def test_latin_boilerplate_does_not_outvote_the_customers_script() -> None:
    detection = detect("Share to Twitter Share to Facebook मेरा ऑर्डर अभी तक नहीं आया है")
    assert (detection.language, detection.runner_up) == ("hi", "en")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200), st.lists(st.text(max_size=20), max_size=3))
def test_detect_never_raises_and_returns_a_valid_detection(text: str, hints: list[str]) -> None:
    detection = detect(text, hints)
    assert detection.language in KNOWN_TAGS
    assert 0.0 <= detection.confidence <= 1.0
    assert len(detection.script) == 4 and detection.script.istitle()
    assert detection.decided_by in {"script", "statistics", "hint", "none"}
    assert detection.runner_up is None or detection.runner_up in KNOWN_TAGS - {"und"}


def test_same_answer_in_other_processes_and_from_threads_at_first_load() -> None:
    script = textwrap.dedent(
        """
        import json, sys
        from concurrent.futures import ThreadPoolExecutor
        from routing.language.detection import detect
        texts = json.loads(sys.stdin.read())
        with ThreadPoolExecutor(8) as pool:
            found = list(pool.map(detect, texts * 4))
        print(json.dumps([[d.language, d.confidence, d.script, d.decided_by, d.runner_up]
                          for d in found[: len(texts)]]))
        assert found == found[: len(texts)] * 4
        """
    )
    expected = [
        [d.language, d.confidence, d.script, d.decided_by, d.runner_up]
        for d in map(detect, SAMPLES)
    ]
    for seed in ("1", "2"):
        result = subprocess.run(
            [sys.executable, "-c", script],
            input=json.dumps(SAMPLES),
            capture_output=True,
            text=True,
            cwd=ROOT,
            env={**os.environ, "PYTHONHASHSEED": seed},
            check=True,
            timeout=120,
        )
        assert json.loads(result.stdout) == expected


def test_concurrent_use_from_threads() -> None:
    texts = SAMPLES * 20
    expected = [detect(text) for text in texts]
    with ThreadPoolExecutor(max_workers=8) as pool:
        assert list(pool.map(detect, texts)) == expected
