"""Customer-facing texts rendered for one fixed case in every locale."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime

import hanzidentifier
import pytest

from routing.lifecycle import STATUSES
from service.i18n import messages
from service.i18n.messages import (
    ERROR_CODES,
    Email,
    acknowledgement,
    acknowledgement_email,
    error_text,
    reply_email,
    resolution_email,
    status_label,
    survey_question,
    survey_thanks,
    timeline_event,
)
from service.i18n.negotiation import SUPPORTED

REFERENCE = "MRD-7K3F92"
TEAM = "Shanghai"
DUE = datetime(2026, 3, 10, 14, 30, tzinfo=UTC)
ZONE = "Asia/Shanghai"
STATUS_URL = "https://meridian.example/cases/MRD-7K3F92?token=abc&lang=x"
SURVEY_URL = "https://meridian.example/survey/MRD-7K3F92"
# Unicode character-name prefixes of each non-Latin locale's script.
SCRIPT_OF = {
    "zh_Hans": ("CJK UNIFIED IDEOGRAPH",),
    "zh_Hant": ("CJK UNIFIED IDEOGRAPH",),
    "ja": ("HIRAGANA", "KATAKANA", "CJK UNIFIED IDEOGRAPH"),
    "ko": ("HANGUL",),
    "ru": ("CYRILLIC",),
    "ar": ("ARABIC",),
    "hi": ("DEVANAGARI",),
    "th": ("THAI",),
}
TRANSLATED = [locale for locale in SUPPORTED if locale != "en"]


def _in_script(text: str, locale: str) -> bool:
    prefixes = SCRIPT_OF[locale]
    return any(unicodedata.name(char, "").startswith(prefixes) for char in text)


def _ack(locale: str, *, team_name: str = TEAM, waiting: bool = False) -> str:
    return acknowledgement(
        locale, reference=REFERENCE, team_name=team_name, due=DUE, timezone=ZONE, waiting=waiting
    )


def _assert_localized(text: str, english: str, locale: str) -> None:
    assert "%(" not in text and "%s" not in text
    assert text != english
    if locale in SCRIPT_OF:
        assert _in_script(text, locale), text


@pytest.mark.parametrize("locale", SUPPORTED)
def test_acknowledgement_is_localized_and_filled(locale: str) -> None:
    text = _ack(locale)
    assert REFERENCE in text and TEAM in text
    assert "%(" not in text
    assert "2026" in text
    if locale != "en":
        _assert_localized(text, _ack("en"), locale)


def test_english_acknowledgement_reads_well() -> None:
    assert _ack("en") == (
        "We have received your complaint. Your reference is MRD-7K3F92. Our Shanghai team will"
        " reply to you by Tuesday, March 10, 2026, 10:30\u202fPM China Standard Time."
    )


@pytest.mark.parametrize("locale", SUPPORTED)
def test_waiting_and_teamless_acknowledgements_differ(locale: str) -> None:
    plain, waiting, teamless = _ack(locale), _ack(locale, waiting=True), _ack(locale, team_name="")
    assert len({plain, waiting, teamless}) == 3
    assert TEAM in waiting and REFERENCE in teamless
    assert all("%(" not in text for text in (waiting, teamless))


@pytest.mark.parametrize("locale", TRANSLATED)
def test_status_labels_are_localized(locale: str) -> None:
    labels = [status_label(locale, status) for status in STATUSES]
    assert len(set(labels)) == len(STATUSES)
    for status, label in zip(STATUSES, labels, strict=True):
        _assert_localized(label, status_label("en", status), locale)


@pytest.mark.parametrize("locale", TRANSLATED)
def test_every_builder_is_localized(locale: str) -> None:
    rendered = {
        "survey_question": survey_question(locale),
        "survey_thanks": survey_thanks(locale),
    }
    english = {
        "survey_question": survey_question("en"),
        "survey_thanks": survey_thanks("en"),
    }
    for name, text in rendered.items():
        _assert_localized(text, english[name], locale)
    assert "1" in rendered["survey_question"] and "5" in rendered["survey_question"]


TIMELINE = [
    ("received", {}),
    ("routed", {"team": TEAM}),
    ("reply", {"team": TEAM}),
    ("customer_reply", {}),
    ("status_changed", {"status": "in_progress"}),
    ("handed_off", {"team": TEAM}),
    ("resolved", {}),
    ("attachment_added", {"name": "photo.jpg"}),
    ("attachment_removed", {"name": "photo.jpg"}),
]


@pytest.mark.parametrize("locale", SUPPORTED)
def test_timeline_events(locale: str) -> None:
    assert [kind for kind, _ in TIMELINE] == list(messages.TIMELINE_KINDS)
    texts = [timeline_event(locale, kind, **params) for kind, params in TIMELINE]
    assert len(set(texts)) == len(TIMELINE)
    kinds = [kind for kind, _ in TIMELINE]
    assert status_label(locale, "in_progress") in texts[kinds.index("status_changed")]
    for (kind, params), text in zip(TIMELINE, texts, strict=True):
        assert "%(" not in text
        assert all(value in text for name, value in params.items() if name == "team")
        if locale != "en":
            _assert_localized(text, timeline_event("en", kind, **params), locale)


@pytest.mark.parametrize("locale", TRANSLATED)
def test_error_texts(locale: str) -> None:
    texts = [error_text(locale, code) for code in ERROR_CODES]
    assert len(set(texts)) == len(ERROR_CODES)
    for code, text in zip(ERROR_CODES, texts, strict=True):
        _assert_localized(text, error_text("en", code), locale)


def test_unknown_codes_are_rejected() -> None:
    with pytest.raises(ValueError, match="status"):
        status_label("de", "archived")
    with pytest.raises(ValueError, match="timeline event"):
        timeline_event("de", "escalated")
    with pytest.raises(ValueError, match="needs parameter 'team'"):
        timeline_event("de", "routed")
    with pytest.raises(ValueError, match="error code"):
        error_text("de", "teapot")


def _emails(locale: str, team: str = TEAM, body: str = "Line one\nLine two") -> list[Email]:
    return [
        acknowledgement_email(
            locale,
            reference=REFERENCE,
            team_name=team,
            due=DUE,
            timezone=ZONE,
            status_url=STATUS_URL,
        ),
        reply_email(locale, reference=REFERENCE, team_name=team, body=body, status_url=STATUS_URL),
        resolution_email(locale, reference=REFERENCE, survey_url=SURVEY_URL),
    ]


def _paragraphs(email: Email) -> list[str]:
    """The plain-text paragraphs of an e-mail: the greeting first, the sign-off last."""
    return email.text.rstrip("\n").split("\n\n")


def test_english_email_paragraphs() -> None:
    _, replied, resolved = _emails("en")
    assert _paragraphs(replied)[1] == "Reply from our Shanghai team"
    assert _paragraphs(resolved)[1:3] == [
        "Your complaint MRD-7K3F92 has been resolved. Thank you for your patience.",
        "How did we do? Please tell us about your experience with complaint MRD-7K3F92:"
        " https://meridian.example/survey/MRD-7K3F92",
    ]


@pytest.mark.parametrize("locale", TRANSLATED)
def test_email_paragraphs_are_localized(locale: str) -> None:
    """The reply frame, resolution message and feedback request, in the e-mails that carry them."""
    _, replied, resolved = _emails(locale)
    _, english_replied, english_resolved = _emails("en")
    frame = _paragraphs(replied)[1]
    resolution, feedback = _paragraphs(resolved)[1:3]
    _assert_localized(frame, _paragraphs(english_replied)[1], locale)
    _assert_localized(resolution, _paragraphs(english_resolved)[1], locale)
    _assert_localized(feedback, _paragraphs(english_resolved)[2], locale)
    assert TEAM in frame
    assert REFERENCE in resolution
    assert REFERENCE in feedback and SURVEY_URL in feedback


@pytest.mark.parametrize("locale", SUPPORTED)
def test_emails(locale: str) -> None:
    english = _emails("en")
    for email, english_email in zip(_emails(locale), english, strict=True):
        assert REFERENCE in email.subject and REFERENCE in email.text and REFERENCE in email.html
        assert "%(" not in email.subject + email.text + email.html
        assert email.lang == locale.replace("_", "-")
        assert f'<html lang="{email.lang}" dir="{email.direction}">' in email.html
        assert email.text.endswith("\n")
        if locale != "en":
            _assert_localized(email.subject, english_email.subject, locale)
            _assert_localized(email.text, english_email.text, locale)
    acknowledged, replied, resolved = _emails(locale)
    assert STATUS_URL in acknowledged.text
    assert 'href="https://meridian.example/cases/MRD-7K3F92?token=abc&amp;lang=x"' in (
        acknowledged.html
    )
    assert "Line one<br>Line two" in replied.html
    assert f'href="{SURVEY_URL}"' in resolved.html


def test_arabic_is_right_to_left() -> None:
    acknowledged, *_ = arabic = _emails("ar")
    for email in arabic:
        assert email.direction == "rtl"
        assert '<html lang="ar" dir="rtl">' in email.html
    assert "<bdi>MRD-7K3F92</bdi>" in acknowledged.html
    assert {email.direction for email in _emails("he")} == {"ltr"}  # no catalog: English
    assert {email.direction for email in _emails("ja")} == {"ltr"}


def test_user_content_is_escaped_in_html_only() -> None:
    team = "<b>Ops</b>"
    body = "Please <script>alert(1)</script> & thanks\n\nSecond paragraph"
    acknowledged, replied, _ = _emails("fr", team=team, body=body)
    assert "<b>Ops</b>" in acknowledged.text and "<b>" not in acknowledged.html
    assert "&lt;b&gt;Ops&lt;/b&gt;" in acknowledged.html
    assert "<script>" not in replied.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; thanks" in replied.html
    assert "<p>Second paragraph</p>" in replied.html
    assert body in replied.text


def test_non_http_links_are_not_linked() -> None:
    email = resolution_email("en", reference=REFERENCE, survey_url="javascript:alert(1)")
    assert "href" not in email.html
    assert "javascript:alert(1)" in email.text


def test_japanese_sentences_carry_kana() -> None:
    kana = ("HIRAGANA", "KATAKANA")
    assert any(unicodedata.name(char, "").startswith(kana) for char in _ack("ja"))


def test_simplified_and_traditional_chinese_use_their_own_characters() -> None:
    assert hanzidentifier.identify(_ack("zh_Hans")) == hanzidentifier.SIMPLIFIED
    assert hanzidentifier.identify(_ack("zh_Hant")) == hanzidentifier.TRADITIONAL


@pytest.mark.parametrize(
    ("due", "expected"),
    [
        # 2026-11-01: New York falls back from EDT to EST at 02:00 local (06:00 UTC).
        (datetime(2026, 11, 1, 5, 30, tzinfo=UTC), "1:30\u202fAM Eastern Daylight Time"),
        (datetime(2026, 11, 1, 6, 30, tzinfo=UTC), "1:30\u202fAM Eastern Standard Time"),
        (datetime(2026, 11, 1, 13, 0, tzinfo=UTC), "8:00\u202fAM Eastern Standard Time"),
        (datetime(2026, 10, 31, 13, 0, tzinfo=UTC), "9:00\u202fAM Eastern Daylight Time"),
    ],
)
def test_due_time_in_new_york_across_the_fall_back(due: datetime, expected: str) -> None:
    text = acknowledgement(
        "en", reference=REFERENCE, team_name=TEAM, due=due, timezone="America/New_York"
    )
    assert text.endswith(f"{expected}.")


@pytest.mark.parametrize(
    ("due", "expected"),
    [
        # 2026-10-25: Berlin falls back from CEST to CET at 03:00 local (01:00 UTC).
        (datetime(2026, 10, 25, 0, 30, tzinfo=UTC), "02:30 Mitteleuropäische Sommerzeit"),
        (datetime(2026, 10, 25, 1, 30, tzinfo=UTC), "02:30 Mitteleuropäische Normalzeit"),
        (datetime(2026, 10, 25, 8, 0, tzinfo=UTC), "09:00 Mitteleuropäische Normalzeit"),
        (datetime(2026, 10, 24, 8, 0, tzinfo=UTC), "10:00 Mitteleuropäische Sommerzeit"),
    ],
)
def test_due_time_in_berlin_across_the_fall_back(due: datetime, expected: str) -> None:
    text = acknowledgement(
        "de", reference=REFERENCE, team_name=TEAM, due=due, timezone="Europe/Berlin"
    )
    assert text.endswith(f"bis Sonntag, 25. Oktober 2026, {expected}.") or text.endswith(
        f"bis Samstag, 24. Oktober 2026, {expected}."
    )


def test_the_resolution_email_carries_the_summary_as_written() -> None:
    email = resolution_email(
        "zh_Hant",
        reference=REFERENCE,
        survey_url=SURVEY_URL,
        summary="帳號已解鎖。<b>請重新登入</b>",
    )
    assert "帳號已解鎖。<b>請重新登入</b>" in email.text
    assert "帳號已解鎖。&lt;b&gt;請重新登入&lt;/b&gt;" in email.html


def _acknowledged(locale: str, files: list[str]) -> Email:
    return acknowledgement_email(
        locale,
        reference=REFERENCE,
        team_name=TEAM,
        due=DUE,
        timezone=ZONE,
        status_url=STATUS_URL,
        files=files,
    )


@pytest.mark.parametrize("locale", SUPPORTED)
@pytest.mark.parametrize("names", [["photo.jpg"], ["photo.jpg", "invoice.pdf", "scan.png"]])
def test_the_acknowledgement_names_the_files_that_came_with_the_complaint(
    locale: str, names: list[str]
) -> None:
    without, with_files = _acknowledged(locale, []), _acknowledged(locale, names)
    added = [p for p in _paragraphs(with_files) if p not in _paragraphs(without)]
    assert len(added) == 1
    assert all(name in added[0] for name in names) and str(len(names)) in added[0]
    assert all(name in with_files.html for name in names)
    if locale != "en":
        _assert_localized(added[0], _paragraphs(_acknowledged("en", names))[2], locale)


def _replied(locale: str, files: list[str]) -> Email:
    return reply_email(
        locale,
        reference=REFERENCE,
        team_name=TEAM,
        body="Your return label is attached.",
        status_url=STATUS_URL,
        files=files,
    )


@pytest.mark.parametrize("locale", SUPPORTED)
@pytest.mark.parametrize("names", [["label.pdf"], ["label.pdf", "invoice.pdf"]])
def test_a_reply_names_the_files_that_came_with_it_before_the_link_to_open_them(
    locale: str, names: list[str]
) -> None:
    without, with_files = _replied(locale, []), _replied(locale, names)
    added = [p for p in _paragraphs(with_files) if p not in _paragraphs(without)]
    assert len(added) == 1
    assert all(name in added[0] for name in names) and str(len(names)) in added[0]
    paragraphs = _paragraphs(with_files)
    assert STATUS_URL in paragraphs[paragraphs.index(added[0]) + 1]
    assert all(name in with_files.html for name in names)
    if locale != "en":
        english = [p for p in _paragraphs(_replied("en", names)) if names[0] in p]
        _assert_localized(added[0], english[0], locale)


def test_a_file_name_in_a_reply_is_escaped_in_the_html() -> None:
    email = _replied("en", ["<b>label</b>.pdf"])
    assert "<b>label</b>.pdf" in email.text
    assert "&lt;b&gt;label&lt;/b&gt;.pdf" in email.html and "<b>label</b>" not in email.html
