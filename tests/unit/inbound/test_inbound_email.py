"""Inbound e-mail parsing: charsets, MIME structure, threading, quote and signature stripping."""

from __future__ import annotations

import base64
import quopri
from collections.abc import Callable
from email.message import EmailMessage
from email.policy import SMTP

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.inbound.parse import (
    MAX_MESSAGE_BYTES,
    InboundEmail,
    InvalidEmail,
    clean_text,
    find_reference,
    parse_inbound,
)

SENDER = b"From: Jane Doe <jane@example.com>\r\n"


def raw_message(
    body: bytes,
    *,
    content_type: str = "text/plain; charset=utf-8",
    transfer_encoding: str = "8bit",
    subject: bytes = b"Complaint",
    extra_headers: bytes = b"",
) -> bytes:
    return (
        SENDER
        + b"To: support@meridian.example\r\nSubject: "
        + subject
        + b"\r\nMIME-Version: 1.0\r\nContent-Type: "
        + content_type.encode()
        + b"\r\nContent-Transfer-Encoding: "
        + transfer_encoding.encode()
        + b"\r\n"
        + extra_headers
        + b"\r\n"
        + body
    )


def encoded_word(text: str, charset: str, encoding: str = "B") -> bytes:
    data = text.encode(charset)
    if encoding == "B":
        payload = base64.b64encode(data)
    else:
        payload = quopri.encodestring(data, header=True).replace(b"?", b"=3F")
    return b"=?" + charset.upper().encode() + b"?" + encoding.encode() + b"?" + payload + b"?="


def parsed_message(message: EmailMessage) -> InboundEmail:
    return parse_inbound(message.as_bytes(policy=SMTP))


# --- charsets -------------------------------------------------------------------------------

CHARSET_CASES = [
    # (declared charset, codec that produced the bytes, text, language hint)
    ("gb2312", "gb2312", "我的订单还没有到，请帮我查一下。", "zh-Hans"),
    ("gb2312", "gbk", "朱镕基和陶喆的订单没有到。", "zh-Hans"),  # 镕 and 喆 exist only in GBK
    ("gbk", "gbk", "退款什么时候到账？", "zh-Hans"),
    ("gb18030", "gb18030", "订单号码𠀀有误", "zh-Hans"),
    ("big5", "big5", "我的訂單還沒有到，請幫我查一下。", "zh-Hant"),
    ("iso-2022-jp", "iso-2022-jp", "注文した商品がまだ届いていません。", "ja"),
    ("shift_jis", "shift_jis", "注文した商品がまだ届いていません。", "ja"),
    ("shift_jis", "cp932", "注文番号①の商品が壊れていました。", "ja"),  # ① is a CP932 extension
    ("euc-jp", "euc-jp", "返金をお願いします。", "ja"),
    ("euc-kr", "euc-kr", "주문한 상품이 아직 도착하지 않았습니다.", "ko"),
    ("windows-1256", "windows-1256", "لم يصل طلبي بعد، أرجو المساعدة.", "ar"),
    ("iso-8859-6", "iso-8859-6", "لم يصل طلبي بعد", "ar"),
    ("koi8-r", "koi8-r", "Мой заказ ещё не пришёл.", "ru"),
    ("utf-8", "utf-8", "Mon colis est arrivé cassé — remboursement ?", None),
]


@pytest.mark.parametrize(
    ("charset", "codec", "text", "hint"),
    CHARSET_CASES,
    ids=[f"{case[0]}-as-{case[1]}" for case in CHARSET_CASES],
)
@pytest.mark.parametrize("transfer_encoding", ["8bit", "base64"])
def test_body_is_decoded_with_declared_charset(
    charset: str, codec: str, text: str, hint: str | None, transfer_encoding: str
) -> None:
    data = text.encode(codec)
    body = base64.encodebytes(data) if transfer_encoding == "base64" else data
    parsed = parse_inbound(
        raw_message(
            body,
            content_type=f"text/plain; charset={charset}",
            transfer_encoding=transfer_encoding,
        )
    )
    assert parsed.text == text
    assert "\ufffd" not in parsed.text
    assert parsed.language_hints == ((hint,) if hint else ())


