"""What a customer writes on their case (status page, API or e-mail): it goes to the team, a
waiting case resumes and a recently resolved one reopens."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from routing.lifecycle import REOPEN_WINDOW, takes_customer_messages
from service.cases.casework import apply
from service.cases.records import record_event
from service.cases.sla_watch import case_calendar, resume_clocks
from service.common.errors import Conflict, invalid
from service.common.validation import check_text
from service.db.models import Case, Reply
from service.outbox.store import add_side_effect
from service.teams.directory import router_view


def case_closed(case: Case) -> Conflict:
    return Conflict(
        f"{case.reference} is closed to messages; please file a new complaint",
        kind="case-closed",
        title="Case closed",
    )


async def add_customer_message(
    session: AsyncSession,
    case: Case,
    now: datetime,
    *,
    text: str,
    message_id: str | None = None,
    reopen_window: timedelta = REOPEN_WINDOW,
) -> Reply:
    """The customer's message on their case: back to the team (SLA clocks restarted as when an
    agent resumes it), reopened if it was resolved within `reopen_window`; a case closed or
    resolved longer ago refuses it (409 case-closed)."""
    if problem := check_text(text):
        raise invalid("text", problem)
    if not takes_customer_messages(case.status, case.resolved_at, now, reopen_window):
        raise case_closed(case)
    changes: dict[str, bool] = {}
    if case.status == "waiting_on_customer":
        apply(case, "resume")
        _, profiles = await router_view(session)
        resume_clocks(case, case_calendar(case, profiles), now)  # clears paused_at
        changes["resumed"] = True
    elif case.status == "resolved":
        apply(case, "reopen")
        case.resolved_at = None
        changes["reopened"] = True
    case.updated_at = now
    reply = Reply(case_id=case.id, at=now, author="customer", team_key=None, body=text.strip())
    session.add(reply)
    await session.flush()
    record_event(
        session,
        case,
        "customer_reply",
        "customer",
        now,
        visible=True,
        reply_id=reply.id,
        message_id=message_id,
        **changes,
    )
    add_side_effect(
        session, "notify_team", now, case_id=case.id, team=case.team_key, event="customer_reply"
    )
    return reply
