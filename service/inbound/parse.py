"""Parse inbound customer e-mail (raw RFC 5322 bytes, as mail relays post it) into clean text."""

from __future__ import annotations

import base64
import binascii
import codecs
import email.policy
import html
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from email.message import Message
from email.parser import BytesParser
from email.utils import parseaddr
from html.parser import HTMLParser

from service.attachments.files import Upload

MAX_MESSAGE_BYTES = 16 * 1024 * 1024
"""Room for a few screenshots or a document (base64 makes files a third larger)."""
MAX_HEADERS = 300
MAX_PARTS = 100
MAX_NESTING = 8
_BOUNDARY = re.compile(rb'boundary\s*=\s*"?([^";\s]+)', re.IGNORECASE)

# Case references use Crockford's base32 without I, L, O, U (see service.cases.access).
REFERENCE_PATTERN = re.compile(
    r"(?<![0-9A-Z])MRD-([0-9A-HJKMNP-TV-Z]{6})(?![0-9A-Z])", re.IGNORECASE | re.ASCII
)


# The reply address of our own e-mails: reply+<reference>.<token>@… (service.cases.access).
_REPLY_ADDRESS = re.compile(
    r"reply\+(mrd-[0-9a-hjkmnp-tv-z]{6})\.([0-9a-f]{24})@", re.IGNORECASE | re.ASCII
)
_RECIPIENT_HEADERS = frozenset({"to", "cc", "delivered-to", "x-original-to", "envelope-to"})
# A relay's verdict that the sender's domain did not send this message.
_AUTHENTICATION_FAILURE = re.compile(r"\b(?:dmarc|spf)\s*=\s*fail\b", re.IGNORECASE)


class InvalidEmail(ValueError):
    """The message cannot become a case: too large, no sender, no readable text."""


@dataclass(frozen=True, slots=True)
class InboundEmail:
    sender_email: str
    sender_name: str | None
    subject: str
    text: str
    """The customer's own words: quoted history and signature stripped, whitespace normalised."""
    reference: str | None
    """An existing case reference (MRD-XXXXXX) the message replies to."""
    message_id: str | None
    in_reply_to: str | None
    language_hints: tuple[str, ...]
    """Locale tags from Content-Language, then from the charset, in that order."""
    reply_to_case: tuple[str, str] | None = None
    """(reference, token) of a case's reply address the message was sent to."""
    authentication_failed: bool = False
    """The relay's Authentication-Results say SPF or DMARC failed: the sender may be forged."""
    files: tuple[Upload, ...] = ()
    """Attached files and inline images, as sent (checked when they are stored)."""


def find_reference(text: str) -> str | None:
    """The first case reference in `text`, upper-cased, or None."""
    match = REFERENCE_PATTERN.search(text)
    return f"MRD-{match.group(1).upper()}" if match else None


def check_shape(raw: bytes) -> None:
    """Refuse, before the (costly) full parse, a message with too many headers, MIME parts or
    levels of nesting: the stdlib spends seconds of CPU on 20,000 parts."""
    head = re.split(rb"\r?\n\r?\n", raw, maxsplit=1)[0]
    headers = sum(1 for line in head.splitlines() if line and not line[:1].isspace())
    if headers > MAX_HEADERS:
        raise InvalidEmail(f"message has {headers} header fields; the limit is {MAX_HEADERS}")
    boundaries = set(_BOUNDARY.findall(raw))
    if len(boundaries) > MAX_NESTING:
        raise InvalidEmail(
            f"message nests {len(boundaries)} multiparts; the limit is {MAX_NESTING}"
        )
    parts = sum(  # delimiter lines, without the closing ones (--boundary--)
        raw.count(b"\n--" + boundary) - raw.count(b"\n--" + boundary + b"--")
        for boundary in boundaries
    )
    if parts > MAX_PARTS:
        raise InvalidEmail(f"message has {parts} MIME parts; the limit is {MAX_PARTS}")


