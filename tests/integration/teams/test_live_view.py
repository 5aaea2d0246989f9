"""The router's view in memory: intake reads no team rows and counts no cases per complaint, and
the view follows changes made in this process at once and other processes' within seconds."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import event, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.cases.intake import file_case
from service.cases.schemas import Contact, IntakeRequest
from service.db.models import Case
from service.teams import live_view
from service.teams.live_view import LiveRouterView

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)  # a Wednesday: London and Berlin on duty


def _complaint(n: int) -> IntakeRequest:
    return IntakeRequest(
        text=f"My order number {n} arrived broken and nobody answers my emails.",
        contact=Contact(email=f"view{n}@example.com"),
    )


async def _open_counts(view: LiveRouterView) -> dict[str, int]:
    _, profiles = await view.current()
    return {p.key: p.open_cases for p in profiles}


async def test_intake_reads_no_teams_and_counts_no_cases_per_complaint(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await file_case(sessions, _complaint(0), accept_language=None, now=NOW)  # loads the view
    statements: list[str] = []
    engine = sessions.kw["bind"].sync_engine

    def seen(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        for n in range(1, 21):
            await file_case(sessions, _complaint(n), accept_language=None, now=NOW)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert not [s for s in reads if "FROM teams" in s or "GROUP BY" in s], reads
    assert sum(s.lstrip().startswith("INSERT INTO cases ") for s in statements) == 20, statements


async def test_counts_follow_intake_and_changes_made_here(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    view = LiveRouterView(sessions)
    before = await _open_counts(view)
    filed = await file_case(sessions, _complaint(1), accept_language=None, now=NOW)
    team = filed.case.team_key
    assert team is not None
    # A fresh view reads what intake's own view counted as it went.
    assert (await _open_counts(LiveRouterView(sessions)))[team] == before[team] + 1
    async with sessions() as session, session.begin():
        case = await session.get(Case, filed.case.id)
        assert case is not None
        case.status = "resolved"
    assert (await _open_counts(view))[team] == before[team]


async def test_other_processes_changes_arrive_with_the_next_refresh(
    sessions: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    view = LiveRouterView(sessions)
    filed = await file_case(sessions, _complaint(2), accept_language=None, now=NOW)
    team = filed.case.team_key
    assert team is not None
    counted = (await _open_counts(view))[team]
    # Another process's handoff: no ORM event here, so this process cannot know at once.
    async with sessions.kw["bind"].begin() as connection:
        await connection.execute(
            update(Case).where(Case.id == filed.case.id).values(status="resolved")
        )
    assert (await _open_counts(view))[team] == counted
    monkeypatch.setattr(live_view, "REFRESH_SECONDS", 0.0)
    await view.current()  # starts the refresh; this intake still sees the old view
    for _ in range(50):
        if (await _open_counts(view))[team] == counted - 1:
            break
        await asyncio.sleep(0.05)
    assert (await _open_counts(view))[team] == counted - 1
    async with sessions() as session:
        assert await session.scalar(select(Case.status).where(Case.id == filed.case.id)) == (
            "resolved"
        )


async def test_loading_the_view_does_not_wait_for_a_writer(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as writer, writer.begin():
        case = await writer.scalar(select(Case).limit(1))
        await writer.execute(update(Case).where(Case.id == -1).values(status="resolved"))
        # The write transaction (and on SQLite its lock) is held while the view loads.
        await asyncio.wait_for(LiveRouterView(sessions).current(), timeout=5)
        assert case is None
