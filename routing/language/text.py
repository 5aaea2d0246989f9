"""Text preparation for language detection: strip what is not prose, then count scripts."""

from __future__ import annotations

import html
import re
import unicodedata
from bisect import bisect_right
from collections import Counter
from functools import lru_cache

# Every pattern below is linear in the text: runs are consumed possessively and matches start
# only where a run starts, so no input makes the engine rescan a run from each of its characters.
_REPLY_HEADER = re.compile(
    r"^[ \t]*+(?:"
    r"-{2,}+[ \t]*+(?:original message|ursprüngliche nachricht|message d'origine"
    r"|mensaje original|mensagem original|messaggio originale)[ \t]*+-{2,}+"
    r"|_{10,}+"
    r"|on\b.{0,200}\bwrote:"
    r"|le\b.{0,200}\ba écrit\s?:"
    r"|am\b.{0,200}\bschrieb\b.{0,200}:"
    r"|el\b.{0,200}\bescribió:"
    r"|em\b.{0,200}\bescreveu:"
    r"|il giorno\b.{0,200}\bha scritto:"
    r"|op\b.{0,200}\bschreef\b.{0,200}:"
    r")[ \t\r]*+$",
    re.IGNORECASE | re.MULTILINE,
)
_QUOTED_LINE = re.compile(r"^[ \t]*+>.*$", re.MULTILINE)
_QUOTE_MARK = re.compile(r"^[ \t]*+>[> \t]*+", re.MULTILINE)
_BLOCK_OPEN = re.compile(r"<(script|style)\b", re.IGNORECASE)
_BLOCK_CLOSE = {name: re.compile(rf"</{name}\s*+>", re.IGNORECASE) for name in ("script", "style")}
_HTML_TAG = re.compile(r"</?[A-Za-z][^<>]*+>")
_URL = re.compile(r"(?<![a-z0-9+.-])[a-z][a-z0-9+.-]*+://\S+|\bwww\.\S+", re.IGNORECASE)
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]++@[\w-]++(?:\.[\w-]++)+")
_HANDLE = re.compile(r"(?<!\w)[@#]\w+")
# Order, ticket and reference numbers: any token that holds a digit.
_CODE = re.compile(r"(?<![A-Za-z0-9０-９#/.:_-])[A-Za-z#/.:_-]*+[0-9０-９][A-Za-z0-9０-９#/.:_-]*+")

# detect() reads at most this many characters of cleaned text: the first half of them, then
# _SAMPLE_CHUNKS chunks spread evenly over the rest. A seam moves to whitespace at most _SEAM
# characters away.
SAMPLE_CHARS = 1200
_SAMPLE_CHUNKS = 4
_SEAM = 24
_SPACE = re.compile(r"\s+")
_LAST_SPACE = re.compile(r"\s\S*\Z")

_SCRIPT_RANGES: tuple[tuple[int, int, str], ...] = (
    (0x0041, 0x005A, "Latn"),
    (0x0061, 0x007A, "Latn"),
    (0x00C0, 0x024F, "Latn"),
    (0x0250, 0x02AF, "Latn"),
    (0x0370, 0x03FF, "Grek"),
    (0x0400, 0x052F, "Cyrl"),
    (0x0530, 0x058F, "Armn"),
    (0x0590, 0x05FF, "Hebr"),
    (0x0600, 0x06FF, "Arab"),
    (0x0700, 0x074F, "Syrc"),
    (0x0750, 0x077F, "Arab"),
    (0x0780, 0x07BF, "Thaa"),
    (0x08A0, 0x08FF, "Arab"),
    (0x0900, 0x097F, "Deva"),
    (0x0980, 0x09FF, "Beng"),
    (0x0A00, 0x0A7F, "Guru"),
    (0x0A80, 0x0AFF, "Gujr"),
    (0x0B00, 0x0B7F, "Orya"),
    (0x0B80, 0x0BFF, "Taml"),
    (0x0C00, 0x0C7F, "Telu"),
    (0x0C80, 0x0CFF, "Knda"),
    (0x0D00, 0x0D7F, "Mlym"),
    (0x0D80, 0x0DFF, "Sinh"),
    (0x0E00, 0x0E7F, "Thai"),
    (0x0E80, 0x0EFF, "Laoo"),
    (0x0F00, 0x0FFF, "Tibt"),
    (0x1000, 0x109F, "Mymr"),
    (0x10A0, 0x10FF, "Geor"),
    (0x1100, 0x11FF, "Hang"),
    (0x1200, 0x139F, "Ethi"),
    (0x1780, 0x17FF, "Khmr"),
    (0x1800, 0x18AF, "Mong"),
    (0x1C80, 0x1C8F, "Cyrl"),
    (0x1C90, 0x1CBF, "Geor"),
    (0x1E00, 0x1EFF, "Latn"),
    (0x1F00, 0x1FFF, "Grek"),
    (0x2C60, 0x2C7F, "Latn"),
    (0x2D00, 0x2D2F, "Geor"),
    (0x2DE0, 0x2DFF, "Cyrl"),
    (0x3005, 0x3005, "Hani"),
    (0x3040, 0x30FF, "Kana"),
    (0x3100, 0x312F, "Bopo"),
    (0x3130, 0x318F, "Hang"),
    (0x31A0, 0x31BF, "Bopo"),
    (0x31F0, 0x31FF, "Kana"),
    (0x3400, 0x4DBF, "Hani"),
    (0x4E00, 0x9FFF, "Hani"),
    (0xA640, 0xA69F, "Cyrl"),
    (0xA720, 0xA7FF, "Latn"),
    (0xA8E0, 0xA8FF, "Deva"),
    (0xA960, 0xA97F, "Hang"),
    (0xAC00, 0xD7FF, "Hang"),
    (0xF900, 0xFAFF, "Hani"),
    (0xFB1D, 0xFB4F, "Hebr"),
    (0xFB50, 0xFDFF, "Arab"),
    (0xFE70, 0xFEFF, "Arab"),
    (0xFF21, 0xFF3A, "Latn"),
    (0xFF41, 0xFF5A, "Latn"),
    (0xFF66, 0xFF9F, "Kana"),
    (0x20000, 0x3134F, "Hani"),
)
_RANGE_STARTS = [start for start, _, _ in _SCRIPT_RANGES]


