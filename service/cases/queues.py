"""Teams' queues of open cases: most urgent first, filtered and searched for the inbox."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from routing.lifecycle import OPEN_STATUSES
from routing.model import SEVERITIES, TIERS
from routing.sla import urgency
from service.cases.schemas import Queue, QueueItem, WaitingCase, view_of
from service.db.models import Case, CaseEvent

SNIPPET_CHARS = 160
MOVE_EVENTS = ("handed_off", "transferred")


@dataclass(frozen=True)
class QueueFilter:
    """What the inbox narrows its queues to; the defaults show every open case."""

    status: str | None = None
    language: str | None = None
    claimed_by: str | None = None
    search: str | None = None
    """A reference (whole or its start) or the customer's e-mail address."""


def _snippet(text: str) -> str:
    """The first SNIPPET_CHARS characters of a complaint, on one line."""
    flat = " ".join(text.split())
    return flat if len(flat) <= SNIPPET_CHARS else flat[: SNIPPET_CHARS - 1] + "…"


def _item(case: Case, now: datetime, came_from: str | None) -> QueueItem:
    first = case.first_responded_at is None
    due = case.first_response_due if first else case.resolution_due
    clock = "first_response" if first else "resolution"
    return view_of(
        case,
        QueueItem,
        snippet=_snippet(case.text),
        next_due=due,
        urgency=urgency(
            now,
            case.created_at,
            due,
            warned=getattr(case, f"{clock}_warned_at") is not None,
            breached=getattr(case, f"{clock}_breached_at") is not None,
        ),
        handed_over_from=came_from,
    )


def _most_urgent_first(item: QueueItem) -> tuple[object, ...]:
    """Breached and escalated cases, then severity, the next due time, the higher tier, age."""
    return (
        item.urgency != "breached" and item.escalation_level == 0,
        SEVERITIES.index(item.severity),
        item.next_due,
        -TIERS.index(item.tier),
        item.created_at,
    )


def _filtered(query: Select[Case], wanted: QueueFilter) -> Select[Case]:
    if wanted.status:
        query = query.where(Case.status == wanted.status)
    if wanted.language:
        query = query.where(Case.language == wanted.language)
    if wanted.claimed_by:
        query = query.where(Case.claimed_by == wanted.claimed_by)
    if wanted.search and (term := wanted.search.strip()):
        query = query.where(
            or_(
                Case.reference.startswith(term.upper(), autoescape=True),
                Case.contact_email == term.lower(),
            )
        )
    return query


async def _came_from(session: AsyncSession, case_ids: Sequence[int]) -> dict[int, str]:
    """The team each case last moved from, by handoff or transfer."""
    if not case_ids:
        return {}
    latest = (
        select(func.max(CaseEvent.id))
        .where(CaseEvent.case_id.in_(case_ids), CaseEvent.kind.in_(MOVE_EVENTS))
        .group_by(CaseEvent.case_id)
    )
    events = await session.scalars(select(CaseEvent).where(CaseEvent.id.in_(latest)))
    return {
        e.case_id: str(e.data.get("from") or e.data.get("from_team"))
        for e in events
        if e.data.get("from") or e.data.get("from_team")
    }


async def queues(
    session: AsyncSession,
    teams: Sequence[str],
    now: datetime,
    wanted: QueueFilter = QueueFilter(),
) -> list[Queue]:
    """Each team's open cases that match `wanted`, most urgent first (two queries in all)."""
    query = select(Case).where(Case.team_key.in_(teams), Case.status.in_(OPEN_STATUSES))
    cases = list((await session.scalars(_filtered(query, wanted))).all())
    came_from = await _came_from(session, [c.id for c in cases])
    items = sorted(
        ((c.team_key or "", _item(c, now, came_from.get(c.id))) for c in cases),
        key=lambda pair: _most_urgent_first(pair[1]),
    )
    by_team: dict[str, list[QueueItem]] = {team: [] for team in teams}
    for team, item in items:
        by_team[team].append(item)
    return [Queue(team=team, count=len(found), cases=found) for team, found in by_team.items()]


async def queue(session: AsyncSession, team: str, now: datetime) -> Queue:
    """One team's open cases, most urgent first."""
    (found,) = await queues(session, [team], now)
    return found


async def waiting_for_a_team(session: AsyncSession, limit: int = 500) -> list[WaitingCase]:
    """Open cases held for a team that has not opened yet, the soonest first: what ops watch
    (a gap in a language's cover shows up here before it becomes a breach)."""
    query = (
        select(Case)
        .where(Case.status.in_(OPEN_STATUSES), Case.waiting_until.is_not(None))
        .order_by(Case.waiting_until, Case.id)
        .limit(limit)
    )
    return [
        view_of(case, WaitingCase, team=case.team_key)
        for case in (await session.scalars(query)).all()
    ]
