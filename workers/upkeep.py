"""Upkeep: SLA warnings and escalations and the outbox safety-net drain (every minute), and
the retention of personal data (hourly, a bounded share each time)."""

from __future__ import annotations

from typing import Any

from service.cases.privacy import apply_retention as erase_expired
from service.cases.sla_watch import watch
from service.outbox.store import drain
from workers.once import utcnow

RETENTION_BATCHES_PER_RUN = 10
"""Batches of 500 cases: one run stays well inside its timeout; hourly runs work off a backlog."""


async def watch_sla(ctx: dict[str, Any]) -> int:
    """Warn at 80 % and escalate at 100 % of every SLA clock."""
    report = await watch(ctx["sessions"], now=utcnow())
    return report.warnings + report.breaches


async def drain_outbox(ctx: dict[str, Any]) -> int:
    """Safety net: whatever an API process could not hand over is drained here."""
    return await drain(ctx["sessions"], ctx["arq"], now=utcnow())


async def apply_retention(ctx: dict[str, Any]) -> int:
    """Erase the personal data of cases resolved more than `retention_days` ago."""
    settings = ctx["settings"]
    return await erase_expired(
        ctx["sessions"], utcnow(), settings.retention_days, batches=RETENTION_BATCHES_PER_RUN
    )
