"""Outbound customer e-mail through a real SMTP server (aiosmtpd) on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any

import aiosmtplib
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from service.cases.access import reply_address
from service.inbound.parse import parse_inbound
from service.notify.smtp import SmtpSettings, build_message, message_id_for, send
from service.outbox.embedded_redis import free_port

SENDER = "Meridian <support@meridian.example>"


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes

    def parsed(self) -> EmailMessage:
        message = message_from_bytes(self.content, policy=default_policy)
        assert isinstance(message, EmailMessage)
        return message


@dataclass
class CollectingHandler:
    received: list[Received] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append(
            Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content)
        )
        return "250 Message accepted"


@pytest.fixture
def smtp_server() -> Iterator[tuple[CollectingHandler, SmtpSettings]]:
    handler = CollectingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield handler, SmtpSettings(host="127.0.0.1", port=controller.port, sender=SENDER)
    finally:
        controller.stop()


SECRET_KEY = "smtp-test-secret-key"
REPLY_TO = reply_address("MRD-7K3F92", SECRET_KEY, "meridian.example")


def arabic_message(idempotency_key: str = "case-1:ack") -> EmailMessage:
    return build_message(
        to="أحمد <ahmed@example.ae>",
        subject="تم استلام شكواك",
        text="شكراً لك. سيرد عليك فريق دبي خلال 4 ساعات.",
        html='<p dir="rtl">شكراً لك. سيرد عليك فريق دبي خلال <b>4 ساعات</b>.</p>',
        lang="ar",
        direction="rtl",
        idempotency_key=idempotency_key,
        secret=SECRET_KEY,
        reply_to_reference="MRD-7K3F92",
        reply_to=REPLY_TO,
        sender=SENDER,
    )


def japanese_message() -> EmailMessage:
    return build_message(
        to="山田太郎 <taro@example.jp>",
        subject="お問い合わせを受け付けました",
        text="お問い合わせありがとうございます。\n\n東京チームが本日中にご連絡します。",
        html=None,
        lang="ja",
        direction="ltr",
        idempotency_key="case-2:ack",
        secret=SECRET_KEY,
        sender=SENDER,
    )


async def test_arabic_message_arrives_intact(
    smtp_server: tuple[CollectingHandler, SmtpSettings],
) -> None:
    handler, settings = smtp_server
    await send(settings, arabic_message())
    (received,) = handler.received
    assert received.mail_from == "support@meridian.example"
    assert received.rcpt_tos == ["ahmed@example.ae"]
    received.content.decode("ascii")  # 7-bit clean: no relay needs 8BITMIME or SMTPUTF8
    message = received.parsed()
    assert message["Subject"] == "[MRD-7K3F92] تم استلام شكواك"
    assert message["Content-Language"] == "ar"
    assert message.get_content_type() == "multipart/alternative"
    plain, html = message.iter_parts()
    assert isinstance(plain, EmailMessage)
    assert isinstance(html, EmailMessage)
    assert plain.get_content_charset() == html.get_content_charset() == "utf-8"
    assert plain.get_content().splitlines() == ["شكراً لك. سيرد عليك فريق دبي خلال 4 ساعات."]
    html_text = html.get_content()
    assert '<html lang="ar" dir="rtl">' in html_text
    assert '<p dir="rtl">شكراً لك.' in html_text


async def test_japanese_message_gets_html_from_text(
    smtp_server: tuple[CollectingHandler, SmtpSettings],
) -> None:
    handler, settings = smtp_server
    await send(settings, japanese_message())
    message = handler.received[0].parsed()
    assert message["Subject"] == "お問い合わせを受け付けました"
    assert message["Content-Language"] == "ja"
    plain = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert plain is not None
    assert html is not None
    assert plain.get_content().splitlines() == [
        "お問い合わせありがとうございます。",
        "",
        "東京チームが本日中にご連絡します。",
    ]
    assert "<p>お問い合わせありがとうございます。</p>" in html.get_content()
    assert '<html lang="ja" dir="ltr">' in html.get_content()


async def test_resent_message_keeps_its_message_id(
    smtp_server: tuple[CollectingHandler, SmtpSettings],
) -> None:
    handler, settings = smtp_server
    await send(settings, arabic_message("case-1:ack"))
    await send(settings, arabic_message("case-1:ack"))
    await send(settings, arabic_message("case-1:resolution"))
    first, resent, other = (
        received.parsed()["Message-ID"].strip() for received in handler.received
    )
    expected = message_id_for(
        "case-1:ack", sender=SENDER, secret=SECRET_KEY, reference="MRD-7K3F92"
    )
    assert first == resent == expected
    assert other != first
    assert first.endswith("@meridian.example>")
    # Keyed: without the secret key nobody can predict the next message's ID.
    guessed = message_id_for("case-1:ack", sender=SENDER, secret="", reference="MRD-7K3F92")
    assert guessed != first
    assert handler.received[0].parsed()["Reply-To"] == REPLY_TO


async def test_customer_reply_threads_back_to_the_case(
    smtp_server: tuple[CollectingHandler, SmtpSettings],
) -> None:
    handler, settings = smtp_server
    await send(settings, arabic_message())
    sent = handler.received[0].parsed()
    reply = EmailMessage()
    reply["From"] = "ahmed@example.ae"
    reply["To"] = sent["From"]
    reply["Subject"] = "Re: " + sent["Subject"]
    reply["In-Reply-To"] = sent["Message-ID"]
    reply.set_content("ما زلت أنتظر.")
    parsed = parse_inbound(reply.as_bytes())
    assert parsed.reference == "MRD-7K3F92"
    assert parsed.in_reply_to == sent["Message-ID"].strip()
    assert parsed.text == "ما زلت أنتظر."


async def test_login_when_credentials_are_configured() -> None:
    logins: list[tuple[bytes, bytes]] = []

    def authenticator(
        server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        assert isinstance(auth_data, LoginPassword)
        logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=True)

    handler = CollectingHandler()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=free_port(),
        authenticator=authenticator,
        auth_require_tls=False,
    )
    controller.start()
    try:
        settings = SmtpSettings(
            host="127.0.0.1", port=controller.port, username="mailer", password="s3cret"
        )
        await send(settings, japanese_message())
    finally:
        controller.stop()
    assert logins == [(b"mailer", b"s3cret")]
    assert len(handler.received) == 1


async def test_send_raises_when_the_server_is_down() -> None:
    settings = SmtpSettings(host="127.0.0.1", port=free_port())
    with pytest.raises(aiosmtplib.SMTPConnectError):
        await send(settings, japanese_message(), timeout=5)


def test_subject_already_tagged_is_not_tagged_twice() -> None:
    message = build_message(
        to="jane@example.com",
        subject="Re: [MRD-7K3F92] Your refund",
        text="Done.",
        html=None,
        lang="en",
        direction="ltr",
        idempotency_key="k",
        secret=SECRET_KEY,
        reply_to_reference="mrd-7k3f92",
        sender=SENDER,
    )
    assert message["Subject"] == "Re: [MRD-7K3F92] Your refund"


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"direction": "sideways"}, "direction"),
        ({"reply_to_reference": "MRD-12345"}, "case reference"),
    ],
)
def test_build_message_rejects_bad_arguments(changes: dict[str, str], error: str) -> None:
    arguments: dict[str, Any] = {
        "to": "jane@example.com",
        "subject": "Hello",
        "text": "Hello",
        "html": None,
        "lang": "en",
        "direction": "ltr",
        "idempotency_key": "k",
        "secret": SECRET_KEY,
        "sender": SENDER,
    }
    with pytest.raises(ValueError, match=error):
        build_message(**(arguments | changes))


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, None),
        ({"MERIDIAN_SMTP_HOST": "  "}, None),
        ({"MERIDIAN_SMTP_HOST": "mail.internal"}, SmtpSettings(host="mail.internal")),
        (
            {
                "MERIDIAN_SMTP_HOST": "smtp.example.net",
                "MERIDIAN_SMTP_PORT": "587",
                "MERIDIAN_SMTP_USER": "meridian",
                "MERIDIAN_SMTP_PASSWORD": "pw",
                "MERIDIAN_SMTP_STARTTLS": "1",
                "MERIDIAN_MAIL_FROM": "Support <help@example.net>",
            },
            SmtpSettings(
                host="smtp.example.net",
                port=587,
                username="meridian",
                password="pw",
                start_tls=True,
                sender="Support <help@example.net>",
            ),
        ),
    ],
)
def test_settings_from_env(env: dict[str, str], expected: SmtpSettings | None) -> None:
    assert SmtpSettings.from_env(env) == expected


def test_settings_reject_a_bad_port() -> None:
    with pytest.raises(ValueError, match="MERIDIAN_SMTP_PORT"):
        SmtpSettings.from_env({"MERIDIAN_SMTP_HOST": "h", "MERIDIAN_SMTP_PORT": "smtp"})
