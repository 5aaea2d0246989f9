"""Privacy rights: a customer's data as JSON, erasure on request, and retention (personal data
of cases resolved long ago anonymised). Erasure keeps the case's statistics (language,
category, severity, team, times, CSAT score) and removes everything that names or describes
the person: contact, texts, replies, notes, survey comment."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.attachments.files import attachments_of, remove_case_files
from service.cases.access import revoke_links
from service.cases.records import record_event
from service.db.models import Case, CaseEvent, Reply
from service.outbox.store import add_side_effect

ERASED = "[erased]"
ERASED_DOMAIN = "erased.invalid"
RETENTION_BATCH = 500
# Event fields that may hold what a person wrote or who they are.
_PERSONAL_EVENT_FIELDS = ("text", "note", "summary", "comment", "to", "released", "message_id")


def is_erased(case: Case) -> bool:
    return case.contact_email.endswith(f"@{ERASED_DOMAIN}")


async def export_case(session: AsyncSession, case: Case) -> dict[str, Any]:
    """Everything the case holds about the customer, and what happened to it, as JSON."""
    replies = (await session.scalars(select(Reply).where(Reply.case_id == case.id))).all()
    events = (
        await session.scalars(
            select(CaseEvent)
            .where(CaseEvent.case_id == case.id, CaseEvent.customer_visible.is_(True))
            .order_by(CaseEvent.id)
        )
    ).all()
    return {
        "reference": case.reference,
        "filed_at": case.created_at.isoformat(),
        "channel": case.channel,
        "contact": {
            "email": case.contact_email,
            "name": case.contact_name,
            "phone": case.contact_phone,
        },
        "complaint": case.text,
        "language": case.language,
        "country": case.country,
        "timezone": case.customer_timezone,
        "status": case.status,
        "messages": [
            {
                "at": r.at.isoformat(),
                "from": "you" if r.author == "customer" else "team",
                "text": r.body,
            }
            for r in sorted(replies, key=lambda r: r.id)
        ],
        "history": [{"at": e.at.isoformat(), "event": e.kind} for e in events],
        "files": [
            {"name": a.name, "size": a.size, "type": a.media_type, "at": a.at.isoformat()}
            for a in await attachments_of(session, case, with_internal=False)
        ],
        "survey": None
        if case.csat_score is None
        else {"score": case.csat_score, "comment": case.csat_comment},
    }


async def erase_case(session: AsyncSession, case: Case, now: datetime, *, actor: str) -> bool:
    """Remove the customer's personal data from the case (see module doc); False if it was
    erased already. Their links and token stop working."""
    if is_erased(case):
        return False
    case.contact_email = f"{case.reference.lower()}@{ERASED_DOMAIN}"
    case.contact_name = case.contact_phone = case.csat_comment = None
    case.accept_language = None
    case.text = ERASED
    case.updated_at = now
    revoke_links(case)
    for reply in (await session.scalars(select(Reply).where(Reply.case_id == case.id))).all():
        reply.body = ERASED
    for event in (
        await session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id))
    ).all():
        if any(field in event.data for field in _PERSONAL_EVENT_FIELDS):
            event.data = {
                key: (ERASED if key in _PERSONAL_EVENT_FIELDS and value else value)
                for key, value in event.data.items()
            }
    if keys := await remove_case_files(session, case, now):
        add_side_effect(session, "remove_files", now, case_id=case.id, keys=keys)
    record_event(session, case, "erased", actor, now)
    return True


async def cases_of(session: AsyncSession, email: str) -> list[Case]:
    """The cases a contact e-mail address filed (for an administrator's export or erasure)."""
    wanted = email.strip().lower()
    query = select(Case).where(func.lower(Case.contact_email) == wanted).order_by(Case.id)
    return list((await session.scalars(query)).all())


async def apply_retention(
    sessions: async_sessionmaker[AsyncSession],
    now: datetime,
    days: int,
    *,
    batches: int | None = None,
    batch_size: int = RETENTION_BATCH,
) -> int:
    """Erase the personal data of cases resolved or closed more than `days` ago, in at most
    `batches` committed batches (all when None); how many."""
    cutoff, erased = now - timedelta(days=days), 0
    for _ in itertools.count() if batches is None else range(batches):
        async with sessions() as session, session.begin():
            query = (
                select(Case)
                .where(
                    Case.status.in_(("resolved", "closed")),
                    Case.resolved_at < cutoff,
                    Case.contact_email.not_like(f"%@{ERASED_DOMAIN}"),
                )
                .limit(batch_size)
                .with_for_update(skip_locked=True)
            )
            batch = list((await session.scalars(query)).all())
            for case in batch:
                erased += await erase_case(session, case, now, actor="retention")
        if len(batch) < batch_size:
            break
    return erased
