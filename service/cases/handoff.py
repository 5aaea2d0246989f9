"""Hand open cases of off-duty teams to the teams on duty: in batches, each case exactly once.

Batches are pipelined: while one batch is written, the next is read (without locks) and
planned in a thread, so the database's work and Python's overlap. Each batch's write is one
transaction: set-based UPDATEs guarded by the old owner and by the version each case had when
read, then the audit events and team notifications. If any case changed since it was read, the
batch is rolled back and done again under locks (FOR UPDATE SKIP LOCKED on PostgreSQL; SQLite
serialises writers with BEGIN IMMEDIATE). A worker killed mid-batch rolls the batch back; the
next run (any worker) picks it up again.
"""

from __future__ import annotations

import asyncio
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
    Update,
    any_,
    bindparam,
    func,
    or_,
    select,
    text,
    tuple_,
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
from service.db.engine import READ_ONLY
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
    Case.version,
)
_ID, _CLAIMED_BY, _FIRST_RESPONDED_AT = 0, 8, 11  # positions in _COLUMNS


@dataclass
class HandoffReport:
    moved: int = 0
    gaps: int = 0
    batches: int = 0
    by_team: dict[str, int] = field(default_factory=dict)

    def add(self, other: HandoffReport) -> None:
        self.moved += other.moved
        self.gaps += other.gaps
        self.batches += other.batches
        for team, count in other.by_team.items():
            self.by_team[team] = self.by_team.get(team, 0) + count


@dataclass(frozen=True)
class _Batch:
    """Open cases of one owner with ids in (after_id, last id], as read, with their last words."""

    owner: str | None
    after_id: int
    rows: Sequence[Any]
    last_words: Mapping[int, tuple[str | None, str | None]]

    @property
    def last_id(self) -> int:
        return int(self.rows[-1].id)

    def plan(self, loads: Sequence[TeamProfile], now: datetime) -> _Writes:
        """Route the batch's cases and prepare what to write (pure Python: runs in a thread)."""
        cases, versions, flagged = _open_cases(self.rows, now, self.last_words)
        return _Writes.of(plan_handoffs(cases, loads, now), versions, flagged, now)


@dataclass
class _Writes:
    """A planned batch's changes, ready to be written."""

    versions: dict[int, int]  # case id -> the version it was read with
    moves: dict[tuple[Any, ...], list[int]] = field(default_factory=lambda: defaultdict(list))
    gaps: list[int] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    notify: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    untranslated: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    to_offer: dict[str, list[tuple[int, str]]] = field(default_factory=lambda: defaultdict(list))

    @classmethod
    def of(
        cls,
        plans: Sequence[Handoff],
        versions: dict[int, int],
        already_flagged: set[int],
        now: datetime,
    ) -> _Writes:
        writes = cls(versions)
        for plan in plans:
            case, decision = plan.case, plan.decision
            if plan.to_team is None:
                if case.case_id not in already_flagged:
                    writes.gaps.append(case.case_id)
                    writes.events.append(_event(case.case_id, "coverage_gap", False, now, plan))
                continue
            key = (case.team, plan.to_team, decision.needs_translation, decision.wait_until)
            writes.moves[key].append(case.case_id)
            writes.events.append(_event(case.case_id, "handed_off", True, now, plan))
            writes.notify[plan.to_team].append(case.case_id)
            if decision.wait_until is None:  # the team is on duty: offer it to one of its agents
                writes.to_offer[plan.to_team].append((case.case_id, case.facts.language))
            if decision.needs_translation:
                writes.untranslated[plan.to_team].append(case.case_id)
        return writes

    def written(self) -> list[int]:
        """The cases these writes change (moved or flagged)."""
        return self.gaps + [id_ for ids in self.moves.values() for id_ in ids]

    def loads_after(self, profiles: Sequence[TeamProfile]) -> list[TeamProfile]:
        """The teams' loads once these moves are made, for routing the next batch."""
        delta: dict[str | None, int] = defaultdict(int)
        for (from_team, to_team, *_), ids in self.moves.items():
            delta[to_team] += len(ids)
            delta[from_team] -= len(ids)
        return [replace(p, open_cases=max(0, p.open_cases + delta[p.key])) for p in profiles]