def parse_inbound(raw: bytes) -> InboundEmail:
    """Parse one raw message; raises InvalidEmail (and nothing else) when it cannot be used."""
    if len(raw) > MAX_MESSAGE_BYTES:
        raise InvalidEmail(f"message is {len(raw)} bytes; the limit is {MAX_MESSAGE_BYTES}")
    check_shape(raw)
    headers, body, files = _read_structure(raw)
    sender_email, sender_name = _sender(headers, body.charset if body else None)
    if body is None:
        raise InvalidEmail("message has no text/plain or text/html part")
    subject, subject_charsets = _decode_header(_header(headers, "Subject") or "", body.charset)
    text = clean_text(_body_text(body))
    if not text:
        raise InvalidEmail("message has no text of its own (empty, or only quotes and signature)")
    threading_headers = (_header(headers, "In-Reply-To"), _header(headers, "References"))
    return InboundEmail(
        sender_email=sender_email,
        sender_name=sender_name,
        subject=subject,
        text=text,
        reference=find_reference(subject)
        or find_reference(" ".join(filter(None, threading_headers))),
        message_id=_first_message_id(_header(headers, "Message-ID")),
        in_reply_to=_first_message_id(threading_headers[0]),
        language_hints=_language_hints(
            (_header(headers, "Content-Language"), body.content_language),
            (body.charset, *subject_charsets),
        ),
        reply_to_case=_reply_address(headers),
        authentication_failed=any(
            _AUTHENTICATION_FAILURE.search(value)
            for name, value in headers
            if name.lower() == "authentication-results"
        ),
        files=files,
    )


def _reply_address(headers: Iterable[tuple[str, str]]) -> tuple[str, str] | None:
    """The first case reply address among the recipients, as (reference, token)."""
    for name, value in headers:
        if name.lower() in _RECIPIENT_HEADERS and (found := _REPLY_ADDRESS.search(value)):
            return found.group(1).upper(), found.group(2).lower()
    return None


# --- MIME structure -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Body:
    payload: bytes
    charset: str | None
    is_html: bool
    is_flowed: bool
    content_language: str | None


def _read_structure(
    raw: bytes,
) -> tuple[list[tuple[str, str]], _Body | None, tuple[Upload, ...]]:
    """Top-level raw headers, the preferred text part and the attached files, read with the
    stdlib parser."""
    try:
        message = BytesParser(policy=email.policy.default).parsebytes(raw)
        headers = [(name, _unfold(value)) for name, value in message.raw_items()]
        part = _preferred_text_part(message)
        body = None if part is None else _read_body(part)
        files = tuple(_attached_files(message, part))
    except Exception as exc:  # the stdlib parser has known crashes on hostile input
        raise InvalidEmail(f"unreadable MIME structure ({type(exc).__name__}: {exc})") from exc
    return headers, body, files


def _attached_files(part: Message, body: Message | None) -> Iterator[Upload]:
    """Every leaf part that is not the text we read: attachments and inline images (not the
    other alternatives of the text, nor attached, forwarded messages)."""
    if part is body:
        return
    if part.is_multipart() and part.get_content_maintype() != "message":
        for child in part.get_payload():
            if isinstance(child, Message):
                yield from _attached_files(child, body)
        return
    inline_text = part.get_content_maintype() == "text" and (
        part.get_content_disposition() != "attachment"
    )
    if inline_text or part.get_content_maintype() == "message":
        return
    content = part.get_payload(decode=True)
    if isinstance(content, bytes) and content:
        yield Upload(name=part.get_filename() or "", content=content)


def _preferred_text_part(message: Message) -> Message | None:
    """The first inline text/plain part, else the first inline text/html part."""
    parts = list(_inline_text_parts(message))
    for subtype in ("plain", "html"):
        for part in parts:
            if part.get_content_subtype() == subtype:
                return part
    return None


