"""E-mail intake: a relayed message becomes a reply on the sender's case, or a new case.

A reply is threaded only when it was sent to the case's reply address (reply+<reference>.
<token>@…, which only our own e-mails to the customer carry; the token is keyed with the secret
key) and the relay did not report an SPF or DMARC failure. Anything else, a forged `From:` with
the reference in the subject included, becomes a new case, so that nobody can write into
another customer's case.

Relays retry, so each delivery is claimed once in `task_runs` under a key derived from the
sender and the Message-ID. The claim is taken before the work and completed with the outcome;
a repeated delivery gets the recorded outcome back (`duplicate`), a delivery that arrives while
the first is still being worked on is told to retry, and a claim left behind by a crashed
process is taken over once it is older than CLAIM_EXPIRY.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import msgspec
from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from routing.lifecycle import REOPEN_WINDOW, takes_customer_messages
from service.attachments.files import (
    FILE_REFUSALS,
    CheckedFile,
    Limits,
    add_rows,
    check_file,
    problem_code,
    scan,
    stored_first,
)
from service.attachments.scanning import Scanner
from service.attachments.storage import Storage
from service.cases.access import find_case, reply_token_matches
from service.cases.customer_messages import add_customer_message
from service.cases.intake import file_case
from service.cases.records import record_event
from service.cases.schemas import Contact, IntakeRequest
from service.common.errors import InvalidInput, Unavailable
from service.common.validation import check_locale
from service.db.models import Case, TaskRun
from service.inbound.parse import REFERENCE_PATTERN, InboundEmail, InvalidEmail, parse_inbound

CLAIM_EXPIRY = timedelta(minutes=5)
"""How long a delivery may be in the works before a retry takes it over."""
RETRY_AFTER_SECONDS = 30
MAX_CONTACT_NAME_CHARS = 200

# "Re:", "Fwd:", "AW:", "回复：" … at the start of a subject, repeated.
_REPLY_PREFIXES = re.compile(
    r"^(?:\s*(?:re|fwd?|aw|wg|sv|vs|tr|rv|antw|odp|ynt|回复|回覆|答复|转发|轉寄|轉發|返信|답장|전달)"
    r"\s*(?:\[\d+\])?\s*[:：])+",
    re.IGNORECASE,
)
# Subjects that say nothing the text does not: prepending them would only add noise words in
# another language to the customer's text (and so to language detection).
_GENERIC_SUBJECTS = frozenset(
    {
        "complaint",
        "help",
        "support",
        "question",
        "problem",
        "issue",
        "hello",
        "hi",
        "feedback",
        "contact",
        "enquiry",
        "inquiry",
        "request",
        "no subject",
        "(no subject)",
    }
)


class InboundOutcome(msgspec.Struct):
    """What became of a relayed message (also recorded, to answer a repeated delivery)."""

    reference: str
    threaded: bool
    """True: added to the sender's case as a reply; False: filed as a new case."""
    status: str
    language: str
    team: str | None
    duplicate: bool = False
    """True: this message was processed before; nothing new was stored."""


@dataclass(frozen=True)
class Received:
    outcome: InboundOutcome
    created: bool
    """Whether a new case was filed by this delivery."""


async def receive_email(
    sessions: async_sessionmaker[AsyncSession],
    raw: bytes,
    *,
    now: datetime,
    secret_key: str,
    files: FileShelf,
    reopen_window: timedelta = REOPEN_WINDOW,
) -> Received:
    """Parse a raw RFC 5322 message and thread it onto its case or file it as a new one, with
    its attachments (a file that is refused is left out, and named in the case's history)."""
    try:
        # Parsing a hostile message can take seconds of CPU: keep it off the event loop.
        email = await asyncio.to_thread(parse_inbound, raw)
    except InvalidEmail as exc:
        raise InvalidInput(detail=str(exc), kind="invalid-email", title="Invalid e-mail") from exc
    key = delivery_key(email)
    if key is not None and (earlier := await _claim_delivery(sessions, key, now)) is not None:
        return Received(msgspec.structs.replace(earlier, duplicate=True), created=False)
    try:
        kept, refused = await asyncio.to_thread(_checked_files, email, files.limits)
        attached = await _scanned(Attached(kept, refused, files.limits), files)
        async with stored_first(sessions, files.storage, attached.files):
            threaded = await _thread_reply(
                sessions, email, key, now, secret_key, reopen_window, attached
            )
            if threaded is not None:
                return Received(threaded, created=False)
            outcome = await _file_new_case(sessions, email, now, attached)
        if key is not None:
            async with sessions() as session, session.begin():
                await _complete_delivery(session, key, outcome)
    except BaseException:
        if key is not None:
            await _release_delivery(sessions, key, now)
        raise
    return Received(outcome, created=True)


Refusals = list[dict[str, str]]
"""Files left out of a case: each one's name and the code of why."""


@dataclass(frozen=True)
class FileShelf:
    """Where an e-mail's attachments go, the limits they are held to and their malware scan."""

    storage: Storage
    limits: Limits
    scanner: Scanner
    quarantine: Storage


@dataclass(frozen=True)
class Attached:
    """An e-mail's files: those taken, and those refused (name and why)."""

    files: list[CheckedFile]
    refused: Refusals
    limits: Limits

    async def record(self, session: AsyncSession, case: Case, now: datetime) -> None:
        """The files on the case, in the caller's transaction; those over the case's limits
        are refused too, and every refused one is named in the case's history."""
        refused = list(self.refused)
        if self.files:
            try:
                await add_rows(session, case, self.files, self.limits, by="email", now=now)
            except FILE_REFUSALS as error:
                code = problem_code(error) or error.kind
                refused += [{"name": file.name, "code": code} for file in self.files]
        if refused:
            record_event(session, case, "attachments_refused", "email", now, files=refused)


