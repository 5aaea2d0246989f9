"""What customers and teams do with a case after intake: look, claim, reply, wait, resolve."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from routing.lifecycle import (
    REOPEN_WINDOW,
    Action,
    IllegalTransition,
    takes_customer_messages,
    transition,
)
from routing.sla import feedback_due
from service.accounts.services import team_members
from service.attachments.files import FileStep, attachments_of
from service.cases.access import case_for_team, revoke_links
from service.cases.records import record_event
from service.cases.schemas import (
    CaseChanged,
    CaseDetail,
    CaseStatus,
    Contact,
    EventOut,
    FileOut,
    ReplyOut,
    TimelineEntry,
    view_of,
)
from service.cases.sla_watch import case_calendar, resume_clocks
from service.common.caller import Caller
from service.common.errors import Conflict, invalid
from service.common.validation import check_text
from service.db.models import Case, CaseEvent, Reply, Team
from service.i18n import messages
from service.outbox.store import add_side_effect
from service.teams.directory import TeamNames, router_view, team_names

CaseAction = Callable[[AsyncSession, Case, datetime], Awaitable[None]]


async def _events(session: AsyncSession, case: Case) -> list[CaseEvent]:
    query = select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)
    return list((await session.scalars(query)).all())


async def _replies(session: AsyncSession, case: Case) -> list[Reply]:
    query = select(Reply).where(Reply.case_id == case.id).order_by(Reply.id)
    return list((await session.scalars(query)).all())


async def customer_view(
    session: AsyncSession, case: Case, now: datetime, reopen_window: timedelta = REOPEN_WINDOW
) -> CaseStatus:
    """Status, the complaint and the customer-visible timeline, in the customer's language."""
    names = await team_names(session)
    locale = case.reply_locale
    replies = {r.id: r for r in await _replies(session, case)}
    timeline: list[TimelineEntry] = []
    for event in await _events(session, case):
        if not event.customer_visible:
            continue
        params = _timeline_params(event.data, names, locale)
        body = None
        if event.kind in ("reply", "customer_reply"):  # a team's answer, the customer's e-mail
            reply = replies.get(int(event.data.get("reply_id", 0)))
            body = reply.body if reply else None
        elif event.kind == "resolved":  # the resolution summary the team wrote for the customer
            body = event.data.get("summary")
        text = messages.timeline_event(locale, event.kind, **params)
        timeline.append(TimelineEntry(at=event.at, kind=event.kind, text=text, body=body))
    return CaseStatus(
        reference=case.reference,
        status=case.status,
        status_label=messages.status_label(locale, case.status),
        language=case.language,
        team_name=names.for_customer(case.team_key, locale),
        first_response_due=case.first_response_due,
        resolution_due=case.resolution_due,
        complaint=case.text,
        accepts_messages=takes_customer_messages(case.status, case.resolved_at, now, reopen_window),
        timeline=timeline,
        files=await _files(session, case, with_internal=False),
    )


async def _files(session: AsyncSession, case: Case, *, with_internal: bool) -> list[FileOut]:
    rows = await attachments_of(session, case, with_internal=with_internal)
    return [view_of(row, FileOut) for row in rows]


def _timeline_params(data: dict[str, Any], names: TeamNames, locale: str) -> dict[str, str]:
    params: dict[str, str] = {}
    if team := data.get("team"):
        params["team"] = names.for_customer(team, locale) or team
    if status := data.get("status"):
        params["status"] = status
    if name := data.get("name"):
        params["name"] = name
    return params


async def agent_view(session: AsyncSession, case: Case) -> CaseDetail:
    events = await _events(session, case)
    replies = await _replies(session, case)
    return view_of(
        case,
        CaseDetail,
        contact=Contact(email=case.contact_email, name=case.contact_name, phone=case.contact_phone),
        team=case.team_key,
        events=[view_of(event, EventOut) for event in events],
        replies=[view_of(reply, ReplyOut, team=reply.team_key) for reply in replies],
        files=await _files(session, case, with_internal=True),
    )


