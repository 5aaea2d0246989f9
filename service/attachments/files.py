"""Files on a case: checked and cleaned before anything is stored, bytes put in the storage
before the rows that name them are committed, and bytes nobody names any more removed.

Storage is by content, so two uploads of the same file share its bytes. An upload claims its
hashes before it puts the bytes and keeps the claim until its rows are committed; a deletion
(of a failed upload's bytes, or an erased case's) checks rows and claims and deletes under the
same per-hash lock. So bytes that a concurrent upload has put, but not yet named, are kept."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.attachments import images, kinds
from service.attachments.scanning import Scanner, ScanUnavailable
from service.attachments.storage import Storage
from service.cases.records import record_event
from service.common.errors import (
    DomainError,
    InvalidInput,
    NotFound,
    TooLarge,
    Unavailable,
    UnsupportedFormat,
)
from service.db.models import Attachment, BlobClaim, Case, utcnow
from service.outbox.store import add_side_effect
from service.settings import Settings

log = logging.getLogger("meridian.attachments")
FILES_PER_CASE = 20
FILE_REFUSALS = (InvalidInput, TooLarge, UnsupportedFormat)
"""What the checks and limits raise for a file that is not taken."""
CLAIM_LIFETIME = timedelta(hours=1)
"""A claim this old was left by a process that died between putting bytes and committing their
rows (which takes seconds): it no longer keeps the bytes."""


@dataclass(frozen=True)
class Upload:
    """A file as it arrived: the name its sender gave and its bytes."""

    name: str
    content: bytes


@dataclass(frozen=True)
class CheckedFile:
    """A file that passed every check: its type read from the content, its name cleaned, an
    image re-encoded without metadata."""

    name: str
    media_type: str
    content: bytes

    @property
    def size(self) -> int:
        return len(self.content)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


@dataclass(frozen=True)
class Limits:
    per_file: int
    per_case: int
    files: int = FILES_PER_CASE

    @classmethod
    def of(cls, settings: Settings) -> Limits:
        return cls(
            per_file=settings.attachment_max_bytes, per_case=settings.case_attachments_max_bytes
        )


def _problem(code: str, message: str) -> InvalidInput:
    return InvalidInput([{"field": "file", "code": code, "message": message}])


def _case_too_large(limits: Limits) -> TooLarge:
    return TooLarge(
        f"the files of a case may hold at most {limits.per_case // 1024} KiB together",
        errors=[{"field": "file", "code": "case_files_too_large", "message": "too large"}],
    )


def check_file(upload: Upload, limits: Limits) -> CheckedFile:
    """The cleaned file, or the domain error that says what is wrong with it (CPU-bound: call
    it in a worker thread)."""
    if not upload.content:
        raise _problem("file_empty", f"{upload.name or 'the file'} is empty")
    if len(upload.content) > limits.per_file:
        raise TooLarge(
            f"a file may hold at most {limits.per_file // 1024} KiB",
            errors=[{"field": "file", "code": "file_too_large", "message": "file too large"}],
        )
    media_type = kinds.media_type_of(upload.content)
    if media_type is None:
        raise UnsupportedFormat(
            "files may be images (JPEG, PNG, GIF, WebP), PDF, audio, video or plain text",
            errors=[{"field": "file", "code": "file_type_refused", "message": "type refused"}],
        )
    if kinds.name_contradicts(upload.name, media_type):
        raise _problem(
            "file_name_contradicts", f"the content is {media_type}, not what its name says"
        )
    content = upload.content
    if media_type in kinds.IMAGES:
        try:
            content = images.without_metadata(content, media_type)
        except images.UnreadableImage:
            raise _problem("file_unreadable", "the image cannot be read") from None
    return CheckedFile(kinds.clean_name(upload.name, media_type), media_type, content)


def problem_code(error: DomainError) -> str | None:
    """The code a refused file's error carries (for its localized wording), if it is one."""
    for item in error.errors or ():
        if item.get("field") == "file" and isinstance(code := item.get("code"), str):
            return code
    return None


def check_files(uploads: Sequence[Upload], limits: Limits) -> list[CheckedFile]:
    """Every file checked, and together within the limits of one case."""
    if len(uploads) > limits.files:
        raise _problem("too_many_files", f"at most {limits.files} files")
    checked = [check_file(upload, limits) for upload in uploads]
    if sum(file.size for file in checked) > limits.per_case:
        raise _case_too_large(limits)
    return checked


