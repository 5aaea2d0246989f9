"""Follow-the-sun jobs: hand open cases to the teams on duty at every shift end."""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any

from redis.exceptions import RedisError

from service.cases.handoff import hand_off
from service.teams.directory import router_view
from workers.once import utcnow

log = logging.getLogger("meridian.worker")


async def handoff_team(ctx: dict[str, Any], team: str, shift_end: str) -> int:
    """At a team's shift end: hand its open cases to the teams on duty."""
    report = await hand_off(
        ctx["sessions"], now=max(utcnow(), datetime.fromisoformat(shift_end)), team=team
    )
    log.info(
        json.dumps(
            {
                "event": "handoff",
                "team": team,
                "moved": report.moved,
                "gaps": report.gaps,
                "to": report.by_team,
            }
        )
    )
    return report.moved


async def sweep_handoffs(ctx: dict[str, Any]) -> int:
    """Safety net every minute: any open case owned by an off-duty team moves now."""
    report = await hand_off(ctx["sessions"], now=utcnow())
    return report.moved


async def schedule_handoffs(ctx: dict[str, Any]) -> int:
    """Defer a handoff job to each on-duty team's next shift end (de-duplicated by job id).
    Without Redis it says so and stops: its next run schedules them (the sweep covers meanwhile)."""
    try:
        return await _schedule(ctx)
    except RedisError as lost:
        log.warning("handoffs not scheduled, Redis is unavailable (%s); the next run will", lost)
        return 0


async def _schedule(ctx: dict[str, Any]) -> int:
    now = utcnow()
    scheduled = 0
    async with ctx["sessions"]() as session:
        _, profiles = await router_view(session)
    for team in profiles:
        if not team.calendar.is_open(now):
            continue
        try:
            shift_end = team.calendar.next_close(now)
        except ValueError:  # open round the clock
            continue
        job = await ctx["redis"].enqueue_job(
            "handoff_team",
            team.key,
            shift_end.isoformat(),
            _job_id=f"handoff:{team.key}:{shift_end.isoformat()}",
            _defer_until=shift_end,
        )
        scheduled += job is not None
    return scheduled
