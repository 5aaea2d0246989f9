"""Which files are taken: the type is read from the content, never from the name."""

from __future__ import annotations

import mimetypes
import re
import unicodedata
from pathlib import PurePosixPath, PureWindowsPath

import filetype

EXTENSION_OF: dict[str, str] = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "application/pdf": ".pdf",
    "audio/mpeg": ".mp3",
    "audio/ogg": ".ogg",
    "audio/x-wav": ".wav",
    "audio/mp4": ".m4a",
    "video/mp4": ".mp4",
    "video/webm": ".webm",
    "video/quicktime": ".mov",
    "text/plain": ".txt",
}
"""The allowlist: screenshots, documents, recordings, videos and plain text."""
IMAGES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})
_SAME_TYPE = {"audio/wav": "audio/x-wav", "audio/x-m4a": "audio/mp4", "video/x-m4v": "video/mp4"}
_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]+')
NAME_LIMIT = 120


def media_type_of(content: bytes) -> str | None:
    """The allowed type the bytes are, or None (outside the list, or not recognised)."""
    guessed = filetype.guess_mime(content)
    if guessed is not None:
        guessed = _SAME_TYPE.get(guessed, guessed)
        return guessed if guessed in EXTENSION_OF else None
    return "text/plain" if _is_plain_text(content) else None


def _is_plain_text(content: bytes) -> bool:
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return not any(unicodedata.category(c) == "Cc" and c not in "\t\n\r" for c in text)


def name_contradicts(name: str, media_type: str) -> bool:
    """True when the name's extension says another type than the content (a program named
    photo.png); names without an extension, or with one nobody knows, say nothing."""
    suffix = PurePosixPath(name).suffix.lower()
    if not suffix:
        return False
    said, _ = mimetypes.guess_type("x" + suffix, strict=False)
    if said is None:
        return False
    said = _SAME_TYPE.get(said, said)
    if media_type == "text/plain":
        return not said.startswith("text/")
    return said != media_type


def clean_name(name: str, media_type: str) -> str:
    """The file's own name without folders, control or reserved characters, at most
    NAME_LIMIT characters, ending in the extension of its real type."""
    base = PureWindowsPath(PurePosixPath(name).name).name
    base = _UNSAFE.sub("_", unicodedata.normalize("NFC", base)).strip(" ._") or "file"
    stem, extension = PurePosixPath(base).stem, EXTENSION_OF[media_type]
    if not name_contradicts(base, media_type) and PurePosixPath(base).suffix:
        extension = PurePosixPath(base).suffix.lower()
    return stem[: NAME_LIMIT - len(extension)] + extension