@pytest.mark.parametrize(
    ("transfer_encoding", "encode"),
    [
        ("quoted-printable", quopri.encodestring),
        ("base64", base64.encodebytes),
    ],
)
def test_utf8_transfer_encodings(transfer_encoding: str, encode: Callable[[bytes], bytes]) -> None:
    text = "Замовлення не прийшло. 订单没到。 الطلب لم يصل"
    parsed = parse_inbound(raw_message(encode(text.encode()), transfer_encoding=transfer_encoding))
    assert parsed.text == text


@pytest.mark.parametrize(
    ("declared", "data", "expected"),
    [
        ("us-ascii", "Café crème".encode(), "Café crème"),  # mislabelled UTF-8
        ("x-unknown-charset", "naïve".encode(), "naïve"),
        ("x-gbk", "镕".encode("gbk"), "镕"),
        ("windows-31j", "①".encode("cp932"), "①"),
        ("utf-8", b"broken \xff byte", "broken \ufffd byte"),  # replacement only as a last resort
    ],
)
def test_charset_fallbacks(declared: str, data: bytes, expected: str) -> None:
    parsed = parse_inbound(raw_message(data, content_type=f"text/plain; charset={declared}"))
    assert parsed.text == expected


def test_missing_charset_with_8bit_utf8_body() -> None:
    parsed = parse_inbound(raw_message("Grüße".encode(), content_type="text/plain"))
    assert parsed.text == "Grüße"


# --- subjects -------------------------------------------------------------------------------

SUBJECT_CASES = [
    ("gb2312-base64", encoded_word("退款申请", "gb2312"), "退款申请"),
    ("gb2312-label-gbk-bytes", encoded_word("朱镕基", "gbk").replace(b"GBK", b"GB2312"), "朱镕基"),
    ("big5", encoded_word("退貨問題", "big5"), "退貨問題"),
    ("iso-2022-jp", encoded_word("返品について", "iso-2022-jp"), "返品について"),
    ("shift_jis-q", encoded_word("返品", "shift_jis", "Q"), "返品"),
    ("utf-8-q", encoded_word("Réclamation n°2", "utf-8", "Q"), "Réclamation n°2"),
    ("windows-1256", encoded_word("شكوى", "windows-1256"), "شكوى"),
    (
        "utf-8-split-character",
        # "注文" is split mid-character across two encoded words, as some mailers do.
        b"=?UTF-8?B?" + base64.b64encode("注文".encode()[:4]) + b"?=\r\n =?UTF-8?B?"
        b"" + base64.b64encode("注文".encode()[4:]) + b"?=",
        "注文",
    ),
    (
        "mixed-plain-and-encoded",
        b"Re: " + encoded_word("退款", "gb2312") + b" (urgent)",
        "Re: 退款 (urgent)",
    ),
    ("raw-8bit-utf-8", "Réclamation brute".encode(), "Réclamation brute"),
    ("unknown-charset", b"=?x-unknown?Q?caf=C3=A9?=", "café"),
    ("malformed-base64-kept", b"=?utf-8?B?QUJDR?=", "=?utf-8?B?QUJDR?="),
    ("folded", b"A long\r\n subject", "A long subject"),
]


@pytest.mark.parametrize(
    ("subject", "expected"),
    [case[1:] for case in SUBJECT_CASES],
    ids=[case[0] for case in SUBJECT_CASES],
)
def test_subject_is_decoded(subject: bytes, expected: str) -> None:
    assert parse_inbound(raw_message(b"Hello", subject=subject)).subject == expected


def test_subject_charset_gives_language_hint() -> None:
    parsed = parse_inbound(raw_message(b"Hello", subject=encoded_word("返品", "iso-2022-jp")))
    assert parsed.language_hints == ("ja",)


def test_sender_name_is_decoded_and_domain_lower_cased() -> None:
    raw = raw_message(b"Hello").replace(
        SENDER, b"From: " + encoded_word("张三", "gb2312") + b" <Zhang.San@Example.CN>\r\n"
    )
    parsed = parse_inbound(raw)
    assert (parsed.sender_email, parsed.sender_name) == ("Zhang.San@example.cn", "张三")


