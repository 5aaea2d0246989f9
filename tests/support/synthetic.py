"""Synthetic open cases, inserted in bulk: for load tests, crash tests and benchmarks."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.models import Case


def synthetic_case(number: int, team: str, now: datetime, language: str = "en") -> dict[str, Any]:
    reference = f"MRD-S{number:06d}"[:16]
    return {
        "reference": reference,
        "access_token_hash": secrets.token_hex(32),
        "contact_email": f"customer{number}@example.com",
        "text": f"Synthetic complaint number {number}: the parcel never arrived.",
        "language": language,
        "language_confidence": 0.99,
        "script": "Latn",
        "language_decided_by": "statistics",
        "reply_locale": "en",
        "country": "GB",
        "region": "EMEA",
        "region_signal": "country",
        "customer_timezone": "Europe/London",
        "category": "service",
        "category_rule": "synthetic",
        "severity": "general",
        "severity_rule": "synthetic",
        "tier": "standard",
        "channel": "api",
        "status": "routed" if number % 3 else "in_progress",
        "claimed_by": None if number % 3 else f"agent{number % 7}",
        "team_key": team,
        "routing_reason": "synthetic",
        "created_at": now - timedelta(minutes=number % 600),
        "updated_at": now,
        "first_response_due": now + timedelta(minutes=30 + number % 90),
        "classification_due": now + timedelta(hours=2),
        "resolution_due": now + timedelta(days=3),
    }


async def insert_open_cases(
    session: AsyncSession,
    count: int,
    team: str,
    now: datetime,
    *,
    languages: tuple[str, ...] = ("en",),
    start: int = 0,
    chunk: int = 5000,
) -> None:
    """Insert `count` open cases owned by `team`, in chunks."""
    for first in range(start, start + count, chunk):
        rows = [
            synthetic_case(n, team, now, languages[n % len(languages)])
            for n in range(first, min(first + chunk, start + count))
        ]
        await session.execute(insert(Case), rows)
