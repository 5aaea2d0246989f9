"""Fuzzing the two parsers that take arbitrary outside input: the e-mail parser either returns
an InboundEmail or raises InvalidEmail, and language detection always returns a detection;
no other exception escapes, whatever the bytes."""

from __future__ import annotations

from email.message import EmailMessage

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from routing.language import detect
from service.inbound.parse import InvalidEmail, parse_inbound

HEADER_NAMES = st.sampled_from(
    [
        "From",
        "To",
        "Subject",
        "Content-Type",
        "Content-Transfer-Encoding",
        "Message-ID",
        "In-Reply-To",
        "References",
        "Content-Language",
        "Authentication-Results",
        "MIME-Version",
    ]
)
HEADER_VALUES = st.one_of(
    st.text(max_size=80),
    st.sampled_from(
        [
            "text/plain; charset=big5",
            "text/html; charset=unknown-8bit",
            'multipart/mixed; boundary="b"',
            "multipart/alternative",
            "base64",
            "quoted-printable",
            "=?utf-8?b?5L2g5aW9?=",
            "=?gb2312?q?=C4=E3=BA=C3?=",
            "Mei <mei@example.tw>",
            "reply+mrd-7k3f92.000000000000000000000000@meridian.example",
        ]
    ),
)


@st.composite
def raw_messages(draw: st.DrawFn) -> bytes:
    """Header-shaped lines (sometimes broken), a blank line, then any body bytes."""
    headers = draw(st.lists(st.tuples(HEADER_NAMES, HEADER_VALUES), max_size=8))
    head = "".join(f"{name}: {value}\r\n" for name, value in headers)
    body = draw(st.binary(max_size=400))
    return head.encode("utf-8", "surrogateescape") + b"\r\n" + body


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=st.one_of(raw_messages(), st.binary(max_size=600)))
def test_the_e_mail_parser_never_raises_anything_but_invalid_email(raw: bytes) -> None:
    try:
        parsed = parse_inbound(raw)
    except InvalidEmail:
        return
    assert parsed.sender_email and parsed.text


@settings(max_examples=100, deadline=None)
@given(
    text=st.text(max_size=300), charset=st.sampled_from(["utf-8", "big5", "shift_jis", "koi8-r"])
)
def test_well_formed_messages_in_any_charset_parse_or_are_refused_cleanly(
    text: str, charset: str
) -> None:
    mail = EmailMessage()
    mail["From"] = "mei@example.tw"
    mail["To"] = "care@meridian.example"
    mail["Subject"] = " ".join(text[:40].split())  # a header holds no line breaks
    try:
        mail.set_content(text, charset=charset)
    except (UnicodeEncodeError, LookupError):
        return  # the text cannot be written in that charset: not a message anyone can send
    try:
        parsed = parse_inbound(mail.as_bytes())
    except InvalidEmail:
        return  # e.g. nothing but whitespace to read
    assert parsed.sender_email == "mei@example.tw"


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=500), hints=st.lists(st.text(max_size=20), max_size=3))
def test_language_detection_always_answers(text: str, hints: list[str]) -> None:
    detection = detect(text, hints)
    assert detection.language
    assert 0.0 <= detection.confidence <= 1.0


def _many_parts(count: int) -> bytes:
    parts = "".join(f"--b\r\nContent-Type: text/plain\r\n\r\npart {n}\r\n" for n in range(count))
    return (
        "From: mei@example.tw\r\nTo: care@meridian.example\r\nSubject: x\r\n"
        'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n'
        f"{parts}--b--\r\n"
    ).encode()


def test_a_message_of_twenty_thousand_parts_is_refused_before_the_full_parse() -> None:
    raw = _many_parts(20_000)  # under the 1 MiB cap; the full parse took 13-16 s of CPU
    assert len(raw) < 1024 * 1024
    with pytest.raises(InvalidEmail, match="MIME parts"):
        parse_inbound(raw)


def test_a_message_of_a_few_parts_still_parses() -> None:
    assert parse_inbound(_many_parts(3)).text.startswith("part 0")


def test_too_many_headers_are_refused() -> None:
    raw = ("From: mei@example.tw\r\n" + "X-Noise: 1\r\n" * 400 + "\r\nHello").encode()
    with pytest.raises(InvalidEmail, match="header fields"):
        parse_inbound(raw)
