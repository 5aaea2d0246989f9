"""Hand open cases of off-duty teams to the teams on duty: in batches, each case exactly once.

Each batch is one transaction: rows are locked (FOR UPDATE SKIP LOCKED on PostgreSQL; SQLite
serialises writers with BEGIN IMMEDIATE), moved with set-based UPDATEs guarded by the old
owner, and their audit events and team notifications are written in the same transaction. A
worker killed mid-batch rolls the batch back; the next run (any worker) picks it up again.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Select, Table, insert, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from routing.handoff import Handoff, OpenCase, plan_handoffs
from routing.model import CaseFacts, TeamProfile
from service.db.models import HANDED_OFF_STATUSES_SQL, Case, CaseEvent, OutboxMessage
from service.teams import router_view

EVENTS = cast(Table, CaseEvent.__table__)
_COLUMNS = (
    Case.id,
    Case.team_key,
    Case.language,
    Case.region,
    Case.tier,
    Case.severity,
    Case.category,
    Case.status,
    Case.claimed_by,
    Case.created_at,
    Case.first_response_due,
    Case.resolution_due,
    Case.first_responded_at,
    Case.coverage_gap,
)


@dataclass
class HandoffReport:
    moved: int = 0
    gaps: int = 0
    batches: int = 0
    by_team: dict[str, int] = field(default_factory=dict)


def _open_cases(rows: Sequence[Any]) -> list[OpenCase]:
    """Rows as the planner sees them; cases with the same routing facts share one CaseFacts."""
    shared: dict[tuple[Any, ...], CaseFacts] = {}
    cases = []
    for row in rows:
        key = (row.language, row.region, row.tier, row.severity, row.category, row.team_key)
        facts = shared.get(key)
        if facts is None:
            facts = shared[key] = CaseFacts(
                language=row.language,
                region=row.region,
                opened_at=row.created_at,  # not a routing fact: the first case's will do
                tier=row.tier,
                severity=row.severity,
                category=row.category,
                current_team=row.team_key,
            )
        cases.append(
            OpenCase(
                row.id,
                row.team_key,
                facts,
                row.status,
                row.claimed_by,
                row.first_response_due,
                row.resolution_due,
                row.first_responded_at,
            )
        )
    return cases


async def hand_off(
    sessions: async_sessionmaker[AsyncSession],
    *,
    now: datetime,
    team: str | None = None,
    batch_size: int = 5000,
) -> HandoffReport:
    """Move the open cases of every off-duty team (or just `team`) to whoever the router picks."""
    async with sessions() as session:
        _, profiles = await router_view(session)
    on_duty = {p.key for p in profiles if p.calendar.is_open(now)}
    off_duty = [p.key for p in profiles if p.key not in on_duty and team in (None, p.key)]
    report = HandoffReport()
    await _clear_gaps(sessions, sorted(on_duty), now)
    if not off_duty:
        return report
    for owner in off_duty:
        last_id = 0
        while True:
            async with sessions() as session, session.begin():
                rows = (
                    await session.execute(_open_cases_of(owner, last_id, now, batch_size))
                ).all()
                if not rows:
                    break
                last_id = rows[-1].id
                flagged = {row.id for row in rows if row.coverage_gap}
                plans = plan_handoffs(_open_cases(rows), profiles, now)
                await _apply(session, plans, flagged, now, report)
                profiles = _with_moves(profiles, plans)
                report.batches += 1
    return report


def _open_cases_of(team: str, after_id: int, now: datetime, limit: int) -> Select:
    """The next batch of a team's open cases in id order, locked (others' locks skipped)."""
    return (
        select(*_COLUMNS)
        .where(
            Case.team_key == team,
            text(HANDED_OFF_STATUSES_SQL),
            or_(Case.waiting_until.is_(None), Case.waiting_until <= now),
            Case.id > after_id,
        )
        .order_by(Case.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )


async def _clear_gaps(
    sessions: async_sessionmaker[AsyncSession], on_duty: list[str], now: datetime
) -> None:
    """A coverage gap ends when the owning team is back on duty."""
    async with sessions() as session, session.begin():
        await session.execute(
            update(Case)
            .where(Case.coverage_gap.is_(True), Case.team_key.in_(on_duty))
            .values(coverage_gap=False, version=Case.version + 1, updated_at=now)
            .execution_options(synchronize_session=False)
        )


def _with_moves(profiles: Sequence[TeamProfile], plans: Sequence[Handoff]) -> list[TeamProfile]:
    """The teams' loads after a batch, for routing the next one."""
    delta: dict[str, int] = defaultdict(int)
    for plan in plans:
        if plan.to_team:
            delta[plan.to_team] += 1
            delta[plan.case.team] -= 1
    return [replace(p, open_cases=max(0, p.open_cases + delta[p.key])) for p in profiles]


async def _apply(
    session: AsyncSession,
    plans: Sequence[Handoff],
    already_flagged: set[int],
    now: datetime,
    report: HandoffReport,
) -> None:
    moves: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    gaps: list[int] = []
    events: list[dict[str, Any]] = []
    notify: dict[str, list[int]] = defaultdict(list)
    for plan in plans:
        case, decision = plan.case, plan.decision
        if plan.to_team is None:
            if case.case_id not in already_flagged:
                gaps.append(case.case_id)
                events.append(_event(case.case_id, "coverage_gap", False, now, plan, None))
            continue
        key = (case.team, plan.to_team, decision.needs_translation, decision.wait_until)
        moves[key].append(case.case_id)
        events.append(_event(case.case_id, "handed_off", True, now, plan, plan.to_team))
        notify[plan.to_team].append(case.case_id)
    for (from_team, to_team, needs_translation, wait_until), ids in moves.items():
        result = await session.execute(
            update(Case)
            .where(Case.id.in_(ids), Case.team_key == from_team)
            .values(
                team_key=to_team,
                status="routed",
                claimed_by=None,
                needs_translation=needs_translation,
                waiting_until=wait_until,
                coverage_gap=False,
                routing_reason=f"handed over from {from_team} at {now.isoformat()}: {from_team}"
                " went off duty (each case's handoff event has its note and routing reason)",
                handoffs=Case.handoffs + 1,
                version=Case.version + 1,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != len(ids):  # type: ignore[attr-defined]
            raise RuntimeError(f"handoff lost its lock on cases of {from_team}")
        report.moved += len(ids)
        report.by_team[to_team] = report.by_team.get(to_team, 0) + len(ids)
    if gaps:
        await session.execute(
            update(Case)
            .where(Case.id.in_(gaps))
            .values(coverage_gap=True, version=Case.version + 1, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        report.gaps += len(gaps)
    if events:
        await session.execute(insert(EVENTS), events)
    for to_team, ids in notify.items():
        session.add(
            OutboxMessage(
                task="notify_team",
                created_at=now,
                available_at=now,
                payload={"team": to_team, "event": "handoff", "case_ids": ids},
            )
        )


def _event(
    case_id: int, kind: str, visible: bool, now: datetime, plan: Handoff, to_team: str | None
) -> dict[str, Any]:
    return {
        "case_id": case_id,
        "at": now,
        "kind": kind,
        "actor": "meridian",
        "customer_visible": visible,
        "data": {"from": plan.case.team, "team": to_team, "note": plan.note},
    }
