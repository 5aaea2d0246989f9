"""Hand open cases of off-duty teams to the teams on duty: in batches, each case exactly once.

Each batch is one transaction: rows are locked (FOR UPDATE SKIP LOCKED on PostgreSQL; SQLite
serialises writers with BEGIN IMMEDIATE), moved with set-based UPDATEs guarded by the old
owner, and their audit events and team notifications are written in the same transaction. A
worker killed mid-batch rolls the batch back; the next run (any worker) picks it up again.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, cast

import msgspec
from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Integer,
    Select,
    any_,
    bindparam,
    func,
    or_,
    select,
    text,
    update,
)
from sqlalchemy import case as sql_case
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from routing.handoff import Handoff, OpenCase, plan_handoffs
from routing.model import CaseFacts, TeamProfile
from routing.region import zone_country
from service.cases.offers import offer_moved
from service.cases.records import event_row
from service.db.bulk import append_rows
from service.db.models import HANDED_OFF_STATUSES_SQL, Case, CaseEvent, Reply
from service.outbox.store import add_side_effect
from service.teams.directory import router_view

_json = msgspec.json.Encoder().encode
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
    Case.first_response_due,
    Case.resolution_due,
    Case.first_responded_at,
    Case.coverage_gap,
    Case.country,
    Case.customer_timezone,
)


@dataclass
class HandoffReport:
    moved: int = 0
    gaps: int = 0
    batches: int = 0
    by_team: dict[str, int] = field(default_factory=dict)


def _open_cases(
    rows: Sequence[Any], now: datetime, last_words: Mapping[int, tuple[str | None, str | None]]
) -> list[OpenCase]:
    """Rows as the planner sees them; cases with the same routing facts share one CaseFacts."""
    shared: dict[tuple[Any, ...], CaseFacts] = {}
    cases = []
    for row in rows:
        (
            case_id,
            team,
            language,
            region,
            tier,
            severity,
            category,
            status,
            claimed_by,
            first_response_due,
            resolution_due,
            first_responded_at,
            _,
            country,
            zone,
        ) = row
        key = (language, region, tier, severity, category, team, country, zone)
        facts = shared.get(key)
        if facts is None:
            # opened_at is not a routing fact (and parsing it costs): the routing instant stands in
            facts = shared[key] = CaseFacts(
                language,
                region,
                now,
                tier,
                severity,
                category,
                team,
                country=country,
                zone_country=zone_country(zone),
            )
        cases.append(
            OpenCase(
                case_id,
                team,
                facts,
                status,
                claimed_by,
                first_response_due,
                resolution_due,
                first_responded_at,
                *last_words.get(case_id, (None, None)),
            )
        )
    return cases


async def _last_words(
    session: AsyncSession, rows: Sequence[Any]
) -> dict[int, tuple[str | None, str | None]]:
    """The team's last reply and the last internal note of each case someone worked on (claimed
    or answered): what the receiving team should read first. Two queries per batch."""
    worked = [row.id for row in rows if row.claimed_by or row.first_responded_at]
    if not worked:
        return {}
    last_reply = select(func.max(Reply.id)).where(
        _among(session, Reply.case_id, worked), Reply.team_key.is_not(None)
    )
    replies = await session.execute(
        select(Reply.case_id, Reply.body).where(Reply.id.in_(last_reply.group_by(Reply.case_id)))
    )
    last_note = select(func.max(CaseEvent.id)).where(
        _among(session, CaseEvent.case_id, worked), CaseEvent.kind == "note"
    )
    notes = await session.execute(
        select(CaseEvent.case_id, CaseEvent.data).where(
            CaseEvent.id.in_(last_note.group_by(CaseEvent.case_id))
        )
    )
    found: dict[int, tuple[str | None, str | None]] = {}
    for case_id, body in replies.all():
        found[case_id] = (body, None)
    for case_id, data in notes.all():
        found[case_id] = (found.get(case_id, (None, None))[0], str(data.get("text") or ""))
    return found


async def hand_off(
    sessions: async_sessionmaker[AsyncSession],
    *,
    now: datetime,
    team: str | None = None,
    batch_size: int = 5000,
) -> HandoffReport:
    """Move the open cases of every off-duty team (or just `team`) to whoever the router picks;
    a full sweep (no `team`) also routes cases that have no team yet."""
    async with sessions() as session:
        _, profiles = await router_view(session)
    on_duty = {p.key for p in profiles if p.calendar.is_open(now)}
    owners: list[str | None] = [
        p.key for p in profiles if p.key not in on_duty and team in (None, p.key)
    ]
    if team is None:
        owners.append(None)
    report = HandoffReport()
    await _clear_gaps(sessions, sorted(on_duty), now)
    for owner in owners:
        last_id = 0
        while True:
            async with sessions() as session, session.begin():
                # Core, not ORM: plain rows, without the ORM's per-row result handling.
                connection = await session.connection()
                rows = (
                    await connection.execute(_open_cases_of(owner, last_id, now, batch_size))
                ).all()
                if not rows:
                    break
                last_id = rows[-1].id
                flagged = {row.id for row in rows if row.coverage_gap}
                last_words = await _last_words(session, rows)
                plans = plan_handoffs(_open_cases(rows, now, last_words), profiles, now)
                await _apply(session, plans, flagged, now, report)
                profiles = _with_moves(profiles, plans)
                report.batches += 1
    return report


def _among(session: AsyncSession, column: Any, ids: Sequence[int]) -> ColumnElement[bool]:
    """`column IN ids` as one parameter, the same statement for every batch (a 5,000-item IN
    list would be 5,000 parameters, rendered and bound each time): an array on PostgreSQL
    (`= ANY($1)`), a JSON array read by json_each on SQLite."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(ColumnElement[bool], column == any_(bindparam(None, list(ids), ARRAY(Integer))))
    listed = func.json_each(bindparam(None, _json(list(ids)).decode())).table_valued("value")
    return cast(ColumnElement[bool], column.in_(select(listed.c.value)))