async def scan(files: Sequence[CheckedFile], scanner: Scanner, quarantine: Storage) -> None:
    """Refuse the files if one carries malware: its bytes go to the quarantine (kept for
    inspection, never served) and the refusal names it. Without a verdict nothing is taken."""
    for file in files:
        try:
            signature = await scanner.signature_in(file.content)
        except ScanUnavailable as failed:
            log.warning("files refused, no malware scan: %s", failed)
            raise Unavailable(
                "files cannot be checked for malware right now; try again in a minute",
                retry_after=60,
            ) from None
        if signature is not None:
            await quarantine.put(file.sha256, file.content)
            log.warning("file quarantined (sha256 %s): %s", file.sha256, signature)
            raise _problem("file_infected", f"{file.name} carries malware ({signature})")


async def put_files(storage: Storage, files: Sequence[CheckedFile]) -> None:
    for file in files:
        await storage.put(file.sha256, file.content)


async def add_rows(
    session: AsyncSession,
    case: Case,
    files: Sequence[CheckedFile],
    limits: Limits,
    *,
    by: str,
    now: datetime,
    internal: bool = False,
    reply_id: int | None = None,
) -> list[Attachment]:
    """Rows (and a timeline event) for files already in the storage, in the caller's
    transaction (`reply_id`: the team's reply they came with); the case's limits count the
    files it holds already."""
    count, total = (
        await session.execute(
            select(func.count(), func.coalesce(func.sum(Attachment.size), 0)).where(
                Attachment.case_id == case.id, Attachment.removed_at.is_(None)
            )
        )
    ).one()
    if count + len(files) > limits.files:
        raise _problem("too_many_files", f"a case holds at most {limits.files} files")
    if total + sum(file.size for file in files) > limits.per_case:
        raise _case_too_large(limits)
    rows = [
        Attachment(
            id=secrets.token_urlsafe(12),
            case_id=case.id,
            at=now,
            name=file.name,
            size=file.size,
            media_type=file.media_type,
            sha256=file.sha256,
            added_by=by,
            internal=internal,
            reply_id=reply_id,
        )
        for file in files
    ]
    session.add_all(rows)
    for row in rows:
        record_event(
            session,
            case,
            "attachment_added",
            "customer" if by in ("customer", "email") else by,
            now,
            visible=not internal,
            id=row.id,
            name=row.name,
            size=row.size,
            sha256=row.sha256,
            media_type=row.media_type,
        )
    return rows


CaseStep = Callable[[AsyncSession, Case, datetime], Awaitable[None]]
"""Something done to a case inside another change's transaction."""


class FileStep(Protocol):
    """The step that puts rows for files on a case, perhaps as those of a team's reply."""

    async def __call__(
        self, session: AsyncSession, case: Case, now: datetime, *, reply_id: int | None = None
    ) -> None: ...


def adding(
    files: Sequence[CheckedFile], limits: Limits, *, by: str, internal: bool = False
) -> FileStep:
    """The step that puts rows for `files` (already in the storage) on a case."""

    async def step(
        session: AsyncSession, case: Case, now: datetime, *, reply_id: int | None = None
    ) -> None:
        if files:
            await add_rows(
                session, case, files, limits, by=by, now=now, internal=internal, reply_id=reply_id
            )

    return step


async def reply_file_names(session: AsyncSession, reply_id: int) -> list[str]:
    """The names of the files still stored that came with a team's reply, in upload order."""
    query = (
        select(Attachment.name)
        .where(Attachment.reply_id == reply_id, Attachment.removed_at.is_(None))
        .order_by(Attachment.at, Attachment.name)
    )
    return list((await session.scalars(query)).all())


async def _lock_hashes(session: AsyncSession, keys: Collection[str]) -> None:
    """Hold the lock of each hash until the transaction ends: on PostgreSQL an advisory lock per
    hash, taken in order (no deadlock); SQLite's write transaction holds the whole database."""
    if session.get_bind().dialect.name == "postgresql":
        for key in sorted(keys):
            await session.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(key, 0))))


async def _claim(sessions: async_sessionmaker[AsyncSession], keys: Collection[str]) -> list[str]:
    """Claim the hashes (committed before any bytes are put); the claims' ids."""
    claims = [BlobClaim(id=secrets.token_urlsafe(12), sha256=key) for key in keys]
    async with sessions() as session, session.begin():
        await _lock_hashes(session, keys)
        await session.execute(delete(BlobClaim).where(BlobClaim.at < utcnow() - CLAIM_LIFETIME))
        session.add_all(claims)
    return [claim.id for claim in claims]


