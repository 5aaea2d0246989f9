"""Intake: a complaint goes in, is detected, classified, routed, stored and acknowledged."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast
from weakref import WeakKeyDictionary

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from routing.assignment import Offer
from routing.calendar import Calendar
from routing.classify import classify
from routing.coverage import coverage_for
from routing.language import detect
from routing.model import CaseFacts, RoutingDecision, Tier
from routing.region import infer, zone_country
from routing.router import route
from routing.sla import compute
from service.attachments.files import CaseStep
from service.cases.access import new_access_token, new_reference
from service.cases.offers import offer_new_cases
from service.cases.records import event_row, finding_columns
from service.cases.schemas import IntakeRequest, IntakeResponse, view_of
from service.cases.sla_watch import warn_time
from service.common.secrets import hash_secret
from service.common.validation import (
    FieldErrors,
    check_country,
    check_email,
    check_locale,
    check_text,
    check_zone,
)
from service.db.bulk import append_rows, insert_returning_ids, scalar_defaults
from service.db.group_commit import GroupCommit
from service.db.models import Case, CaseEvent, OutboxMessage
from service.i18n import messages
from service.i18n.negotiation import accept_language_tags, negotiate
from service.outbox.store import side_effect_row
from service.teams.live_view import LiveRouterView

ALWAYS_OPEN = Calendar(
    "UTC", {day: [("00:00", "00:00")] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
)


def validate(request: IntakeRequest) -> None:
    errors = FieldErrors()
    errors.add("text", check_text(request.text))
    errors.add("contact.email", check_email(request.contact.email))
    if request.contact.name is not None and len(request.contact.name) > 200:
        errors.add("contact.name", "must be at most 200 characters")
    if request.contact.phone is not None and len(request.contact.phone) > 40:
        errors.add("contact.phone", "must be at most 40 characters")
    if request.timezone is not None:
        errors.add("timezone", check_zone(request.timezone))
    if request.locale is not None:
        errors.add("locale", check_locale(request.locale))
    if request.country is not None:
        errors.add("country", check_country(request.country))
    errors.raise_if_any()


def _sent_columns(request: IntakeRequest, accept_language: str | None) -> dict[str, Any]:
    """The case columns that keep what the customer sent besides the text: contact and hints."""
    return {
        "contact_email": request.contact.email,
        "contact_name": request.contact.name,
        "contact_phone": request.contact.phone,
        "locale_hint": request.locale,
        "country_hint": request.country.upper() if request.country else None,
        "timezone_hint": request.timezone,
        "accept_language": accept_language[:500] if accept_language else None,
    }


@dataclass(frozen=True)
class Filed:
    case: Case
    team_name: str | None
    access_token: str
    acknowledgement: str


@dataclass(frozen=True)
class _Draft:
    """A complaint analysed and routed, ready to be stored (the reference is drawn then)."""

    columns: dict[str, Any]
    detection_tags: list[str]
    decision: RoutingDecision
    escalate: bool
    acknowledgements_per_hour: int | None
    with_case: CaseStep | None
    filed_by: str | None


@dataclass
class _Desk:
    """What intake keeps per database: the router's view and the group writer."""

    view: LiveRouterView
    writer: GroupCommit[_Draft, Case]


_Desks = WeakKeyDictionary[async_sessionmaker[AsyncSession], _Desk]
_desks: WeakKeyDictionary[asyncio.AbstractEventLoop, _Desks] = WeakKeyDictionary()


def _desk(sessions: async_sessionmaker[AsyncSession]) -> _Desk:
    """The desk of this database on the running event loop (its locks serve that loop only)."""
    desks = _desks.setdefault(asyncio.get_running_loop(), WeakKeyDictionary())
    if (desk := desks.get(sessions)) is None:
        # Through a weak proxy: the desk must not keep its own key (and the engine) alive.
        weak = cast(async_sessionmaker[AsyncSession], weakref.proxy(sessions))
        desk = desks[sessions] = _Desk(LiveRouterView(weak), GroupCommit(weak, _store))
    return desk