def test_sender_without_display_name() -> None:
    raw = raw_message(b"Hello").replace(SENDER, b"From: jane@example.com\r\n")
    parsed = parse_inbound(raw)
    assert (parsed.sender_email, parsed.sender_name) == ("jane@example.com", None)


# --- MIME structure -------------------------------------------------------------------------


def base_message() -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Jane Doe <jane@example.com>"
    message["To"] = "support@meridian.example"
    message["Subject"] = "Complaint"
    return message


def test_multipart_alternative_prefers_plain_text() -> None:
    message = base_message()
    message.set_content("Plain words.")
    message.add_alternative("<p>HTML <b>words</b>.</p>", subtype="html")
    assert parsed_message(message).text == "Plain words."


def test_html_only_is_converted_to_text() -> None:
    message = base_message()
    message.set_content(
        "<html><head><title>t</title><style>p {color: red}</style></head><body>"
        "<p>My order&nbsp;#42   never\n arrived.</p><p>Line one<br>line two</p>"
        "<ul><li>item A</li><li>item B</li></ul>"
        "<div class='gmail_quote'><blockquote>Earlier message</blockquote></div>"
        "<script>alert(1)</script></body></html>",
        subtype="html",
    )
    assert parsed_message(message).text == (
        "My order #42 never arrived.\n\nLine one\nline two\n\nitem A\n\nitem B"
    )


def test_html_with_malformed_declaration_still_yields_text() -> None:
    raw = raw_message(b"<p>Hello</p><![foo[ x ]]><p>there</p>", content_type="text/html")
    assert parse_inbound(raw).text == "Hello\n\nthere"


def test_attachments_and_forwarded_messages_are_not_the_body() -> None:
    forwarded = base_message()
    forwarded.set_content("Forwarded text")
    message = base_message()
    message.set_content("See the attached order.")
    message.add_attachment(b"order,42\n", maintype="text", subtype="csv", filename="order.csv")
    message.add_attachment(forwarded)
    assert parsed_message(message).text == "See the attached order."


def test_html_body_beside_an_attachment() -> None:
    message = base_message()
    message.set_content("<p>Invoice attached</p>", subtype="html")
    message.add_attachment(b"%PDF", maintype="application", subtype="pdf", filename="a.pdf")
    assert parsed_message(message).text == "Invoice attached"


def test_format_flowed_soft_breaks_are_joined() -> None:
    raw = raw_message(
        b"This line is \r\nwrapped by the mailer.\r\nNew line.\r\n",
        content_type="text/plain; charset=utf-8; format=flowed",
    )
    assert parse_inbound(raw).text == "This line is wrapped by the mailer.\nNew line."


def test_content_language_header_hints_come_first() -> None:
    raw = raw_message(
        "訂單".encode("big5"),
        content_type="text/plain; charset=big5",
        extra_headers=b"Content-Language: zh-hant-tw, en\r\n",
    )
    assert parse_inbound(raw).language_hints == ("zh-Hant-TW", "en", "zh-Hant")


# --- threading ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("subject", "reference"),
    [
        (b"Re: [MRD-7K3F92] Refund", "MRD-7K3F92"),
        (b"RE: AW: mrd-7k3f92 still broken", "MRD-7K3F92"),
        (b"Re: " + encoded_word("[MRD-7K3F92] 退款", "gb2312"), "MRD-7K3F92"),
        (b"[MRD-7K3F9] five characters", None),
        (b"MRD-7K3F92X too long", None),
        (b"MRD-7K3FI2 has an I", None),
        (b"New complaint", None),
    ],
)
def test_reference_from_subject(subject: bytes, reference: str | None) -> None:
    assert parse_inbound(raw_message(b"Hello", subject=subject)).reference == reference