def _owned_by(team: str | None) -> ColumnElement[bool]:
    return Case.team_key.is_(None) if team is None else Case.team_key == team


def _open_cases_of(team: str | None, after_id: int, now: datetime, limit: int) -> Select:
    """The next batch of a team's open cases in id order, locked (others' locks skipped)."""
    return (
        select(*_COLUMNS)
        .where(
            _owned_by(team),
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
    delta: dict[str | None, int] = defaultdict(int)
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
    untranslated: dict[str, list[int]] = defaultdict(list)
    to_offer: dict[str, list[tuple[int, str]]] = defaultdict(list)
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
        if decision.wait_until is None:  # the team is on duty: offer it to one of its agents
            to_offer[plan.to_team].append((case.case_id, case.facts.language))
        if decision.needs_translation:
            untranslated[plan.to_team].append(case.case_id)
    for (from_team, to_team, needs_translation, wait_until), ids in moves.items():
        result = await session.execute(
            update(Case)
            .where(_among(session, Case.id, ids), _owned_by(from_team))
            .values(
                team_key=to_team,
                # What the customer sees never goes back: only a case no team had is "routed".
                status=sql_case((Case.status == "received", "routed"), else_=Case.status),
                claimed_by=None,
                needs_translation=needs_translation,
                waiting_until=wait_until,
                coverage_gap=False,
                routing_reason=f"handoff from {from_team} (see its handoff event)",
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
            .where(_among(session, Case.id, gaps))
            .values(coverage_gap=True, version=Case.version + 1, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        report.gaps += len(gaps)
    if events:  # the bulk of a handoff's writes
        await append_rows(await session.connection(), CaseEvent, events)
    for to_team, offered in to_offer.items():
        await offer_moved(session, to_team, offered)
    for to_team, ids in notify.items():
        add_side_effect(session, "notify_team", now, team=to_team, event="handoff", case_ids=ids)
    for to_team, ids in untranslated.items():
        why = "handed over to a team that cannot read the case: nobody who can opens in time"
        add_side_effect(
            session, "escalate", now, team=to_team, event="needs_translation", case_ids=ids, why=why
        )


def _event(
    case_id: int, kind: str, visible: bool, now: datetime, plan: Handoff, to_team: str | None
) -> dict[str, Any]:
    data = {"from": plan.case.team, "team": to_team, "note": plan.note}
    return event_row(case_id, kind, "meridian", now, visible=visible, **data)
