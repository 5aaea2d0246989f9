"""SLA bookkeeping on stored cases: warning times, customer pauses and the breach watch."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from routing.calendar import Schedule
from routing.coverage import coverage_for
from routing.model import SlaClock, TeamProfile
from routing.sla import WARN_SHARE, resume
from service.cases.records import facts_of, record_event
from service.db.models import Case
from service.outbox.store import add_side_effect
from service.teams.directory import router_view

WATCHED_STATUSES = ("received", "routed", "in_progress")


def warn_time(calendar: Schedule, start: datetime, due: datetime) -> datetime:
    """When 80 % of the business time from `start` to `due` has passed."""
    return calendar.add(start, calendar.between(start, due) * WARN_SHARE)


def case_calendar(case: Case, profiles: list[TeamProfile]) -> Schedule:
    return coverage_for(facts_of(case), profiles)


def resume_clocks(case: Case, calendar: Schedule, now: datetime) -> None:
    """Push the due times back by the business time the case spent waiting on the customer."""
    if case.paused_at is None:
        return
    before = SlaClock(case.first_response_due, case.classification_due, case.resolution_due)
    after = resume(before, calendar, case.paused_at, now)
    case.first_response_due = after.first_response_due
    case.classification_due = after.classification_due
    case.resolution_due = after.resolution_due
    case.first_response_warn_at = _resumed(
        case.first_response_warn_at, calendar, case.paused_at, now
    )
    case.resolution_warn_at = _resumed(case.resolution_warn_at, calendar, case.paused_at, now)
    case.paused_at = None


def _resumed(
    moment: datetime | None, calendar: Schedule, paused_at: datetime, now: datetime
) -> datetime | None:
    """A warning time after a pause: the business time it still had left, counted from now."""
    if moment is None or moment <= paused_at:
        return moment
    return calendar.add(now, calendar.between(paused_at, moment))


@dataclass
class WatchReport:
    warnings: int = 0
    breaches: int = 0
    references: list[str] = field(default_factory=list)


def _team_hours(profiles: dict[str, TeamProfile], team: str | None, now: datetime) -> datetime:
    """Now if the team is on duty, else its next opening: reminders never go out at midnight."""
    profile = profiles.get(team or "")
    if profile is None or profile.calendar.is_open(now):
        return now
    return profile.calendar.next_open(now)


async def watch(
    sessions: async_sessionmaker[AsyncSession], *, now: datetime, limit: int = 500
) -> WatchReport:
    """Warn at 80 % of each SLA, escalate at 100 %: each once per case, in one transaction."""
    report = WatchReport()
    async with sessions() as session, session.begin():
        _, profile_list = await router_view(session)
        profiles = {p.key: p for p in profile_list}
        for clock in ("first_response", "resolution"):
            for case in await _due_cases(session, clock, now, limit):
                _escalate(session, case, clock, now, profiles, report)
    return report


async def _due_cases(session: AsyncSession, clock: str, now: datetime, limit: int) -> list[Case]:
    warn_at = getattr(Case, f"{clock}_warn_at")
    warned = getattr(Case, f"{clock}_warned_at")
    due = getattr(Case, f"{clock}_due")
    breached = getattr(Case, f"{clock}_breached_at")
    done = Case.first_responded_at if clock == "first_response" else Case.resolved_at
    query = (
        select(Case)
        .where(
            Case.status.in_(WATCHED_STATUSES),
            done.is_(None),
            breached.is_(None),
            or_(and_(warned.is_(None), warn_at <= now), due <= now),
        )
        .order_by(due)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list((await session.scalars(query)).all())


def _escalate(
    session: AsyncSession,
    case: Case,
    clock: str,
    now: datetime,
    profiles: dict[str, TeamProfile],
    report: WatchReport,
) -> None:
    due: datetime = getattr(case, f"{clock}_due")
    label = clock.replace("_", " ")
    when = _team_hours(profiles, case.team_key, now)
    if due <= now:
        setattr(case, f"{clock}_breached_at", now)
        case.escalation_level += 1
        kind, task, report.breaches = "sla_breached", "escalate", report.breaches + 1
        why = f"{label} due {due.isoformat()} has passed"
    elif getattr(case, f"{clock}_warned_at") is None:
        setattr(case, f"{clock}_warned_at", now)
        kind, task, report.warnings = "sla_warning", "notify_team", report.warnings + 1
        why = f"80% of the {label} time has passed; due {due.isoformat()}"
    else:
        return
    case.updated_at = now
    record_event(
        session, case, kind, "meridian", now, clock=clock, why=why, level=case.escalation_level
    )
    add_side_effect(
        session,
        task,
        now,
        available_at=when,
        case_id=case.id,
        team=case.team_key,
        event=kind,
        why=why,
    )
    report.references.append(case.reference)