def _read_body(part: Message) -> _Body:
    payload = part.get_payload(decode=True)
    return _Body(
        payload=payload if isinstance(payload, bytes) else b"",
        charset=part.get_content_charset(),
        is_html=part.get_content_subtype() == "html",
        is_flowed=str(part.get_param("format", "")).lower() == "flowed",
        content_language=_header(
            [(name, _unfold(value)) for name, value in part.raw_items()], "Content-Language"
        ),
    )


def _inline_text_parts(part: Message) -> Iterator[Message]:
    """Text parts in document order, skipping attachments and attached (forwarded) messages."""
    if part.get_content_maintype() == "message":
        return
    if part.is_multipart():
        for child in part.get_payload():
            if isinstance(child, Message):
                yield from _inline_text_parts(child)
    elif part.get_content_maintype() == "text" and part.get_content_disposition() != "attachment":
        yield part


def _unfold(value: str) -> str:
    return re.sub(r"\r?\n|\r", "", value)


def _header(headers: Iterable[tuple[str, str]], name: str) -> str | None:
    wanted = name.lower()
    return next((value for key, value in headers if key.lower() == wanted), None)


def _first_message_id(value: str | None) -> str | None:
    if value is None:
        return None
    match = re.search(r"<[^<>\s]+>", value)
    return match.group() if match else (value.strip() or None)


_ADDRESS = re.compile(r"[^@\s<>()\[\],;:\"]+@[^@\s<>()\[\],;:\"]+\.[^@\s<>()\[\],;:\"]+")


def _sender(headers: list[tuple[str, str]], charset: str | None) -> tuple[str, str | None]:
    raw_from = _header(headers, "From")
    if not raw_from or not raw_from.strip():
        raise InvalidEmail("message has no From header")
    raw_name, raw_address = parseaddr(raw_from)
    address = _decode(_raw_bytes(raw_address), "utf-8").strip()
    if not _ADDRESS.fullmatch(address):
        raise InvalidEmail(f"From header has no usable address: {raw_from[:200]!r}")
    local, _, domain = address.rpartition("@")
    name, _ = _decode_header(raw_name, charset)
    return f"{local}@{domain.lower()}", name or None


# --- charsets -------------------------------------------------------------------------------

# Names mailers use that Python's codec registry does not know.
_CHARSET_ALIASES = {
    "x-gbk": "gbk",
    "windows-31j": "cp932",
    "x-sjis": "shift_jis",
    "x-euc-jp": "euc_jp",
    "x-mac-roman": "mac_roman",
}

# Codecs tried after the declared one: mailers routinely label supersets with the subset's name
# (GBK or GB18030 text as GB2312, Windows extensions as Shift_JIS or Big5, UHC as EUC-KR).
_SUPERSETS: dict[str, tuple[str, ...]] = {
    "gb2312": ("gbk", "gb18030"),
    "gbk": ("gb18030",),
    "big5": ("cp950", "big5hkscs"),
    "cp950": ("big5hkscs",),
    "shift_jis": ("cp932", "shift_jis_2004"),
    "cp932": ("shift_jis_2004",),
    "euc_jp": ("euc_jis_2004",),
    "iso2022_jp": ("iso2022_jp_ext", "iso2022_jp_2", "iso2022_jp_3"),
    "euc_kr": ("cp949",),
    "iso8859-6": ("cp1256",),
    "ascii": ("utf-8", "cp1252"),
}

_CHARSET_LANGUAGE = {
    "gb2312": "zh-Hans",
    "gbk": "zh-Hans",
    "gb18030": "zh-Hans",
    "hz": "zh-Hans",
    "big5": "zh-Hant",
    "cp950": "zh-Hant",
    "big5hkscs": "zh-Hant",
    "iso2022_jp": "ja",
    "iso2022_jp_ext": "ja",
    "iso2022_jp_3": "ja",
    "shift_jis": "ja",
    "cp932": "ja",
    "shift_jis_2004": "ja",
    "euc_jp": "ja",
    "euc_jis_2004": "ja",
    "euc_kr": "ko",
    "cp949": "ko",
    "iso2022_kr": "ko",
    "cp1256": "ar",
    "iso8859-6": "ar",
    "koi8-r": "ru",
}


