"""Customer e-mail over SMTP: multilingual multipart messages with idempotent Message-IDs."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate, parseaddr
from html import escape

import aiosmtplib

from service.inbound.parse import REFERENCE_PATTERN, find_reference

# Every part is base64 or quoted-printable, so no relay on the way needs 8BITMIME.
_POLICY = SMTP.clone(cte_type="7bit")
_TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
DEFAULT_PORT = 25
DEFAULT_SENDER = "Meridian <support@meridian.example>"


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    username: str | None = None
    password: str | None = None
    start_tls: bool = False
    sender: str = DEFAULT_SENDER

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> SmtpSettings | None:
        """Settings from MERIDIAN_SMTP_* variables; None (e-mail disabled) without a host."""
        host = env.get("MERIDIAN_SMTP_HOST", "").strip()
        if not host:
            return None
        port_text = env.get("MERIDIAN_SMTP_PORT", "").strip() or str(DEFAULT_PORT)
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise ValueError(f"MERIDIAN_SMTP_PORT must be a TCP port number, not {port_text!r}")
        return cls(
            host=host,
            port=int(port_text),
            username=env.get("MERIDIAN_SMTP_USER") or None,
            password=env.get("MERIDIAN_SMTP_PASSWORD") or None,
            start_tls=env.get("MERIDIAN_SMTP_STARTTLS", "").strip().lower() in _TRUE_WORDS,
            sender=env.get("MERIDIAN_MAIL_FROM") or DEFAULT_SENDER,
        )


def message_id_for(
    idempotency_key: str, *, sender: str, secret: str, reference: str | None = None
) -> str:
    """A Message-ID that depends only on its inputs, so a resent mail can be de-duplicated, and
    that nobody without `secret` can predict (it is keyed, not a plain hash of the outbox id).

    A case reference, when given, is embedded too, so replies thread back to the case even
    when the customer edits the subject.
    """
    # 128 bits in base32 keep the header short enough not to be folded.
    digest = hmac.new(secret.encode(), idempotency_key.encode(), hashlib.sha256).digest()[:16]
    token = base64.b32encode(digest).decode("ascii").rstrip("=").lower()
    domain = parseaddr(sender)[1].rpartition("@")[2] or "meridian.invalid"
    local = f"{reference.lower()}.{token}" if reference else token
    return f"<{local}@{domain}>"


def build_message(
    *,
    to: str,
    subject: str,
    text: str,
    html: str | None,
    lang: str,
    direction: str,
    idempotency_key: str,
    secret: str,
    reply_to_reference: str | None = None,
    reply_to: str | None = None,
    sender: str,
) -> EmailMessage:
    """A multipart/alternative UTF-8 message; an HTML part is derived from `text` if none given.

    `direction` ("ltr" or "rtl") and `lang` mark up the HTML part so right-to-left text renders
    right-to-left in every client.
    """
    if direction not in ("ltr", "rtl"):
        raise ValueError(f"direction must be 'ltr' or 'rtl', not {direction!r}")
    reference = None
    if reply_to_reference is not None:
        if not REFERENCE_PATTERN.fullmatch(reply_to_reference):
            raise ValueError(f"not a case reference: {reply_to_reference!r}")
        reference = reply_to_reference.upper()
        if find_reference(subject) != reference:
            subject = f"[{reference}] {subject}"
    message = EmailMessage(policy=_POLICY)
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(usegmt=True)
    if reply_to is not None:
        message["Reply-To"] = reply_to
    message["Message-ID"] = message_id_for(
        idempotency_key, sender=sender, secret=secret, reference=reference
    )
    message.set_content(text, subtype="plain", charset="utf-8")
    message.add_alternative(
        _html_document(html if html is not None else _text_as_html(text), lang, direction),
        subtype="html",
        charset="utf-8",
    )
    # After the body: set_content() drops every Content-* header it finds.
    message["Content-Language"] = lang
    return message


def _text_as_html(text: str) -> str:
    paragraphs = (p.strip() for p in text.replace("\r\n", "\n").split("\n\n"))
    return "\n".join("<p>" + escape(p).replace("\n", "<br>\n") + "</p>" for p in paragraphs if p)


def _html_document(fragment_or_document: str, lang: str, direction: str) -> str:
    """Wrap an HTML fragment in a document carrying lang and dir; leave full documents alone."""
    if "<html" in fragment_or_document.lower():
        return fragment_or_document
    return (
        f'<!DOCTYPE html>\n<html lang="{escape(lang)}" dir="{direction}">\n'
        f'<head><meta charset="utf-8"></head>\n<body dir="{direction}">\n'
        f"{fragment_or_document}\n</body>\n</html>\n"
    )


async def send(settings: SmtpSettings, message: EmailMessage, *, timeout: float = 10.0) -> None:
    """Send over SMTP; raises aiosmtplib.SMTPException on any failure (the caller retries)."""
    await aiosmtplib.send(
        message,
        hostname=settings.host,
        port=settings.port,
        username=settings.username,
        password=settings.password,
        start_tls=settings.start_tls,
        timeout=timeout,
    )