async def forget_unnamed(session: AsyncSession, storage: Storage, keys: Sequence[str]) -> list[str]:
    """Delete the stored bytes under `keys` that no live attachment names and no fresh claim
    keeps; which were deleted. The hashes stay locked until the session's transaction ends."""
    wanted = set(keys)
    if not wanted:
        return []
    await _lock_hashes(session, wanted)
    named = select(Attachment.sha256).where(
        Attachment.sha256.in_(wanted), Attachment.removed_at.is_(None)
    )
    claimed = select(BlobClaim.sha256).where(
        BlobClaim.sha256.in_(wanted), BlobClaim.at >= utcnow() - CLAIM_LIFETIME
    )
    gone = sorted(wanted - set((await session.scalars(named.union(claimed))).all()))
    for key in gone:
        await storage.delete(key)
    return gone


@contextlib.asynccontextmanager
async def stored_first(
    sessions: async_sessionmaker[AsyncSession], storage: Storage, files: Sequence[CheckedFile]
) -> AsyncIterator[None]:
    """Put the bytes in the storage, then run the block that commits the rows naming them; if
    it fails, bytes that nothing else names are removed again (no orphan left behind)."""
    if not files:
        yield
        return
    keys = {file.sha256 for file in files}
    claims = await _claim(sessions, keys)
    dropped = delete(BlobClaim).where(BlobClaim.id.in_(claims))
    try:
        await put_files(storage, files)
        yield
    except BaseException:
        async with sessions() as session, session.begin():
            await session.execute(dropped)
            await forget_unnamed(session, storage, sorted(keys))
        raise
    async with sessions() as session, session.begin():
        await session.execute(dropped)


async def attach(
    sessions: async_sessionmaker[AsyncSession],
    storage: Storage,
    case_id: int,
    files: Sequence[CheckedFile],
    limits: Limits,
    *,
    by: str,
    now: datetime,
    internal: bool = False,
) -> list[Attachment]:
    """Store checked files on an existing case."""
    async with stored_first(sessions, storage, files), sessions() as session, session.begin():
        case = await session.get(Case, case_id, with_for_update=True)
        if case is None:
            raise NotFound("the case is gone")
        return await add_rows(session, case, files, limits, by=by, now=now, internal=internal)


async def attachments_of(
    session: AsyncSession, case: Case, *, with_internal: bool
) -> list[Attachment]:
    """The case's files still stored (internal ones only `with_internal`), oldest first."""
    query = (
        select(Attachment)
        .where(Attachment.case_id == case.id, Attachment.removed_at.is_(None))
        .order_by(Attachment.at)
    )
    if not with_internal:
        query = query.where(Attachment.internal.is_(False))
    return list((await session.scalars(query)).all())


async def attachment_of(
    session: AsyncSession, case: Case, attachment_id: str, *, with_internal: bool
) -> Attachment:
    """A live attachment of the case (internal ones only for staff); NotFound otherwise."""
    row = await session.get(Attachment, attachment_id)
    if (
        row is None
        or row.case_id != case.id
        or row.removed_at is not None
        or (row.internal and not with_internal)
    ):
        raise NotFound(f"no attachment {attachment_id} on {case.reference}")
    return row


async def remove_file(
    session: AsyncSession, case: Case, now: datetime, *, attachment_id: str, by: str
) -> None:
    """A staff member removes one file from the case (sent by mistake, or holding what it should
    not): gone from every page, its bytes deleted by the `remove_files` job unless another case
    holds the same file; name, size and hash stay in the history."""
    row = await attachment_of(session, case, attachment_id, with_internal=True)
    row.removed_at = now
    case.updated_at = now
    record_event(
        session,
        case,
        "attachment_removed",
        by,
        now,
        visible=not row.internal,
        id=row.id,
        name=row.name,
        size=row.size,
        sha256=row.sha256,
    )
    add_side_effect(session, "remove_files", now, case_id=case.id, keys=[row.sha256])


async def remove_case_files(session: AsyncSession, case: Case, now: datetime) -> list[str]:
    """Mark the case's files removed (name, size and hash stay for the audit trail); the keys
    whose bytes are to be deleted once this commits."""
    rows = (
        await session.scalars(
            select(Attachment).where(Attachment.case_id == case.id, Attachment.removed_at.is_(None))
        )
    ).all()
    for row in rows:
        row.removed_at = now
    return sorted({row.sha256 for row in rows})
