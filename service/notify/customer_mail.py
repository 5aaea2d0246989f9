"""The e-mails a customer receives, rendered in their language and time zone."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from routing.team_file import public_name
from service.attachments.files import attachments_of, reply_file_names
from service.cases.access import link_token
from service.db.models import Case, CaseEvent, Reply, Team
from service.i18n import messages


def status_url(case: Case, base_url: str, secret_key: str, now: datetime) -> str:
    """The customer's status page, with a link token valid for LINK_LIFETIME from `now`."""
    return f"{base_url}/cases/{case.reference}?token={link_token(case, secret_key, now)}"


def _customer_name_of(team: Team | None, locale: str) -> str:
    return public_name(team.name, team.public_names or {}, locale) if team else ""


async def reply_preview(
    session: AsyncSession, case: Case, body: str, *, base_url: str
) -> messages.Email:
    """A team's draft reply as the customer would receive it (the link's token left out)."""
    team = await session.get(Team, case.team_key) if case.team_key else None
    return messages.reply_email(
        case.reply_locale,
        reference=case.reference,
        team_name=_customer_name_of(team, case.reply_locale),
        body=body,
        status_url=f"{base_url}/cases/{case.reference}?token=…",
    )


async def render(
    session: AsyncSession,
    case: Case,
    kind: str,
    payload: dict[str, object],
    *,
    base_url: str,
    secret_key: str,
    now: datetime,
) -> messages.Email | None:
    """The e-mail of `kind` for `case`, rendered at `now`; None when there is nothing to send
    any more."""
    url = status_url(case, base_url, secret_key, now)
    team = await session.get(Team, case.team_key) if case.team_key else None
    locale = case.reply_locale
    team_name = _customer_name_of(team, locale)
    if kind == "acknowledgement":
        return messages.acknowledgement_email(
            locale,
            reference=case.reference,
            team_name=team_name,
            due=case.first_response_due,
            timezone=case.customer_timezone,
            status_url=url,
            waiting=team is None or case.waiting_until is not None,
            files=[file.name for file in await attachments_of(session, case, with_internal=False)],
        )
    if kind == "reply":
        reply = await session.scalar(select(Reply).where(Reply.id == payload.get("reply_id")))
        if reply is None:
            return None
        return messages.reply_email(
            locale,
            reference=case.reference,
            team_name=team_name,
            body=reply.body,
            status_url=url,
            files=await reply_file_names(session, reply.id),
        )
    if kind == "resolution":
        summary = await _resolution_summary(session, case)
        return messages.resolution_email(
            locale, reference=case.reference, survey_url=url, summary=summary
        )
    if kind == "feedback":
        if case.csat_at is not None or case.status not in ("resolved", "closed"):
            return None  # answered already, or reopened: no reminder
        return messages.resolution_email(locale, reference=case.reference, survey_url=url)
    raise ValueError(f"unknown customer e-mail kind {kind!r}")


async def _resolution_summary(session: AsyncSession, case: Case) -> str | None:
    """What the team wrote for the customer when it last resolved the case."""
    query = (
        select(CaseEvent.data)
        .where(CaseEvent.case_id == case.id, CaseEvent.kind == "resolved")
        .order_by(CaseEvent.id.desc())
        .limit(1)
    )
    data = await session.scalar(query)
    return str(data.get("summary") or "") or None if data else None