def test_reference_and_ids_from_threading_headers() -> None:
    raw = raw_message(
        b"Still waiting.",
        subject=b"Re: my parcel",
        extra_headers=(
            b"Message-ID: <reply-1@example.com>\r\n"
            b"In-Reply-To:\r\n <mrd-7k3f92.0123abcd@meridian.example>\r\n"
            b"References: <first@example.com> <mrd-7k3f92.0123abcd@meridian.example>\r\n"
        ),
    )
    parsed = parse_inbound(raw)
    assert parsed.reference == "MRD-7K3F92"
    assert parsed.message_id == "<reply-1@example.com>"
    assert parsed.in_reply_to == "<mrd-7k3f92.0123abcd@meridian.example>"


def test_find_reference() -> None:
    assert find_reference("case mrd-abcdef and MRD-000000") == "MRD-ABCDEF"
    assert find_reference("XMRD-ABCDEF") is None


# --- quoted history and signatures ----------------------------------------------------------

OWN = "The blender arrived broken.\nPlease refund me."
STRIPPING_CASES = [
    ("quoted-lines", f"{OWN}\n> Dear customer,\n>> earlier"),
    ("interleaved-quote", "> Which order?\nThe blender arrived broken.\n> And?\nPlease refund me."),
    ("en", f"{OWN}\n\nOn Tue, 24 Nov 2026 at 11:00, Support <s@meridian.example> wrote:\nHi"),
    (
        "en-wrapped",
        f"{OWN}\nOn Tue, 24 Nov 2026 at 11:00, Meridian Support <\ns@meridian.example> wrote:\nHi",
    ),
    ("fr", f"{OWN}\nLe mar. 24 nov. 2026 à 11:00, Support <s@meridian.example> a écrit :\nBonjour"),
    (
        "de",
        f"{OWN}\nAm Di., 24. Nov. 2026 um 11:00 Uhr schrieb Support <s@meridian.example>:\nHallo",
    ),
    (
        "es",
        f"{OWN}\nEl mar, 24 nov 2026 a las 11:00, Support (<s@meridian.example>) escribió:\nHola",
    ),
    (
        "pt",
        f"{OWN}\nEm ter., 24 de nov. de 2026 às 11:00, Support <s@meridian.example> escreveu:\nOlá",
    ),
    ("zh-Hans", f"{OWN}\n在 2026年11月24日 11:00，客服 <s@meridian.example> 写道：\n您好"),
    ("zh-Hant", f"{OWN}\n客服 <s@meridian.example> 於 2026年11月24日 週二 上午11:00寫道：\n您好"),
    ("ja-gmail", f"{OWN}\n2026年11月24日(火) 11:00 サポート <s@meridian.example>:\nこんにちは"),
    ("ja-message", f"{OWN}\n2026/11/24 11:00、サポートのメッセージ:\nこんにちは"),
    ("ja-wrote", f"{OWN}\n山田さんは書きました:\nこんにちは"),
    ("ko", f"{OWN}\n2026년 11월 24일 (화) 오전 11:00, 지원팀 <s@meridian.example>님이 작성:\n안녕"),
    (
        "ar",
        f"{OWN}\nفي الثلاثاء، 24 نوفمبر 2026 في 11:00 ص، الدعم <s@meridian.example> كتب:\nمرحبا",
    ),
    ("original-message", f"{OWN}\n-----Original Message-----\nFrom: Support"),
    ("ursprungliche", f"{OWN}\n-----Ursprüngliche Nachricht-----\nVon: Support"),
    ("underscores", f"{OWN}\n________________________________\nFrom: Support\nSent: Tuesday"),
    (
        "outlook-en",
        f"{OWN}\n\nFrom: Meridian Support <s@meridian.example>\nSent: Tuesday, November 24, 2026"
        "\nTo: Jane\nSubject: Your case\n\nHello",
    ),
    ("outlook-de", f"{OWN}\nVon: Support\nGesendet: Dienstag, 24. November 2026\nAn: Jane"),
    ("outlook-zh", f"{OWN}\n发件人: 客服\n发送时间: 2026年11月24日 11:00\n收件人: Jane"),
    ("signature", f"{OWN}\n-- \nJane Doe\nACME Ltd, +44 20 7946 0000"),
    ("signature-trimmed", f"{OWN}\n--\nJane Doe"),
    ("iphone-en", f"{OWN}\n\nSent from my iPhone"),
    ("iphone-fr", f"{OWN}\n\nEnvoyé de mon iPhone"),
    ("iphone-de", f"{OWN}\n\nVon meinem iPhone gesendet"),
    ("iphone-zh", f"{OWN}\n\n从我的iPhone发送"),
    ("iphone-ja", f"{OWN}\n\niPhoneから送信"),
    (
        "footer-then-history",
        f"{OWN}\nSent from my iPhone\n\nOn 24 Nov 2026, at 11:00, S wrote:\n> x",
    ),
]


