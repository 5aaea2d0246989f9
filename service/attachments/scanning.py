"""The malware scan of every file before it is stored: ClamAV's daemon when one is configured
(MERIDIAN_CLAMD: `unix:/path/to/clamd.ctl` or `host:port`), else none. clamd's INSTREAM
command is a few lines of its documented protocol; no maintained async client exists."""

from __future__ import annotations

import asyncio
import struct
from dataclasses import dataclass
from typing import Protocol

CHUNK = 64 * 1024


class ScanUnavailable(Exception):
    """The scanner could not give a verdict (down, timed out, or it answered an error)."""


class Scanner(Protocol):
    async def signature_in(self, content: bytes) -> str | None:
        """The name of the malware found in `content`, or None when it is clean."""
        ...


class NoScanner:
    async def signature_in(self, content: bytes) -> str | None:
        return None


@dataclass(frozen=True)
class Clamd:
    address: str
    timeout: float = 30.0

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self.address.startswith("unix:"):
            return await asyncio.open_unix_connection(self.address.removeprefix("unix:"))
        host, _, port = self.address.rpartition(":")
        return await asyncio.open_connection(host or "127.0.0.1", int(port))

    async def _ask(self, content: bytes) -> str:
        reader, writer = await self._connect()
        try:
            writer.write(b"zINSTREAM\0")
            for start in range(0, len(content), CHUNK):
                chunk = content[start : start + CHUNK]
                writer.write(struct.pack(">I", len(chunk)) + chunk)
            writer.write(struct.pack(">I", 0))
            await writer.drain()
            return (await reader.read()).rstrip(b"\0\n").decode("utf-8", "replace")
        finally:
            writer.close()

    async def signature_in(self, content: bytes) -> str | None:
        try:
            reply = await asyncio.wait_for(self._ask(content), self.timeout)
        except (OSError, TimeoutError, ValueError) as failed:
            raise ScanUnavailable(f"clamd at {self.address}: {failed}") from None
        verdict = reply.removeprefix("stream: ")
        if verdict == "OK":
            return None
        if verdict.endswith(" FOUND"):
            return verdict.removesuffix(" FOUND")
        raise ScanUnavailable(f"clamd at {self.address} answered {reply!r}")


def scanner_for(address: str | None) -> Scanner:
    return Clamd(address) if address else NoScanner()
