"""Group commit on each backend: concurrent items share one transaction, and a bad item fails
only its own caller while the rest of its group is stored."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.db.group_commit import GroupCommit
from service.db.models import OutboxMessage

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


class Refused(Exception):
    pass


async def _count(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(OutboxMessage)) or 0)


async def test_concurrent_items_are_stored_together_and_each_answered(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    groups: list[int] = []

    async def store(session: AsyncSession, items: Sequence[str]) -> list[int]:
        groups.append(len(items))
        rows = [
            OutboxMessage(task=item, created_at=NOW, available_at=NOW, payload={}) for item in items
        ]
        session.add_all(rows)
        await session.flush()
        return [row.id for row in rows]

    writer = GroupCommit(sessions, store)
    ids = await asyncio.gather(*(writer.submit(f"task-{n}") for n in range(40)))
    assert len(set(ids)) == 40
    assert sum(groups) == 40
    assert len(groups) < 40, "every item had a transaction of its own"
    assert await _count(sessions) == 40


async def test_a_bad_item_fails_alone(sessions: async_sessionmaker[AsyncSession]) -> None:
    attempts: list[tuple[str, ...]] = []

    async def store(session: AsyncSession, items: Sequence[str]) -> list[str]:
        attempts.append(tuple(items))
        session.add_all(
            OutboxMessage(task=item, created_at=NOW, available_at=NOW, payload={}) for item in items
        )
        await session.flush()
        if "bad" in items:
            raise Refused("bad item")
        return list(items)

    writer = GroupCommit(sessions, store)
    results = await asyncio.gather(
        *(writer.submit(item) for item in ("a", "b", "bad", "c", "d")), return_exceptions=True
    )
    assert [type(r).__name__ if isinstance(r, Exception) else r for r in results] == [
        "a",
        "b",
        "Refused",
        "c",
        "d",
    ]
    assert any(len(group) > 1 and "bad" in group for group in attempts)
    async with sessions() as session:
        stored = set((await session.scalars(select(OutboxMessage.task))).all())
    assert stored == {"a", "b", "c", "d"}


async def test_a_failed_commit_reaches_every_caller(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async def store(session: AsyncSession, items: Sequence[int]) -> list[int]:
        raise Refused("the database is gone")

    writer = GroupCommit(sessions, store)
    results = await asyncio.gather(*(writer.submit(n) for n in range(5)), return_exceptions=True)
    assert all(isinstance(r, Refused) for r in results)
    with pytest.raises(Refused):
        await writer.submit(9)
    assert await _count(sessions) == 0
