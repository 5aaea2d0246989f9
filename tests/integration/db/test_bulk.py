"""Rows appended below the ORM read back through the ORM exactly as the ORM would have stored
them, on each backend; a left-out column with a computed default is refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.db.bulk import append_rows
from service.db.models import Case, CaseEvent, OutboxMessage
from tests.support.synthetic import insert_open_cases

NOW = datetime(2026, 12, 2, 9, 0, 0, 123456, tzinfo=UTC)
ON_THE_HOUR = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
TOKYO = timezone(timedelta(hours=9))


async def test_appended_rows_read_back_as_given(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        await insert_open_cases(session, 2, "tokyo", NOW)
    async with sessions() as session:
        case_ids = sorted((await session.scalars(select(Case.id))).all())
    events = [
        {
            "case_id": case_id,
            "at": NOW.astimezone(TOKYO) + timedelta(seconds=n),
            "kind": "received",
            "actor": "customer",
            "customer_visible": n % 2 == 0,
            "data": {"hints": ["zh-Hant", "fr"], "text": "Ça ne marche pas — 壞了", "n": n},
        }
        for n, case_id in enumerate(case_ids * 3)
    ]
    side_effects = [
        {
            "task": "notify_team",
            "created_at": NOW,
            "available_at": NOW,
            "payload": {"team": "tokyo"},
        },
        {
            "task": "acknowledge",
            "created_at": NOW,
            "available_at": ON_THE_HOUR,
            "payload": {},
        },
    ]
    async with sessions() as session, session.begin():
        connection = await session.connection()
        await append_rows(connection, CaseEvent, events)
        await append_rows(connection, OutboxMessage, side_effects)
        await append_rows(connection, OutboxMessage, [])  # nothing to do
    async with sessions() as session:
        stored = (await session.scalars(select(CaseEvent).order_by(CaseEvent.id))).all()
        outbox = (await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all()
        # Stored as the ORM stores them: found by the same comparisons (on SQLite, text).
        found = await session.scalars(
            select(OutboxMessage.task).where(
                OutboxMessage.available_at == ON_THE_HOUR, OutboxMessage.created_at <= NOW
            )
        )
    assert [(e.case_id, e.at, e.kind, e.actor, e.customer_visible, e.data) for e in stored] == [
        (e["case_id"], e["at"], e["kind"], e["actor"], e["customer_visible"], e["data"])
        for e in events
    ]
    assert all(e.at.tzinfo is UTC for e in stored)
    assert found.all() == ["acknowledge"]
    message = outbox[0]
    assert (message.task, message.payload, message.available_at) == (
        "notify_team",
        {"team": "tokyo"},
        NOW,
    )
    assert (message.attempts, message.enqueued_at) == (0, None)  # the scalar default, and none


async def test_a_left_out_column_with_a_computed_default_is_refused(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        with pytest.raises(ValueError, match=r"outbox\.created_at has a computed default"):
            await append_rows(
                await session.connection(), OutboxMessage, [{"task": "noop", "payload": {}}]
            )
