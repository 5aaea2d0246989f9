"""Hostile e-mail against a plain one: the parts, headers and nesting caps answer before the
full parse.

Run: ``.venv/bin/python bench/email_shape.py``.  Times, best of five rounds each, (a) the
parse of a plain one-part complaint, (b) the refusal of a 20,000-part message just under the
1 MiB cap (the full stdlib parse of it took 13-16 s of CPU), (c) the full parse of a 100-part
message, the largest accepted, and prints each as a ratio to (a) measured in the same run.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from service.inbound.parse import MAX_PARTS, InvalidEmail, parse_inbound

HEAD = (
    "From: mei@example.tw\r\nTo: care@meridian.example\r\nSubject: Bestellung\r\n"
    "MIME-Version: 1.0\r\n"
)


def _multipart(parts: int) -> bytes:
    body = "".join(f"--b\r\nContent-Type: text/plain\r\n\r\npart {n}\r\n" for n in range(parts))
    return (
        HEAD + 'Content-Type: multipart/mixed; boundary="b"\r\n\r\n' + body + "--b--\r\n"
    ).encode()


def _best_of(rounds: int, work: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    return best


def _refused(raw: bytes) -> None:
    try:
        parse_inbound(raw)
    except InvalidEmail:
        return
    raise AssertionError("the hostile message was accepted")


def main() -> None:
    plain = (HEAD + "Content-Type: text/plain; charset=utf-8\r\n\r\nMein Paket fehlt.\r\n").encode()
    hostile, largest = _multipart(20_000), _multipart(MAX_PARTS)
    base = _best_of(5, lambda: parse_inbound(plain))
    refused = _best_of(5, lambda: _refused(hostile))
    accepted = _best_of(5, lambda: parse_inbound(largest))
    rows = [
        ("plain one-part complaint", base),
        (f"20,000 parts ({len(hostile) // 1024} KiB), refused", refused),
        (f"{MAX_PARTS} parts, parsed in full", accepted),
    ]
    for label, seconds in rows:
        print(f"{label:<36} {seconds * 1e3:8.2f} ms  ({seconds / base:.2f}x)")


if __name__ == "__main__":
    main()