def _codec_name(charset: str | None) -> str | None:
    """Python's canonical codec name for a MIME charset label, or None if unknown."""
    if not charset:
        return None
    label = charset.strip().strip("\"'").lower()
    try:
        return codecs.lookup(_CHARSET_ALIASES.get(label, label)).name
    except (LookupError, ValueError):
        return None


def _codec_chain(charset: str | None) -> list[str]:
    declared = _codec_name(charset)
    if declared is None:  # undeclared or unknown: 8-bit text is most likely UTF-8
        return ["utf-8", "cp1252"]
    return [declared, *_SUPERSETS.get(declared, ()), "utf-8"]


def _decode(data: bytes, *charsets: str | None) -> str:
    """Decode with the charsets given and their supersets; U+FFFD only as a last resort."""
    chain = list(dict.fromkeys(codec for c in charsets for codec in _codec_chain(c)))
    for codec in chain:
        try:
            return data.decode(codec)
        except (UnicodeError, LookupError):
            continue
    for codec in chain:
        try:
            return data.decode(codec, "replace")
        except (UnicodeError, LookupError):  # e.g. a non-text codec such as "idna" or "rot13"
            continue
    return data.decode("utf-8", "replace")


def _raw_bytes(text: str) -> bytes:
    """The original bytes of a header parsed from bytes (8-bit bytes are surrogate-escaped)."""
    return text.encode("utf-8", "surrogateescape")


# --- headers --------------------------------------------------------------------------------

_ENCODED_WORD = re.compile(r"=\?([^?\s*]+)(?:\*[^?\s]*)?\?([BbQq])\?([^?\s]*)\?=")


def _decode_header(value: str, fallback_charset: str | None) -> tuple[str, list[str]]:
    """Decode RFC 2047 encoded words and raw 8-bit text; also return the charsets declared.

    Adjacent encoded words in one charset are joined before decoding, since mailers split
    multi-byte characters across them.
    """
    chunks: list[tuple[bytes, str | None]] = []
    position = 0
    for word in _ENCODED_WORD.finditer(value):
        gap = value[position : word.start()]
        follows_word = bool(chunks) and chunks[-1][1] is not None
        if gap and not (follows_word and gap.isspace()):
            chunks.append((_raw_bytes(gap), None))
        charset = word.group(1).lower()
        data = _decode_word_payload(word.group(2).upper(), word.group(3))
        if data is None:
            chunks.append((_raw_bytes(word.group()), None))
        elif chunks and chunks[-1][1] == charset:
            chunks[-1] = (chunks[-1][0] + data, charset)
        else:
            chunks.append((data, charset))
        position = word.end()
    if position < len(value):
        chunks.append((_raw_bytes(value[position:]), None))
    text = "".join(
        _decode(data, charset) if charset else _decode(data, "utf-8", fallback_charset)
        for data, charset in chunks
    )
    declared = [charset for _, charset in chunks if charset is not None]
    return " ".join(_strip_controls(text).split()), declared


def _decode_word_payload(encoding: str, payload: str) -> bytes | None:
    data = _raw_bytes(payload)
    if encoding == "Q":
        return binascii.a2b_qp(data, header=True)
    data = data.rstrip(b"=")
    try:
        return base64.b64decode(data + b"=" * (-len(data) % 4))
    except ValueError:
        return None


def _language_hints(
    content_languages: Sequence[str | None], charsets: Sequence[str | None]
) -> tuple[str, ...]:
    hints: list[str] = []
    for header in content_languages:
        for tag in (header or "").split(","):
            if re.fullmatch(r"[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*", tag.strip()):
                hints.append(_canonical_tag(tag.strip()))
    for charset in charsets:
        if (language := _CHARSET_LANGUAGE.get(_codec_name(charset) or "")) is not None:
            hints.append(language)
    return tuple(dict.fromkeys(hints))