def apply(case: Case, action: Action) -> str:
    """Move the case through the status machine; an illegal move is a 409 problem."""
    try:
        new_status = transition(case.status, action)
    except IllegalTransition as exc:
        raise Conflict(str(exc), kind="illegal-transition", title="Illegal transition") from exc
    previous = case.status
    case.status = new_status
    return previous


def _claimed_by_another(case: Case) -> Conflict:
    return Conflict(
        f"{case.reference} is claimed by {case.claimed_by}",
        kind="already-claimed",
        title="Already claimed",
    )


async def claim(session: AsyncSession, case: Case, now: datetime, *, agent: str) -> None:
    if case.claimed_by and case.claimed_by != agent and case.status == "in_progress":
        raise _claimed_by_another(case)
    previous = apply(case, "claim")
    case.claimed_by = agent
    case.updated_at = now
    record_event(session, case, "claimed", agent, now, previous_status=previous)


async def release(
    session: AsyncSession, case: Case, now: datetime, *, agent: str, supervisor: bool
) -> None:
    """Let go of a claimed case (the agent's own; a lead's or ops' any): it stays with the team,
    unclaimed, and the customer sees no change."""
    if case.claimed_by is None:
        raise Conflict(f"{case.reference} is not claimed", kind="not-claimed", title="Not claimed")
    if case.claimed_by != agent and not supervisor:
        raise _claimed_by_another(case)
    apply(case, "release")
    released, case.claimed_by, case.updated_at = case.claimed_by, None, now
    record_event(session, case, "released", agent, now, released=released)


async def assign(
    session: AsyncSession,
    case: Case,
    now: datetime,
    *,
    agent: str,
    to: str,
    supervisor: bool,
) -> None:
    """Hand a case to a colleague who works for its team: they own it from now on."""
    if to not in await team_members(session, case.team_key or ""):
        raise invalid("to", f"{to!r} is not an agent of team {case.team_key}")
    if case.claimed_by not in (None, agent) and not supervisor:
        raise _claimed_by_another(case)
    if to == case.claimed_by:
        raise Conflict(f"{case.reference} is with {to} already", kind="unchanged")
    previous = apply(case, "claim")
    case.claimed_by, case.updated_at = to, now
    record_event(session, case, "assigned", agent, now, to=to, previous_status=previous)


async def reply(
    session: AsyncSession,
    case: Case,
    now: datetime,
    *,
    agent: str,
    body: str,
    attach: FileStep | None = None,
) -> None:
    """An agent's reply (and the files that `attach` puts with it): shown to the customer on
    the status endpoint and e-mailed to them."""
    apply(case, "reply")
    if case.claimed_by is None:
        case.claimed_by = agent
    if case.first_responded_at is None:
        case.first_responded_at = now
    case.updated_at = now
    entry = Reply(case_id=case.id, at=now, author=agent, team_key=case.team_key, body=body)
    session.add(entry)
    await session.flush()
    record_event(
        session, case, "reply", agent, now, visible=True, reply_id=entry.id, team=case.team_key
    )
    if attach is not None:
        await attach(session, case, now, reply_id=entry.id)
    add_side_effect(
        session, "email_customer", now, case_id=case.id, kind="reply", reply_id=entry.id
    )


async def set_status(
    session: AsyncSession, case: Case, now: datetime, *, status: str, agent: str, note: str | None
) -> None:
    """Wait on the customer (the SLA clocks stop) or resume work (they restart, pushed back)."""
    action: Action = "wait_on_customer" if status == "waiting_on_customer" else "resume"
    previous = apply(case, action)
    if action == "wait_on_customer":
        case.paused_at = now
    else:
        _, profiles = await router_view(session)
        resume_clocks(case, case_calendar(case, profiles), now)
    case.updated_at = now
    record_event(
        session,
        case,
        "status_changed",
        agent,
        now,
        visible=True,
        status=status,
        previous_status=previous,
        note=note,
    )