class _Changed(Exception):
    """A case of the batch changed after it was read: the batch must be done again, locked."""


def _open_cases(
    rows: Sequence[Any], now: datetime, last_words: Mapping[int, tuple[str | None, str | None]]
) -> tuple[list[OpenCase], dict[int, int], set[int]]:
    """Rows as the planner sees them (cases with the same routing facts share one CaseFacts),
    the version each was read with, and those already flagged as a coverage gap."""
    shared: dict[tuple[Any, ...], CaseFacts] = {}
    cases = []
    versions: dict[int, int] = {}
    flagged: set[int] = set()
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
            coverage_gap,
            country,
            zone,
            version,
        ) = row
        versions[case_id] = version
        if coverage_gap:
            flagged.add(case_id)
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
    return cases, versions, flagged


async def _last_words(
    session: AsyncSession, rows: Sequence[Any]
) -> dict[int, tuple[str | None, str | None]]:
    """The team's last reply and the last internal note of each case someone worked on (claimed
    or answered): what the receiving team should read first. Two queries per batch."""
    worked = [row[_ID] for row in rows if row[_CLAIMED_BY] or row[_FIRST_RESPONDED_AT]]
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
        writing: asyncio.Task[None] | None = None
        try:
            batch = await _read(sessions, owner, 0, now, batch_size)
            while batch.rows:
                loads = profiles
                writes = await asyncio.to_thread(batch.plan, loads, now)
                profiles = writes.loads_after(profiles)
                if writing is not None:
                    await writing
                writing = asyncio.create_task(_write(sessions, batch, writes, loads, now, report))
                batch = await _read(sessions, owner, batch.last_id, now, batch_size)
        finally:  # the batch being written commits or rolls back before anything else happens
            if writing is not None:
                await writing
    return report


async def _read(
    sessions: async_sessionmaker[AsyncSession],
    owner: str | None,
    after_id: int,
    now: datetime,
    limit: int,
) -> _Batch:
    """The next batch of an owner's open cases, read without locks (SQLite: beside a writer)."""
    async with sessions() as session:
        connection = await session.connection(execution_options=READ_ONLY)
        # Core, not ORM: plain rows, without the ORM's per-row result handling.
        rows = (await connection.execute(_open_cases_of(owner, after_id, now, limit))).all()
        return _Batch(owner, after_id, rows, await _last_words(session, rows))


async def _write(
    sessions: async_sessionmaker[AsyncSession],
    batch: _Batch,
    writes: _Writes,
    loads: Sequence[TeamProfile],
    now: datetime,
    report: HandoffReport,
) -> None:
    """Apply a batch's plans; if a case changed since it was read, plan and apply it again with
    its rows locked (those another worker moved meanwhile are then no longer among them)."""
    try:
        async with sessions() as session, session.begin():
            await _lock_as_read(session, writes)
            report.add(await _apply(session, writes, now))
        return
    except _Changed:
        pass
    async with sessions() as session, session.begin():
        span = batch.last_id - batch.after_id  # at most this many cases in the range
        query = _open_cases_of(batch.owner, batch.after_id, now, span, batch.last_id)
        connection = await session.connection()
        rows = (await connection.execute(query.with_for_update(skip_locked=True))).all()
        locked = _Batch(batch.owner, batch.after_id, rows, await _last_words(session, rows))
        try:
            report.add(await _apply(session, locked.plan(loads, now), now))
        except _Changed as changed:
            raise RuntimeError(f"handoff lost its lock on cases of {batch.owner}") from changed


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


def _open_cases_of(
    team: str | None, after_id: int, now: datetime, limit: int, up_to: int | None = None
) -> Select:
    """The next batch of a team's open cases in id order (after `after_id`, up to `up_to`)."""
    query = (
        select(*_COLUMNS)
        .where(
            _owned_by(team),
            text(HANDED_OFF_STATUSES_SQL),
            or_(Case.waiting_until.is_(None), Case.waiting_until <= now),
            Case.id > after_id,
        )
        .order_by(Case.id)
        .limit(limit)
    )
    return query if up_to is None else query.where(Case.id <= up_to)


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