def _canonical_tag(tag: str) -> str:
    """BCP 47 case conventions: zh-hant-tw → zh-Hant-TW."""
    first, *rest = tag.split("-")
    subtags = [first.lower()]
    for subtag in rest:
        if len(subtag) == 4 and subtag.isalpha():
            subtags.append(subtag.title())
        elif len(subtag) == 2 and subtag.isalpha():
            subtags.append(subtag.upper())
        else:
            subtags.append(subtag.lower())
    return "-".join(subtags)


# --- body text ------------------------------------------------------------------------------


def _body_text(body: _Body) -> str:
    text = _decode(body.payload, body.charset)
    if body.is_html:
        return html_to_text(text)
    return _unflow(text) if body.is_flowed else text


def _unflow(text: str) -> str:
    """Join RFC 3676 format=flowed soft line breaks (a line ending in a space continues)."""
    joined: list[str] = []
    for line in text.replace("\r\n", "\n").split("\n"):
        if joined and joined[-1].endswith(" ") and joined[-1] != "-- ":
            joined[-1] += line
        else:
            joined.append(line)
    return "\n".join(joined)


class _HtmlText(HTMLParser):
    """Visible text of an HTML body, with a line break for each block; quotes left out."""

    BLOCKS = frozenset(
        {
            "address",
            "article",
            "br",
            "dd",
            "div",
            "dl",
            "dt",
            "footer",
            "h1",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "header",
            "hr",
            "li",
            "ol",
            "p",
            "pre",
            "section",
            "table",
            "tr",
            "ul",
        }
    )
    HIDDEN = frozenset({"blockquote", "head", "script", "style", "template", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self.hidden_depth = 0
        self.pre_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.HIDDEN:
            self.hidden_depth += 1
        elif tag in self.BLOCKS:
            self.chunks.append("\n")
        if tag == "pre":
            self.pre_depth += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.BLOCKS:
            self.chunks.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN:
            self.hidden_depth = max(0, self.hidden_depth - 1)
        elif tag in self.BLOCKS and tag != "br":
            self.chunks.append("\n")
        if tag == "pre":
            self.pre_depth = max(0, self.pre_depth - 1)

    def handle_data(self, data: str) -> None:
        if not self.hidden_depth:
            self.chunks.append(data if self.pre_depth else re.sub(r"[ \t\r\n\f]+", " ", data))


def html_to_text(markup: str) -> str:
    parser = _HtmlText()
    try:
        parser.feed(markup)
        parser.close()
    except AssertionError:  # html.parser rejects some malformed declarations, e.g. "<![foo["
        return html.unescape(re.sub(r"<[^>]*>", "\n", markup))
    return "".join(parser.chunks)


# --- quoted history, signatures, whitespace -------------------------------------------------

_ATTRIBUTION = re.compile(
    r"""^(?:
        On\s(?=.*\d).{0,250}\swrote:
      | Le\s(?=.*\d).{0,250}\sa\s[ée]crit\s?:
      | Am\s(?=.*\d).{0,250}\sschrieb.{0,250}:
      | El\s(?=.*\d).{0,250}\sescribi[óo]:
      | Em\s(?=.*\d).{0,250}\sescreveu:
      | Il\s(?=.*\d).{0,250}\sha\sscritto:
      | Op\s(?=.*\d).{0,250}\sschreef.{0,250}:
      | 在.{0,250}写道[:：]
      | .{0,250}於.{0,250}寫道[:：]
      | .{0,250}のメッセージ[:：]
      | .{0,250}さんは書きました[:：]
      | \d{4}年\d{1,2}月\d{1,2}日.{0,250}@.{0,250}>\s?[:：]
      | .{0,250}님이\s?작성[:：]
      | في\s.{0,250}كتب\s?[:：]
    )$""",
    re.IGNORECASE | re.VERBOSE,
)
_SEPARATOR = re.compile(
    r"""^(?:
        -{2,}\s*(?:Original\sMessage|Ursprüngliche\sNachricht|Message\sd'origine|Mensaje\soriginal
                |Mensagem\soriginal|Messaggio\soriginale|原始邮件|原始郵件|元のメッセージ)\s*-{2,}
      | _{20,}
    )$""",
    re.IGNORECASE | re.VERBOSE,
)
_OUTLOOK_FROM = re.compile(
    r"^\*?(?:From|De|Von|Van|Da|Från|Fra|От|差出人|发件人|寄件者|보낸\s사람|من)\s?\*?[:：]\s*\S",
    re.IGNORECASE,
)
_OUTLOOK_SENT = re.compile(
    r"^\*?(?:Sent|Date|Envoyé|Gesendet|Enviado|Inviato|Verzonden|Skickat|Sendt|Отправлено"
    r"|送信日時|发送时间|發送時間|傳送時間|寄件日期|보낸\s날짜|تاريخ\sالإرسال|أرسلت)\s?\*?[:：]",
    re.IGNORECASE,
)
_MOBILE_FOOTER = re.compile(
    r"""^(?:
        Sent\sfrom\smy\s(?:iPhone|iPad|Android|BlackBerry|Galaxy|Samsung|Huawei|Pixel|mobile
                          |phone|smartphone)\b.{0,30}
      | Sent\sfrom\s(?:Outlook|Mail|Yahoo\sMail)\b.{0,40}
      | Get\sOutlook\sfor\s\w+
      | Envoyé\sde\smon\s\w+
      | Von\smeinem\s\w+\sgesendet
      | Enviado\sdesde\smi\s\w+
      | Enviado\sdo\smeu\s\w+
      | Inviato\sda(?:l\smio)?\s\w+
      | 从我的\s?\w+\s?发送
      | 從我的\s?\w+\s?傳送
      | \w+から送信
      | 내\s\w+에서\s보냄
    )$""",
    re.IGNORECASE | re.VERBOSE,
)
# One pass per line for every marker that ends the customer's own text by itself.
_CUT_LINE = re.compile(
    "|".join(f"(?:{p.pattern})" for p in (_MOBILE_FOOTER, _SEPARATOR, _ATTRIBUTION)),
    re.IGNORECASE | re.VERBOSE,
)
_HORIZONTAL_SPACE = re.compile(r"[ \t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ufeff]")


def clean_text(text: str) -> str:
    """The customer's own words: drop quoted lines, cut at reply history or signature."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    stripped = [_HORIZONTAL_SPACE.sub(" ", line).strip() for line in lines]
    kept: list[str] = []
    for index, line in enumerate(lines):
        if _starts_history_or_signature(line, stripped, index):
            break
        if not stripped[index].startswith(">"):
            kept.append(line)
    return _normalise_whitespace("\n".join(kept))


def _starts_history_or_signature(line: str, stripped: Sequence[str], index: int) -> bool:
    if line in ("-- ", "--"):
        return True
    current = stripped[index]
    if not current:
        return False
    if _CUT_LINE.match(current):
        return True
    following = stripped[index + 1] if index + 1 < len(stripped) else ""
    # Mailers wrap long attribution lines: "On …, Jane Doe <" / "jane@example.com> wrote:".
    # (When the next line is an attribution by itself, it is cut there instead.)
    if (
        following
        and not _ATTRIBUTION.match(following)
        and _ATTRIBUTION.match(f"{current} {following}")
    ):
        return True
    return bool(_OUTLOOK_FROM.match(current)) and any(
        _OUTLOOK_SENT.match(later) for later in stripped[index + 1 : index + 5]
    )


def _strip_controls(text: str) -> str:
    return _CONTROLS.sub("", text)


def _normalise_whitespace(text: str) -> str:
    text = unicodedata.normalize("NFC", text.replace("\t", " "))
    lines = [_HORIZONTAL_SPACE.sub(" ", _strip_controls(line)).strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