@pytest.mark.parametrize(
    "body", [case[1] for case in STRIPPING_CASES], ids=[case[0] for case in STRIPPING_CASES]
)
def test_quoted_history_and_signature_are_stripped(body: str) -> None:
    assert clean_text(body) == OWN
    assert parse_inbound(raw_message(body.replace("\n", "\r\n").encode())).text == OWN


@pytest.mark.parametrize(
    "body",
    [
        "On Monday I wrote to you twice:\nnobody answered.",  # no date: not an attribution
        "From: my flat in Leeds\nI sent the parcel back.",  # no Sent: line follows
        "Sent from my office, the letter never arrived.",
        "Price -- far too high.",
        "2026年11月24日に次の商品を注文しました：\n炊飯器",
    ],
)
def test_ordinary_text_is_kept(body: str) -> None:
    assert clean_text(body) == body


def test_whitespace_is_normalised() -> None:
    body = "  Hello\u00a0\u00a0 world \t\r\n\r\n\r\n\r\n  Bye\u3000now\x07 "
    assert clean_text(body) == "Hello world\n\nBye now"


# --- invalid input --------------------------------------------------------------------------

INVALID_CASES = [
    ("empty", b"", "From"),
    ("garbage", b"\x00\xff\xfe garbage \x81" * 50, "From"),
    ("no-from", raw_message(b"Hello").replace(SENDER, b""), "From"),
    ("from-without-address", raw_message(b"Hello").replace(SENDER, b"From: Jane Doe\r\n"), "From"),
    ("from-local-host", raw_message(b"Hello").replace(SENDER, b"From: root@localhost\r\n"), "From"),
    ("empty-body", raw_message(b"\r\n  \r\n"), "no text"),
    ("only-quote", raw_message(b"> earlier message\r\n-- \r\nJane"), "no text"),
    (
        "no-text-part",
        raw_message(
            base64.encodebytes(b"\x89PNG"), content_type="image/png", transfer_encoding="base64"
        ),
        "no text/plain",
    ),
    ("oversize", raw_message(b"x" * MAX_MESSAGE_BYTES), "limit"),
]


@pytest.mark.parametrize(
    ("raw", "message"),
    [case[1:] for case in INVALID_CASES],
    ids=[case[0] for case in INVALID_CASES],
)
def test_invalid_messages_are_rejected(raw: bytes, message: str) -> None:
    with pytest.raises(InvalidEmail, match=message):
        parse_inbound(raw)


def test_message_at_the_size_limit_is_accepted() -> None:
    head = raw_message(b"")
    raw = head + b"x" * (MAX_MESSAGE_BYTES - len(head))
    assert len(parse_inbound(raw).text) == MAX_MESSAGE_BYTES - len(head)


# --- robustness -----------------------------------------------------------------------------

header_like = st.builds(
    lambda content_type, charset, encoding, subject, body: raw_message(
        body,
        content_type=f"{content_type}; charset={charset}",
        transfer_encoding=encoding,
        subject=subject,
    ),
    st.sampled_from(["text/plain", "text/html", "multipart/alternative", "message/rfc822"]),
    st.sampled_from(["utf-8", "gb2312", "big5", "iso-2022-jp", "shift_jis", "idna", "rot13", "x"]),
    st.sampled_from(["8bit", "base64", "quoted-printable", "x-uuencode"]),
    st.binary(max_size=80),
    st.binary(max_size=400),
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.binary(max_size=2000), header_like))
def test_arbitrary_bytes_raise_only_invalid_email(raw: bytes) -> None:
    try:
        parsed = parse_inbound(raw)
    except InvalidEmail:
        return
    assert parsed.text
    assert "@" in parsed.sender_email
