"""What customers and teams do with a case after intake: look, claim, reply, wait, resolve."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from routing.lifecycle import OPEN_STATUSES, Action, IllegalTransition, transition
from routing.sla import feedback_due
from service import messages
from service.db.models import Case, CaseEvent, Reply, Team
from service.outbox import add_side_effect
from service.problems import Problem
from service.schemas import (
    CaseDetail,
    CaseStatus,
    Contact,
    EventOut,
    Queue,
    QueueItem,
    ReplyOut,
    TimelineEntry,
)
from service.sla_clock import case_calendar, resume_clocks
from service.teams import router_view

SEVERITY_RANK = {"serious": 0, "moderate": 1, "general": 2}
TIER_RANK = {"diamond": 0, "gold": 1, "silver": 2, "standard": 3}


def not_found(reference: str) -> Problem:
    return Problem(404, "not-found", f"no case {reference} for these credentials")


async def find_case(
    session: AsyncSession, reference: str, *, for_update: bool = False
) -> Case | None:
    query = select(Case).where(Case.reference == reference.upper())
    if for_update:
        query = query.with_for_update()
    return (await session.scalars(query)).first()


async def _events(session: AsyncSession, case: Case) -> list[CaseEvent]:
    query = select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)
    return list((await session.scalars(query)).all())


async def _replies(session: AsyncSession, case: Case) -> list[Reply]:
    query = select(Reply).where(Reply.case_id == case.id).order_by(Reply.id)
    return list((await session.scalars(query)).all())


async def team_names(session: AsyncSession) -> dict[str, str]:
    rows = await session.execute(select(Team.key, Team.name))
    return dict(rows.all())


async def customer_view(session: AsyncSession, case: Case) -> CaseStatus:
    """Status and customer-visible timeline, in the customer's language."""
    names = await team_names(session)
    locale = case.reply_locale
    replies = {r.id: r for r in await _replies(session, case)}
    timeline: list[TimelineEntry] = []
    for event in await _events(session, case):
        if not event.customer_visible:
            continue
        params = _timeline_params(event.data, names)
        body = None
        if event.kind in ("reply", "customer_reply"):  # a team's answer, the customer's e-mail
            reply = replies.get(int(event.data.get("reply_id", 0)))
            body = reply.body if reply else None
        text = messages.timeline_event(locale, event.kind, **params)
        timeline.append(TimelineEntry(at=event.at, kind=event.kind, text=text, body=body))
    return CaseStatus(
        reference=case.reference,
        status=case.status,
        status_label=messages.status_label(locale, case.status),
        language=case.language,
        team_name=names.get(case.team_key or ""),
        first_response_due=case.first_response_due,
        resolution_due=case.resolution_due,
        timeline=timeline,
    )


def _timeline_params(data: dict[str, Any], names: dict[str, str]) -> dict[str, str]:
    params: dict[str, str] = {}
    if team := data.get("team"):
        params["team"] = names.get(team, team)
    if status := data.get("status"):
        params["status"] = status
    return params


async def agent_view(session: AsyncSession, case: Case) -> CaseDetail:
    events = await _events(session, case)
    replies = await _replies(session, case)
    return CaseDetail(
        reference=case.reference,
        status=case.status,
        text=case.text,
        contact=Contact(email=case.contact_email, name=case.contact_name, phone=case.contact_phone),
        language=case.language,
        language_confidence=case.language_confidence,
        language_decided_by=case.language_decided_by,
        script=case.script,
        reply_locale=case.reply_locale,
        locale_fallback_from=case.locale_fallback_from,
        country=case.country,
        region=case.region,
        region_signal=case.region_signal,
        customer_timezone=case.customer_timezone,
        category=case.category,
        category_rule=case.category_rule,
        severity=case.severity,
        severity_rule=case.severity_rule,
        tier=case.tier,
        channel=case.channel,
        team=case.team_key,
        claimed_by=case.claimed_by,
        routing_reason=case.routing_reason,
        needs_translation=case.needs_translation,
        coverage_gap=case.coverage_gap,
        created_at=case.created_at,
        first_response_due=case.first_response_due,
        classification_due=case.classification_due,
        resolution_due=case.resolution_due,
        first_responded_at=case.first_responded_at,
        resolved_at=case.resolved_at,
        version=case.version,
        events=[
            EventOut(
                at=e.at,
                kind=e.kind,
                actor=e.actor,
                customer_visible=e.customer_visible,
                data=e.data,
            )
            for e in events
        ],
        replies=[ReplyOut(at=r.at, author=r.author, team=r.team_key, body=r.body) for r in replies],
    )


async def queue(session: AsyncSession, team: str) -> Queue:
    """Open cases of a team, most urgent first (severity, tier, then SLA due time)."""
    query = select(Case).where(Case.team_key == team, Case.status.in_(OPEN_STATUSES))
    cases = list((await session.scalars(query)).all())
    cases.sort(
        key=lambda c: (
            SEVERITY_RANK.get(c.severity, 9),
            c.first_response_due,
            TIER_RANK.get(c.tier, 9),
            c.id,
        )
    )
    return Queue(
        team=team,
        count=len(cases),
        cases=[
            QueueItem(
                reference=c.reference,
                status=c.status,
                severity=c.severity,
                tier=c.tier,
                category=c.category,
                language=c.language,
                needs_translation=c.needs_translation,
                claimed_by=c.claimed_by,
                first_response_due=c.first_response_due,
                resolution_due=c.resolution_due,
                created_at=c.created_at,
            )
            for c in cases
        ],
    )


def apply(case: Case, action: Action) -> str:
    """Move the case through the status machine; an illegal move is a 409 problem."""
    try:
        new_status = transition(case.status, action)
    except IllegalTransition as exc:
        raise Problem(409, "illegal-transition", str(exc), title="Illegal transition") from exc
    previous = case.status
    case.status = new_status
    return previous


def record_event(
    session: AsyncSession,
    case: Case,
    kind: str,
    actor: str,
    now: datetime,
    *,
    visible: bool = False,
    **data: Any,
) -> None:
    session.add(
        CaseEvent(
            case_id=case.id, at=now, kind=kind, actor=actor, customer_visible=visible, data=data
        )
    )


async def claim(session: AsyncSession, case: Case, now: datetime, *, agent: str) -> None:
    if case.claimed_by and case.claimed_by != agent and case.status == "in_progress":
        raise Problem(
            409,
            "already-claimed",
            f"{case.reference} is claimed by {case.claimed_by}",
            title="Already claimed",
        )
    previous = apply(case, "claim")
    case.claimed_by = agent
    case.updated_at = now
    record_event(session, case, "claimed", agent, now, previous_status=previous)


async def reply(session: AsyncSession, case: Case, now: datetime, *, agent: str, body: str) -> None:
    """An agent's reply: shown to the customer on the status endpoint and e-mailed to them."""
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
    """Resolve: the customer is told now and asked again for feedback a working day later."""
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
