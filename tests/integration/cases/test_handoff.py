"""Follow-the-sun handoff on real databases: moves, notes, gaps, and racing workers."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from routing.handoff import Handoff
from service.cases import handoff as handoff_module
from service.cases.handoff import hand_off
from service.db.engine import create_engine, session_factory
from service.db.models import Case, CaseEvent, OutboxMessage, Team
from tests.support.synthetic import insert_open_cases

# Tuesday 24 Nov 2026, 10:00 UTC: Shanghai and Tokyo have closed; Dublin and Dubai are on duty.
SHIFT_END = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


async def _seed(
    sessions: async_sessionmaker[AsyncSession],
    count: int,
    team: str,
    languages: tuple[str, ...] = ("en",),
) -> None:
    async with sessions() as session, session.begin():
        await insert_open_cases(session, count, team, SHIFT_END, languages=languages)


async def _owners(sessions: async_sessionmaker[AsyncSession]) -> dict[int, str | None]:
    async with sessions() as session:
        return dict((await session.execute(select(Case.id, Case.team_key))).all())


async def _handoff_events(sessions: async_sessionmaker[AsyncSession]) -> list[CaseEvent]:
    async with sessions() as session:
        query = select(CaseEvent).where(CaseEvent.kind == "handed_off").order_by(CaseEvent.id)
        return list((await session.scalars(query)).all())


async def test_closing_team_hands_every_open_case_to_a_team_on_duty(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await _seed(sessions, 120, "shanghai")
    async with sessions() as session:
        before = dict((await session.execute(select(Case.id, Case.status))).all())
    report = await hand_off(sessions, now=SHIFT_END, batch_size=50)
    assert (report.moved, report.gaps, report.batches) == (120, 0, 3)
    assert report.by_team == {"dublin": 120}

    owners = await _owners(sessions)
    assert set(owners.values()) == {"dublin"}
    events = await _handoff_events(sessions)
    assert sorted(e.case_id for e in events) == sorted(owners)
    note = events[0].data["note"]
    assert note.startswith("Handed over from shanghai to dublin at 2026-11-24 10:00 UTC")
    assert "Pending:" in note and "resolution due in" in note
    async with sessions() as session:
        cases = (await session.scalars(select(Case))).all()
        notices = (await session.scalars(select(OutboxMessage))).all()
    # What the customer sees never goes back (an in-progress case stays in progress).
    assert {c.id: c.status for c in cases} == before
    assert {c.claimed_by for c in cases} == {None}
    assert {(c.version, c.handoffs) for c in cases} == {(2, 1)}
    assert sum(len(n.payload["case_ids"]) for n in notices) == 120
    assert {n.payload["team"] for n in notices} == {"dublin"}

    again = await hand_off(sessions, now=SHIFT_END)
    assert again.moved == 0 and len(await _handoff_events(sessions)) == 120


async def test_language_nobody_on_duty_speaks_goes_on_with_a_translation_flag(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await _seed(sessions, 3, "taipei", languages=("zh-Hant",))
    report = await hand_off(sessions, now=SHIFT_END)
    assert report.moved == 3
    async with sessions() as session:
        cases = (await session.scalars(select(Case))).all()
    assert all(c.needs_translation for c in cases)
    assert {c.team_key for c in cases} <= {"dublin", "dubai"}


async def test_coverage_gap_is_flagged_once_and_cleared_when_the_team_is_back(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        await session.execute(delete(Team).where(Team.key.not_in(["shanghai", "tokyo"])))
    await _seed(sessions, 4, "shanghai")
    for _ in range(2):
        report = await hand_off(sessions, now=SHIFT_END)
        assert report.moved == 0
    async with sessions() as session:
        flagged = await session.scalar(select(func.count()).where(Case.coverage_gap.is_(True)))
        gap_events = await session.scalar(
            select(func.count()).where(CaseEvent.kind == "coverage_gap")
        )
    assert (flagged, gap_events) == (4, 4)

    back_on_duty = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
    await hand_off(sessions, now=back_on_duty)
    async with sessions() as session:
        flagged = await session.scalar(select(func.count()).where(Case.coverage_gap.is_(True)))
    assert flagged == 0


async def test_two_workers_racing_on_one_shift_end_move_each_case_once(
    sessions: async_sessionmaker[AsyncSession], database_url: str
) -> None:
    await _seed(sessions, 600, "shanghai")
    engines = [create_engine(database_url) for _ in range(2)]
    try:
        reports = await asyncio.gather(
            *(hand_off(session_factory(e), now=SHIFT_END, batch_size=40) for e in engines)
        )
    finally:
        for engine in engines:
            await engine.dispose()
    assert sum(r.moved for r in reports) == 600
    events = await _handoff_events(sessions)
    assert len(events) == 600 and len({e.case_id for e in events}) == 600
    assert set((await _owners(sessions)).values()) == {"dublin"}


async def test_a_case_that_changes_while_its_batch_is_planned_is_not_moved(
    sessions: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Batches are read without locks and planned in a thread: an agent resolving a case
    meanwhile sends the batch back to be planned again under locks, without that case."""
    await _seed(sessions, 30, "shanghai")
    loop = asyncio.get_running_loop()
    real_plan = handoff_module.plan_handoffs
    resolved: list[int] = []

    async def resolve_one() -> None:
        async with sessions() as session, session.begin():
            case = await session.scalar(select(Case).order_by(Case.id).offset(5).limit(1))
            assert case is not None
            case.status = "resolved"  # an ORM write: the case gets a new version
            resolved.append(case.id)

    def plan_while_an_agent_works(cases: Sequence[Any], *args: Any) -> list[Handoff]:
        if not resolved:  # planning runs in a thread: the change goes through the event loop
            asyncio.run_coroutine_threadsafe(resolve_one(), loop).result(timeout=30)
        return real_plan(cases, *args)

    monkeypatch.setattr(handoff_module, "plan_handoffs", plan_while_an_agent_works)
    report = await hand_off(sessions, now=SHIFT_END, batch_size=50)

    assert (report.moved, report.batches) == (29, 1)
    owners = await _owners(sessions)
    assert owners.pop(resolved[0]) == "shanghai"
    assert set(owners.values()) == {"dublin"}
    events = await _handoff_events(sessions)
    assert sorted(e.case_id for e in events) == sorted(owners)
    async with sessions() as session:
        case = await session.get_one(Case, resolved[0])
        notices = (await session.scalars(select(OutboxMessage))).all()
    assert (case.status, case.handoffs) == ("resolved", 0)
    assert sorted(i for n in notices for i in n.payload["case_ids"]) == sorted(owners)


async def test_a_case_no_team_could_take_is_routed_once_a_team_exists(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        await insert_open_cases(session, 3, "dublin", SHIFT_END)
        await session.execute(update(Case).values(team_key=None, status="received"))
    report = await hand_off(sessions, now=SHIFT_END)
    assert report.moved == 3 and set((await _owners(sessions)).values()) == {"dublin"}
    note = (await _handoff_events(sessions))[0].data["note"]
    assert note.startswith("Routed to dublin at 2026-11-24 10:00 UTC: no team had it yet.")
    # A shift-end job for one team leaves unowned cases to the sweeper.
    async with sessions() as session, session.begin():
        await session.execute(update(Case).values(team_key=None, status="received"))
    assert (await hand_off(sessions, now=SHIFT_END, team="shanghai")).moved == 0