async def file_case(
    sessions: async_sessionmaker[AsyncSession],
    request: IntakeRequest,
    *,
    accept_language: str | None,
    now: datetime,
    tier: Tier = "standard",
    acknowledgements_per_hour: int | None = None,
    with_case: CaseStep | None = None,
    filed_by: str | None = None,
    attempts: int = 5,
) -> Filed:
    """Validate, analyse, route and store a complaint in one transaction (with its outbox).

    Nothing is read from the database here: teams and their loads come from the router's view
    in memory, and the case is stored together with whatever other complaints arrive meanwhile
    (group commit); this returns once it is committed.

    `tier` is the tier from a trusted source (a signed claim); the request's own `tier` is only
    kept as the claimed tier, for agents to see. Past `acknowledgements_per_hour` complaints
    from one address in an hour, the case is still filed but not acknowledged by e-mail (no
    mail bomb through our form). `with_case` runs in the same transaction once the case has
    its id (the files that came with the complaint are attached so). `filed_by` names the agent
    or integration that took a phone or chat complaint for the customer."""
    validate(request)
    text = request.text.strip()
    al_tags = accept_language_tags(accept_language)
    hints = ([request.locale] if request.locale else []) + al_tags
    detection = detect(text, hints)
    where = infer(
        country=request.country,
        timezone=request.timezone,
        phone=request.contact.phone,
        accept_languages=al_tags,
        language=detection.language,
    )
    locale = negotiate(
        language=detection.language,
        accept_language=accept_language,
        declared=request.locale,
        country=where.country,
    )
    kind = classify(text, detection.language, chosen=request.category, tier=tier)
    customer_zone = request.timezone or where.timezone or "UTC"
    desk = _desk(sessions)
    team_names, profiles = await desk.view.current()
    facts = CaseFacts(
        language=detection.language,
        region=where.region,
        opened_at=now,
        tier=tier,
        severity=kind.severity,
        category=kind.category,
        country=where.country,
        zone_country=zone_country(customer_zone),
    )
    calendar = coverage_for(facts, profiles) if profiles else ALWAYS_OPEN
    clock = compute(facts, calendar)
    decision = route(facts, profiles, now, first_response_due=clock.first_response_due)
    team = decision.team if decision.team in team_names else None
    token = new_access_token()
    draft = _Draft(
        columns={
            "access_token_hash": hash_secret(token),
            **_sent_columns(request, accept_language),
            "text": text,
            **finding_columns(detection, where, locale, kind),
            "customer_timezone": customer_zone,
            "tier": tier,
            "claimed_tier": request.tier,
            "channel": request.channel,
            "status": "routed" if team else "received",
            "team_key": team,
            "routing_reason": decision.reason,
            "needs_translation": decision.needs_translation,
            "coverage_gap": decision.coverage_gap,
            "waiting_until": decision.wait_until,
            "created_at": now,
            "updated_at": now,
            "first_response_due": clock.first_response_due,
            "classification_due": clock.classification_due,
            "resolution_due": clock.resolution_due,
            "first_response_warn_at": warn_time(calendar, now, clock.first_response_due),
            "resolution_warn_at": warn_time(calendar, now, clock.resolution_due),
        },
        detection_tags=hints,
        decision=decision,
        escalate=clock.escalate_now,
        acknowledgements_per_hour=acknowledgements_per_hour,
        with_case=with_case,
        filed_by=filed_by,
    )
    for attempt in range(attempts):
        try:
            case = await desk.writer.submit(draft)
        except IntegrityError:
            if attempt == attempts - 1:
                raise
            continue  # a reference collision: draw another
        if team is not None:
            desk.view.opened(team)
        team_name = team_names.for_customer(team, locale.locale)
        acknowledgement = messages.acknowledgement(
            locale.locale,
            reference=case.reference,
            team_name=team_name or "",
            due=case.first_response_due,
            timezone=customer_zone,
            waiting=team is None or decision.wait_until is not None,
        )
        return Filed(
            case=case, team_name=team_name, access_token=token, acknowledgement=acknowledgement
        )
    raise RuntimeError("unreachable")


async def _store(session: AsyncSession, drafts: Sequence[_Draft]) -> list[Case]:
    """Store complaints in the session's transaction: their offers to agents chosen, then the
    cases, their files, events and outbox rows, each kind written for all of them at once.

    The cases go in through Core; what this returns are their rows as written (not in the
    session), but for a case a `with_case` step worked on, which is the session's own."""
    rows = [{"reference": new_reference(), **draft.columns} for draft in drafts]
    defaults = scalar_defaults(Case, rows[0])
    rows = [defaults | row for row in rows]
    cases = [Case(**row) for row in rows]
    # Offered before they are stored, so that they go in claimed; but a case a step works on
    # (which may route it again) is offered after its step.
    offers: list[Offer | None] = [None] * len(drafts)
    plain = [n for n, draft in enumerate(drafts) if draft.with_case is None]
    stepped = [n for n, draft in enumerate(drafts) if draft.with_case is not None]
    await _offer(session, cases, offers, plain)
    for row, case in zip(rows, cases, strict=True):
        row["claimed_by"] = case.claimed_by
    connection = await session.connection()
    ids = await insert_returning_ids(connection, Case, rows, key="reference")
    for case, case_id in zip(cases, ids, strict=True):
        case.id = case_id
    for n in stepped:
        cases[n] = await session.get_one(Case, cases[n].id)
        await cast(CaseStep, drafts[n].with_case)(session, cases[n], cases[n].created_at)
    await _offer(session, cases, offers, stepped)
    capped = [
        case for draft, case in zip(drafts, cases, strict=True) if draft.acknowledgements_per_hour
    ]
    recent = await _complaints_in_the_hour(session, capped)
    records = _Records([], [])
    for draft, case, offer in zip(drafts, cases, offers, strict=True):
        cap = draft.acknowledgements_per_hour
        mail = cap is None or recent[case.id] <= cap
        _record_intake(records, case, draft, offer, acknowledge_by_email=mail)
    await append_rows(connection, CaseEvent, records.events)
    await append_rows(connection, OutboxMessage, records.side_effects)
    await session.flush()  # what the steps changed
    return cases