def _checked_files(email: InboundEmail, limits: Limits) -> tuple[list[CheckedFile], Refusals]:
    """The e-mail's files that pass the checks, and the others."""
    kept: list[CheckedFile] = []
    refused: Refusals = []
    for upload in email.files:
        try:
            if len(kept) >= limits.files:
                raise InvalidInput([{"field": "file", "code": "too_many_files"}])
            kept.append(check_file(upload, limits))
        except FILE_REFUSALS as error:
            refused.append({"name": upload.name[:200], "code": problem_code(error) or error.kind})
    return kept, refused


async def _scanned(attached: Attached, shelf: FileShelf) -> Attached:
    """The files without those that carry malware (quarantined, and named as refused)."""
    clean, refused = [], list(attached.refused)
    for file in attached.files:
        try:
            await scan([file], shelf.scanner, shelf.quarantine)
            clean.append(file)
        except FILE_REFUSALS as error:
            refused.append({"name": file.name, "code": problem_code(error) or error.kind})
    return Attached(clean, refused, attached.limits)


def delivery_key(email: InboundEmail) -> str | None:
    """The `task_runs` key of a message: its Message-ID, scoped to the sender (None: no ID)."""
    if email.message_id is None:
        return None
    identity = f"{email.sender_email.casefold()}\n{email.message_id}".encode()
    return f"inbound:{hashlib.sha256(identity).hexdigest()}"


def complaint_text(email: InboundEmail) -> str:
    """The text of a new case: the subject, a blank line and the body (unless generic)."""
    subject = email.subject.strip()
    if _is_generic(subject) or email.text.startswith(subject):
        return email.text
    return f"{subject}\n\n{email.text}"


def _is_generic(subject: str) -> bool:
    topic = REFERENCE_PATTERN.sub("", _REPLY_PREFIXES.sub("", subject))
    topic = topic.strip(" \t[](){}<>:-–—.!?").casefold()
    return not any(ch.isalnum() for ch in topic) or topic in _GENERIC_SUBJECTS


# --- delivery claims ------------------------------------------------------------------------


async def _claim_delivery(
    sessions: async_sessionmaker[AsyncSession], key: str, now: datetime
) -> InboundOutcome | None:
    """Claim the delivery; returns the outcome instead if this message was processed before."""
    try:
        async with sessions() as session, session.begin():
            session.add(TaskRun(key=key, at=now, result={}))
        return None
    except IntegrityError:
        pass
    async with sessions() as session, session.begin():
        claim = await session.get(TaskRun, key)
        if claim is not None and claim.result:
            return msgspec.convert(claim.result, InboundOutcome)
        if claim is not None and now - claim.at >= CLAIM_EXPIRY:
            # Left behind by a process that died: take it over unless another retry just did.
            taken = await session.execute(
                update(TaskRun).where(TaskRun.key == key, TaskRun.at == claim.at).values(at=now)
            )
            if taken.rowcount == 1:  # type: ignore[attr-defined]
                return None
    raise Unavailable(
        "this message is being processed by an earlier delivery; retry later",
        kind="delivery-in-progress",
        title="Delivery in progress",
        retry_after=RETRY_AFTER_SECONDS,
    )


async def _complete_delivery(session: AsyncSession, key: str, outcome: InboundOutcome) -> None:
    result = msgspec.to_builtins(outcome)
    await session.execute(update(TaskRun).where(TaskRun.key == key).values(result=result))


async def _release_delivery(
    sessions: async_sessionmaker[AsyncSession], key: str, claimed_at: datetime
) -> None:
    """Drop our unfinished claim so that the relay's retry can process the message."""
    async with sessions() as session, session.begin():
        await session.execute(delete(TaskRun).where(TaskRun.key == key, TaskRun.at == claimed_at))


# --- replies and new cases ------------------------------------------------------------------


async def _thread_reply(
    sessions: async_sessionmaker[AsyncSession],
    email: InboundEmail,
    key: str | None,
    now: datetime,
    secret_key: str,
    reopen_window: timedelta,
    attached: Attached,
) -> InboundOutcome | None:
    """Add the message to the case whose reply address it was sent to, if that case still
    takes the customer's messages; None otherwise."""
    if email.reply_to_case is None or email.authentication_failed:
        return None
    reference, token = email.reply_to_case
    if not reply_token_matches(reference, token, secret_key):
        return None
    async with sessions() as session, session.begin():
        case = await find_case(session, reference, for_update=True)
        window = reopen_window
        if case is None or not takes_customer_messages(case.status, case.resolved_at, now, window):
            return None
        await add_customer_message(
            session, case, now, text=email.text, message_id=email.message_id, reopen_window=window
        )
        await attached.record(session, case, now)
        outcome = InboundOutcome(
            reference=case.reference,
            threaded=True,
            status=case.status,
            language=case.language,
            team=case.team_key,
        )
        if key is not None:
            await _complete_delivery(session, key, outcome)
    return outcome


async def _file_new_case(
    sessions: async_sessionmaker[AsyncSession],
    email: InboundEmail,
    now: datetime,
    attached: Attached,
) -> InboundOutcome:
    locale = next((hint for hint in email.language_hints if check_locale(hint) is None), None)
    name = (email.sender_name or "")[:MAX_CONTACT_NAME_CHARS].strip() or None
    complaint = IntakeRequest(
        text=complaint_text(email),
        contact=Contact(email=email.sender_email, name=name),
        locale=locale,
        channel="email",
    )
    filed = await file_case(
        sessions, complaint, accept_language=None, now=now, with_case=attached.record
    )
    case = filed.case
    return InboundOutcome(
        reference=case.reference,
        threaded=False,
        status=case.status,
        language=case.language,
        team=case.team_key,
    )
