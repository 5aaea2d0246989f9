"""Group commit: concurrent writes of one kind stored together, one transaction per group.

Callers submit an item each and wait; whoever finds the writer free takes every item waiting
(up to `max_group`) and stores them in one transaction, so N concurrent intakes cost one BEGIN
and one COMMIT, and SQLite's single write lock is taken once instead of fought over N times.
Each caller is answered only once its group is committed. If a group fails, its items are
stored again one by one, each in its own transaction, so a bad item fails only its own caller.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

Item = TypeVar("Item")
Stored = TypeVar("Stored")

Store = Callable[[AsyncSession, Sequence[Item]], Awaitable[Sequence[Stored]]]
"""Writes a group of items in the given session's open transaction; one result per item."""


class GroupCommit(Generic[Item, Stored]):
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        store: Store[Item, Stored],
        *,
        max_group: int = 64,
    ) -> None:
        self._sessions = sessions
        self._store = store
        self._max_group = max_group
        self._lock = asyncio.Lock()  # binds to the first event loop it waits on: one per writer
        self._waiting: list[tuple[Item, asyncio.Future[Stored]]] = []

    async def submit(self, item: Item) -> Stored:
        """Store `item` with whatever else is waiting; returns once that is committed."""
        future: asyncio.Future[Stored] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, future))
        async with self._lock:
            if not future.done():
                group = self._waiting[: self._max_group]
                del self._waiting[: self._max_group]
                # A caller that goes away (a dropped connection) must not cut short the others'.
                await asyncio.shield(asyncio.ensure_future(self._write(group)))
        return await future

    async def _write(self, group: list[tuple[Item, asyncio.Future[Stored]]]) -> None:
        try:
            async with self._sessions() as session, session.begin():
                results = await self._store(session, [item for item, _ in group])
        except Exception as error:
            if len(group) == 1:
                group[0][1].set_exception(error)
                return
            for one in group:
                await self._write([one])
            return
        except BaseException as error:
            for _, future in group:
                if not future.done():
                    future.set_exception(error)
            raise
        for (_, future), result in zip(group, results, strict=True):
            future.set_result(result)