async def _offer(
    session: AsyncSession, cases: list[Case], offers: list[Offer | None], which: list[int]
) -> None:
    """Offer the cases at positions `which` to agents: their claimed_by and offers set."""
    chosen = await offer_new_cases(session, [cases[n] for n in which])
    for n, offer in zip(which, chosen, strict=True):
        offers[n] = offer
        if offer is not None:
            cases[n].claimed_by = offer.agent


async def _complaints_in_the_hour(session: AsyncSession, cases: Sequence[Case]) -> dict[int, int]:
    """For each case (stored, not yet committed), the complaints from its address in the hour
    before it, itself included and the same group's later ones not."""
    if not cases:
        return {}
    since = min(case.created_at for case in cases) - timedelta(hours=1)
    rows = await session.execute(
        select(Case.id, Case.contact_email, Case.created_at).where(
            Case.contact_email.in_({case.contact_email for case in cases}),
            Case.created_at > since,
        )
    )
    sent: dict[str, list[tuple[int, datetime]]] = {}
    for case_id, email, created in rows:
        sent.setdefault(email, []).append((case_id, created))
    return {
        case.id: sum(
            1
            for other_id, created in sent[case.contact_email]
            if other_id <= case.id and created > case.created_at - timedelta(hours=1)
        )
        for case in cases
    }


@dataclass
class _Records:
    """The audit events and outbox rows of new cases, written with one statement each."""

    events: list[dict[str, Any]]
    side_effects: list[dict[str, Any]]


def _record_intake(
    records: _Records, case: Case, draft: _Draft, offer: Offer | None, *, acknowledge_by_email: bool
) -> None:
    """Audit events and outbox rows of a new case, in the intake transaction."""
    now, decision, filed_by = case.created_at, draft.decision, draft.filed_by

    def event(kind: str, actor: str, data: dict[str, Any], *, visible: bool = False) -> None:
        records.events.append(event_row(case.id, kind, actor, now, visible=visible, **data))

    def outbox(task: str, **payload: Any) -> None:
        records.side_effects.append(side_effect_row(task, now, case_id=case.id, **payload))

    received = {
        "channel": case.channel,
        "acknowledged_by_email": acknowledge_by_email,
        "filed_by": filed_by,
    }
    event("received", filed_by or "customer", received, visible=True)
    event(
        "detected",
        "meridian",
        {
            "language": case.language,
            "confidence": case.language_confidence,
            "script": case.script,
            "decided_by": case.language_decided_by,
            "runner_up": case.language_runner_up,
            "hints": draft.detection_tags,
            "reply_locale": case.reply_locale,
            "locale_fallback_from": case.locale_fallback_from,
            "country": case.country,
            "region": case.region,
            "region_signal": case.region_signal,
        },
    )
    event(
        "classified",
        "meridian",
        {
            "category": case.category,
            "category_rule": case.category_rule,
            "severity": case.severity,
            "severity_rule": case.severity_rule,
        },
    )
    event(
        "routed",
        "meridian",
        {
            "team": case.team_key,
            "reason": decision.reason,
            "alternatives": [{"team": a.team, "why": a.why} for a in decision.alternatives],
            "needs_translation": decision.needs_translation,
            "coverage_gap": decision.coverage_gap,
            "wait_until": decision.wait_until.isoformat() if decision.wait_until else None,
        },
        visible=case.team_key is not None,
    )
    if acknowledge_by_email:
        outbox("email_customer", kind="acknowledgement")
    if case.team_key:
        outbox("notify_team", team=case.team_key, event="new_case")
    if draft.escalate:
        why = f"serious complaint ({case.severity_rule})"
        event("escalated", "meridian", {"why": why})
        outbox("escalate", team=case.team_key, why=why)
    if offer is not None:
        event("offered", "meridian", {"to": offer.agent, "why": offer.reason})


def intake_response(filed: Filed, base_url: str) -> IntakeResponse:
    case = filed.case
    return view_of(
        case,
        IntakeResponse,
        access_token=filed.access_token,
        team=case.team_key,
        team_name=filed.team_name,
        acknowledgement=filed.acknowledgement,
        status_url=f"{base_url}/cases/{case.reference}?token={filed.access_token}",
    )