async def _apply(session: AsyncSession, writes: _Writes, now: datetime) -> HandoffReport:
    """Write a batch's changes; `_Changed` (the transaction to be rolled back) if any case moved
    or flagged is no longer as it was read."""
    report = HandoffReport(batches=1)
    for (from_team, to_team, needs_translation, wait_until), ids in writes.moves.items():
        move = (
            update(Case)
            .where(_owned_by(from_team))
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
            )
        )
        await _update_as_read(session, move, ids, writes.versions, now)
        report.moved += len(ids)
        report.by_team[to_team] = report.by_team.get(to_team, 0) + len(ids)
    if writes.gaps:
        flag = update(Case).values(coverage_gap=True)
        await _update_as_read(session, flag, writes.gaps, writes.versions, now)
        report.gaps += len(writes.gaps)
    if writes.events:  # the bulk of a handoff's writes
        await append_rows(await session.connection(), CaseEvent, writes.events)
    for to_team, offered in writes.to_offer.items():
        await offer_moved(session, to_team, offered)
    for to_team, ids in writes.notify.items():
        add_side_effect(session, "notify_team", now, team=to_team, event="handoff", case_ids=ids)
    for to_team, ids in writes.untranslated.items():
        why = "handed over to a team that cannot read the case: nobody who can opens in time"
        add_side_effect(
            session, "escalate", now, team=to_team, event="needs_translation", case_ids=ids, why=why
        )
    return report


async def _lock_as_read(session: AsyncSession, writes: _Writes) -> None:
    """PostgreSQL: lock the cases about to be written, in id order, skipping those another
    worker holds; `_Changed` unless all are locked and as read. Two workers that planned the same
    batch thus never wait on each other's rows in different orders (a deadlock); the one that
    loses does the batch again under locks. SQLite has a single writer: nothing to do."""
    if session.get_bind().dialect.name != "postgresql":
        return
    ids = sorted(writes.written())
    locked = await session.execute(
        select(Case.id)
        .where(_as_read(session, ids, writes.versions))
        .order_by(Case.id)
        .with_for_update(skip_locked=True)
    )
    if len(locked.all()) != len(ids):
        raise _Changed


async def _update_as_read(
    session: AsyncSession,
    statement: Update,
    ids: Sequence[int],
    versions: Mapping[int, int],
    now: datetime,
) -> None:
    """Run an UPDATE of the cases `ids`, each only if it still has the version it was read with,
    as a new version; `_Changed` unless every one of them was updated."""
    statement = statement.where(_as_read(session, ids, versions))
    connection = await session.connection()
    result = await connection.execute(statement.values(version=Case.version + 1, updated_at=now))
    if result.rowcount != len(ids):
        raise _Changed


def _as_read(
    session: AsyncSession, ids: Sequence[int], versions: Mapping[int, int]
) -> ColumnElement[bool]:
    """The cases `ids`, each only while it has the version it was read with: (id, version) as a
    row value, which both databases look up by id; the pairs as one or two parameters, the same
    statement for every batch (see `_among`)."""
    read = [versions[id_] for id_ in ids]
    if session.get_bind().dialect.name == "postgresql":
        arrays = (bindparam(None, list(values), ARRAY(Integer)) for values in (ids, read))
        pairs = func.unnest(*arrays).table_valued("id", "version").render_derived()
        listed = select(pairs.c.id, pairs.c.version)
    else:
        json_pairs = _json(list(zip(ids, read, strict=True))).decode()
        value = func.json_each(bindparam(None, json_pairs)).table_valued("value").c.value
        listed = select(func.json_extract(value, "$[0]"), func.json_extract(value, "$[1]"))
    return tuple_(Case.id, Case.version).in_(listed)


def _event(case_id: int, kind: str, visible: bool, now: datetime, plan: Handoff) -> dict[str, Any]:
    data = {"from": plan.case.team, "team": plan.to_team, "note": plan.note}
    return event_row(case_id, kind, "meridian", now, visible=visible, **data)