def clean(text: str) -> str:
    """Drop quoted replies, markup, links, addresses, codes and symbols; keep the prose."""
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    if "<" in text:
        text = _HTML_TAG.sub(" ", _drop_comments(_drop_blocks(text)))
    if "&" in text:
        text = html.unescape(text)
    text = _strip_quoted_reply(text)
    if "://" in text or "www." in text.lower():
        text = _URL.sub(" ", text)
    if "@" in text:
        text = _EMAIL.sub(" ", text)
    if "@" in text or "#" in text:
        text = _HANDLE.sub(" ", text)
    return _CODE.sub(" ", text)


def _drop_blocks(text: str) -> str:
    """The text without its <script> and <style> elements (an unclosed one is kept)."""
    pieces, position = [], 0
    while opening := _BLOCK_OPEN.search(text, position):
        closing = _BLOCK_CLOSE[opening[1].lower()].search(text, opening.end())
        if closing is None:
            break
        pieces.append(text[position : opening.start()])
        position = closing.end()
    pieces.append(text[position:])
    return " ".join(pieces)


def _drop_comments(text: str) -> str:
    """The text without its closed <!-- --> comments."""
    pieces, position = [], 0
    while (start := text.find("<!--", position)) >= 0:
        end = text.find("-->", start + 4)
        if end < 0:
            break
        pieces.append(text[position:start])
        position = end + 3
    pieces.append(text[position:])
    return " ".join(pieces)


def sample(text: str, size: int = SAMPLE_CHARS) -> str:
    """At most `size` characters of the text: its first half-`size`, then evenly spaced chunks.

    Chunks are cut at whitespace where there is some near the cut, and joined by line breaks,
    so no word or sentence is made up at a seam.
    """
    if len(text) <= size:
        return text
    head = size // 2
    width = (size - head) // _SAMPLE_CHUNKS
    step = (len(text) - head - width) // _SAMPLE_CHUNKS
    parts = [_chunk(text, 0, head)]
    parts.extend(_chunk(text, head + i * step, width) for i in range(1, _SAMPLE_CHUNKS + 1))
    return "\n".join(parts)


def _chunk(text: str, start: int, width: int) -> str:
    """text[start : start + width] without the partial words at either end."""
    end = start + width
    if start > 0 and not text[start - 1].isspace():
        space = _SPACE.search(text, start, start + _SEAM)
        start = space.end() if space else start
    if end < len(text) and not text[end].isspace():
        space = _LAST_SPACE.search(text, end - _SEAM, end)
        end = space.start() if space else end
    return text[start:end]


def _strip_quoted_reply(text: str) -> str:
    """The customer's own words: the text above a reply header, without '>' lines."""
    own = text
    header = _REPLY_HEADER.search(own)
    if header:
        own = own[: header.start()]
    if ">" in own:
        own = _QUOTED_LINE.sub("", own)
    if any(ch.isalpha() for ch in own):
        return own
    return _QUOTE_MARK.sub("", text)


class _ScriptCodes(dict[int, str | None]):
    """Code point -> one private-use character naming its script (None: not a tabled letter)."""

    def __missing__(self, code: int) -> str | None:
        index = bisect_right(_RANGE_STARTS, code) - 1
        mark = None
        if index >= 0 and _is_letter(chr(code)):
            start, end, script = _SCRIPT_RANGES[index]
            if start <= code <= end:
                mark = _MARK_OF_SCRIPT[script]
        self[code] = mark
        return mark


def _is_letter(ch: str) -> bool:
    """Letters, and the vowel signs of abugidas (combining marks that are part of a word)."""
    return ch.isalpha() or unicodedata.category(ch)[0] == "M"


_SCRIPTS = sorted({script for _, _, script in _SCRIPT_RANGES})
_MARK_OF_SCRIPT = {script: chr(0xE000 + i) for i, script in enumerate(_SCRIPTS)}
_SCRIPT_OF_MARK = {mark: script for script, mark in _MARK_OF_SCRIPT.items()}
_SCRIPT_CODES = _ScriptCodes()


def count_scripts(text: str) -> Counter[str]:
    """How many letters of each script the text holds."""
    marks = Counter(text.translate(_SCRIPT_CODES))
    return Counter({_SCRIPT_OF_MARK[mark]: n for mark, n in marks.items()})


@lru_cache(maxsize=64)
def _outside(scripts: frozenset[str]) -> re.Pattern[str]:
    ranges = "".join(
        f"\\U{start:08x}-\\U{end:08x}" for start, end, script in _SCRIPT_RANGES if script in scripts
    )
    return re.compile(f"[^{ranges}]+")


def letters_of(text: str, scripts: frozenset[str]) -> str:
    """The text with every run of characters outside `scripts` turned into one space."""
    return _outside(scripts).sub(" ", text)
