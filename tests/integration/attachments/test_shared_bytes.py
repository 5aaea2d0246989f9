"""Shared bytes on both databases: two cases holding the same file share its stored bytes, so
deleting bytes nobody names (a failed upload's, an erased case's) must never remove those that
a concurrent upload of the same file has put but not yet named."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.attachments.files import (
    CLAIM_LIFETIME,
    CheckedFile,
    Limits,
    add_rows,
    attach,
    attachments_of,
    forget_unnamed,
    stored_first,
)
from service.attachments.storage import Storage
from service.db.models import BlobClaim, Case, utcnow

Sessions = async_sessionmaker[AsyncSession]
SCREENSHOT = CheckedFile("screenshot.txt", "text/plain", b"the same screenshot\n")
LIMITS = Limits(per_file=1024, per_case=4096)


class PausedDeletes:
    """The folder storage, but each delete waits to be let through: a deletion caught after it
    has checked that nothing names the bytes and before they are gone."""

    def __init__(self, inner: Storage) -> None:
        self.inner = inner
        self.deleting = asyncio.Event()
        self.go_on = asyncio.Event()

    async def put(self, key: str, data: bytes) -> None:
        await self.inner.put(key, data)

    async def get(self, key: str) -> bytes:
        return await self.inner.get(key)

    async def delete(self, key: str) -> None:
        self.deleting.set()
        await self.go_on.wait()
        await self.inner.delete(key)

    async def keys(self) -> list[str]:
        return await self.inner.keys()

    async def close(self) -> None:
        await self.inner.close()


async def _forget(sessions: Sessions, storage: Storage, keys: list[str]) -> list[str]:
    """As the worker removing an erased case's files does it: in a transaction of its own."""
    async with sessions() as session, session.begin():
        return await forget_unnamed(session, storage, keys)


async def _claims(sessions: Sessions) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(BlobClaim)) or 0)


async def _attached(sessions: Sessions, case_id: int) -> list[str]:
    async with sessions() as session:
        case = await session.get(Case, case_id)
        assert case is not None
        return [row.sha256 for row in await attachments_of(session, case, with_internal=True)]


async def test_a_failed_upload_keeps_the_bytes_a_concurrent_upload_of_the_same_file_put(
    sessions: Sessions, folder_storage: Storage, case_id: int
) -> None:
    async with stored_first(sessions, folder_storage, [SCREENSHOT]):
        with pytest.raises(RuntimeError):
            async with stored_first(sessions, folder_storage, [SCREENSHOT]):
                raise RuntimeError("the other upload's transaction failed")
        assert await folder_storage.keys() == [SCREENSHOT.sha256]
        async with sessions() as session, session.begin():
            case = await session.get(Case, case_id)
            assert case is not None
            await add_rows(session, case, [SCREENSHOT], LIMITS, by="customer", now=utcnow())
    assert await _attached(sessions, case_id) == [SCREENSHOT.sha256]
    assert await folder_storage.get(SCREENSHOT.sha256) == SCREENSHOT.content
    assert await _claims(sessions) == 0


async def test_a_failed_upload_alone_leaves_no_orphan_bytes_and_no_claim(
    sessions: Sessions, folder_storage: Storage
) -> None:
    with pytest.raises(RuntimeError):
        async with stored_first(sessions, folder_storage, [SCREENSHOT]):
            assert await folder_storage.keys() == [SCREENSHOT.sha256]
            raise RuntimeError("its transaction failed")
    assert await folder_storage.keys() == []
    assert await _claims(sessions) == 0


async def test_an_erased_cases_bytes_are_kept_while_an_upload_of_the_same_file_is_in_flight(
    sessions: Sessions, folder_storage: Storage, case_id: int
) -> None:
    async with stored_first(sessions, folder_storage, [SCREENSHOT]):
        assert await _forget(sessions, folder_storage, [SCREENSHOT.sha256]) == []
    assert await folder_storage.keys() == [SCREENSHOT.sha256]
    # Once the claim is given back (here without rows naming the bytes) they may go.
    assert await _forget(sessions, folder_storage, [SCREENSHOT.sha256]) == [SCREENSHOT.sha256]
    assert await folder_storage.keys() == []


async def test_an_upload_waits_for_a_deletion_of_its_bytes_that_has_begun(
    sessions: Sessions, folder_storage: Storage, case_id: int
) -> None:
    await folder_storage.put(SCREENSHOT.sha256, SCREENSHOT.content)  # left by an erased case
    paused = PausedDeletes(folder_storage)
    deletion = asyncio.create_task(_forget(sessions, paused, [SCREENSHOT.sha256]))
    await asyncio.wait_for(paused.deleting.wait(), 10)
    upload = asyncio.create_task(
        attach(sessions, folder_storage, case_id, [SCREENSHOT], LIMITS, by="customer", now=utcnow())
    )
    await asyncio.sleep(0.3)
    assert not upload.done()  # its claim waits for the deletion's lock on the hash
    paused.go_on.set()
    assert await deletion == [SCREENSHOT.sha256]
    await asyncio.wait_for(upload, 30)
    assert await _attached(sessions, case_id) == [SCREENSHOT.sha256]
    assert await folder_storage.get(SCREENSHOT.sha256) == SCREENSHOT.content


async def test_a_claim_left_by_a_dead_process_keeps_nothing_once_it_is_old(
    sessions: Sessions, folder_storage: Storage
) -> None:
    await folder_storage.put(SCREENSHOT.sha256, SCREENSHOT.content)
    long_ago = utcnow() - CLAIM_LIFETIME - timedelta(minutes=1)
    async with sessions() as session, session.begin():
        session.add(BlobClaim(id="dead-process", sha256=SCREENSHOT.sha256, at=long_ago))
    assert await _forget(sessions, folder_storage, [SCREENSHOT.sha256]) == [SCREENSHOT.sha256]
    # The next upload's claim clears it away.
    other = CheckedFile("other.txt", "text/plain", b"another file\n")
    async with stored_first(sessions, folder_storage, [other]):
        async with sessions() as session:
            ids = set((await session.scalars(select(BlobClaim.id))).all())
        assert "dead-process" not in ids and len(ids) == 1