async def resolve(
    session: AsyncSession, case: Case, now: datetime, *, agent: str, summary: str | None
) -> None:
    """Resolve with a summary for the customer: they are told now and asked again for feedback
    a working day later."""
    if problem := check_text(summary or ""):
        raise invalid("summary", f"the resolution summary the customer reads: {problem}")
    summary = (summary or "").strip()
    previous = apply(case, "resolve")
    case.resolved_at = now
    case.updated_at = now
    _, profiles = await router_view(session)
    follow_up = feedback_due(now, case_calendar(case, profiles))
    record_event(
        session,
        case,
        "resolved",
        agent,
        now,
        visible=True,
        previous_status=previous,
        summary=summary,
        feedback_due=follow_up.isoformat(),
    )
    for kind, when in (("resolution", now), ("feedback", follow_up)):
        add_side_effect(
            session, "email_customer", now, available_at=when, case_id=case.id, kind=kind
        )


async def add_note(
    session: AsyncSession,
    case: Case,
    now: datetime,
    *,
    agent: str,
    text: str,
    attach: FileStep | None = None,
) -> None:
    """An internal note (and the files that `attach` puts with it): in the case's history for
    the teams, never shown to the customer."""
    case.updated_at = now
    record_event(session, case, "note", agent, now, text=text)
    if attach is not None:
        await attach(session, case, now)


async def revoke_customer_links(
    session: AsyncSession, case: Case, now: datetime, *, agent: str
) -> None:
    """The status links e-mailed so far and the access token stop working (a link forwarded
    to the wrong person); the next e-mail to the customer carries a fresh link."""
    revoke_links(case)
    case.updated_at = now
    record_event(session, case, "links_revoked", agent, now)


async def reopen(session: AsyncSession, case: Case, now: datetime, *, agent: str) -> None:
    """A resolved case goes back to work (in progress, with the agent who reopened it)."""
    previous = apply(case, "reopen")
    case.claimed_by, case.resolved_at, case.updated_at = agent, None, now
    record_event(session, case, "reopened", agent, now, previous_status=previous)


async def transfer(
    session: AsyncSession, case: Case, now: datetime, *, agent: str, team: str
) -> None:
    """Hand an open case to another team, unclaimed, as a shift-end handoff does (a case waiting
    on the customer keeps waiting); that team is notified."""
    if await session.get(Team, team) is None:
        raise invalid("team", f"no team {team!r}")
    if team == case.team_key:
        raise Conflict(f"{case.reference} is with {team} already", kind="unchanged")
    apply(case, "hand_over")
    previous_team = case.team_key
    case.team_key, case.claimed_by, case.updated_at = team, None, now
    record_event(session, case, "transferred", agent, now, from_team=previous_team, team=team)
    add_side_effect(session, "notify_team", now, case_id=case.id, team=team, event="transfer")


async def act(
    session: AsyncSession, caller: Caller, reference: str, action: CaseAction, now: datetime
) -> CaseChanged:
    """Lock the case, check the caller's team owns it, apply `action`, commit."""
    async with session.begin():
        case = await case_for_team(session, caller, reference, for_update=True)
        await action(session, case, now)
    return CaseChanged(
        reference=case.reference,
        status=case.status,
        team=case.team_key,
        claimed_by=case.claimed_by,
        version=case.version,
    )


@dataclass(frozen=True)
class CaseWork:
    """Someone's change to one case: applied under lock if their team owns it, then the outbox
    woken for its side effects."""

    session: AsyncSession
    caller: Caller
    now: datetime
    nudge_outbox: Callable[[], None]

    def actor(self, agent: str | None = None) -> str:
        """Whom the change is recorded under: a signed-in account or a personal token's, else
        the agent that a team key names."""
        if self.caller.actor:
            return self.caller.actor
        if agent and agent.strip():
            return agent.strip()
        raise invalid("agent", "name the agent who acts, or use a personal token")

    async def apply(self, reference: str, action: CaseAction) -> CaseChanged:
        changed = await act(self.session, self.caller, reference, action, self.now)
        self.nudge_outbox()
        return changed
