"""Team webhooks: HMAC-signed JSON POSTs with idempotency keys, retried with backoff."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

USER_AGENT = "Meridian-Webhook/1"
MAX_RETRY_AFTER = 60.0
"""Longest wait we grant a receiver's Retry-After (and the cap on our own backoff)."""
REQUEST_TIMEOUT = 10.0


def sign(secret: bytes, timestamp: int, body: bytes) -> str:
    """The X-Meridian-Signature value: HMAC-SHA256 over "<timestamp>." + body."""
    digest = hmac.new(secret, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(
    secret: bytes, header: str, timestamp: int, body: bytes, *, now: int, tolerance: int = 300
) -> bool:
    """Receiver side: a matching signature on a timestamp within `tolerance` seconds of now."""
    if abs(now - timestamp) > tolerance:
        return False
    expected = sign(secret, timestamp, body).encode()
    return hmac.compare_digest(expected, header.strip().encode("utf-8", "replace"))


@dataclass(frozen=True, slots=True)
class Delivery:
    status: int | None
    """HTTP status of the last attempt; None when it got no response."""
    attempts: int
    ok: bool
    error: str | None


def encode_payload(payload: Mapping[str, Any]) -> bytes:
    """Compact JSON with sorted keys, UTF-8: the exact bytes that are signed and sent."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


async def deliver(
    url: str,
    payload: Mapping[str, Any],
    *,
    secret: bytes,
    idempotency_key: str,
    client: httpx.AsyncClient | None = None,
    attempts: int = 4,
    base_delay: float = 0.5,
    now: Callable[[], float] = time.time,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> Delivery:
    """POST `payload` to `url`, retrying network errors, 429 and 5xx; never raises for those.

    Each attempt is signed afresh (its timestamp stays within the receiver's tolerance) and
    carries the same Idempotency-Key, so the receiver can drop duplicates.
    """
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    body = encode_payload(payload)
    own_client = client is None
    http = client if client is not None else httpx.AsyncClient(timeout=REQUEST_TIMEOUT)
    status: int | None = None
    error: str | None = None
    try:
        for attempt in range(1, attempts + 1):
            timestamp = int(now())
            headers = {
                "Content-Type": "application/json",
                "User-Agent": USER_AGENT,
                "Idempotency-Key": idempotency_key,
                "X-Meridian-Timestamp": str(timestamp),
                "X-Meridian-Signature": sign(secret, timestamp, body),
            }
            retry_after: float | None = None
            try:
                response = await http.post(url, content=body, headers=headers)
            except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
                return Delivery(None, attempt, ok=False, error=f"bad webhook URL: {exc}")
            except httpx.HTTPError as exc:
                status, error = None, f"{type(exc).__name__}: {exc}"
            else:
                status = response.status_code
                if response.is_success:
                    return Delivery(status, attempt, ok=True, error=None)
                error = f"HTTP {status} {response.reason_phrase}".rstrip()
                if not _is_retryable(status):
                    return Delivery(status, attempt, ok=False, error=error)
                if status in (429, 503):
                    retry_after = _retry_after_seconds(response.headers.get("Retry-After"), now())
            if attempt < attempts:
                await sleep(_backoff(attempt, base_delay) if retry_after is None else retry_after)
        return Delivery(status, attempts, ok=False, error=error)
    finally:
        if own_client:
            await http.aclose()


def _is_retryable(status: int) -> bool:
    return status in (408, 429) or 500 <= status <= 599


def _backoff(attempt: int, base_delay: float) -> float:
    """Exponential backoff with "equal jitter": between half and all of base·2^(attempt-1)."""
    ceiling = min(MAX_RETRY_AFTER, base_delay * 2 ** (attempt - 1))
    return ceiling / 2 + random.uniform(0, ceiling / 2)


def _retry_after_seconds(value: str | None, now: float) -> float | None:
    """Retry-After as seconds (delta-seconds or an HTTP date), capped; None if absent or bad."""
    if value is None:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        seconds = float(value)
    else:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        seconds = when.replace(tzinfo=when.tzinfo or UTC).timestamp() - now
    return min(MAX_RETRY_AFTER, max(0.0, seconds))
