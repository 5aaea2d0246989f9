"""Without an SMTP server, outgoing e-mail is written to `.eml` files a developer can open."""

from __future__ import annotations

import os
from dataclasses import dataclass
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default
from pathlib import Path

from aiosmtplib.email import flatten_message


@dataclass(frozen=True, slots=True)
class DroppedMail:
    path: Path
    to: str
    subject: str
    lang: str


def drop(directory: Path, message: EmailMessage, name: str) -> Path:
    """Write `message` as `<directory>/<name>.eml`: the bytes an SMTP server would receive.

    The same name is written again, not added to, when a job is retried.
    """
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = directory / f"{name}.eml"
    partial = directory / f".{name}.eml.partial"
    with os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as out:
        out.write(flatten_message(message, utf8=False, cte_type="7bit"))
    partial.replace(path)
    return path


def latest(directory: Path, limit: int = 20) -> list[DroppedMail]:
    """The newest dropped messages first."""
    paths = sorted(directory.glob("*.eml"), key=lambda p: p.stat().st_mtime, reverse=True)
    found: list[DroppedMail] = []
    for path in paths[:limit]:
        with path.open("rb") as eml:
            headers = BytesParser(policy=default).parse(eml, headersonly=True)
        found.append(
            DroppedMail(
                path=path,
                to=str(headers.get("To", "")),
                subject=str(headers.get("Subject", "")),
                lang=str(headers.get("Content-Language", "")),
            )
        )
    return found
