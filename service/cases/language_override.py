"""An agent or ops corrects a case's language: the reply locale and the route follow."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from routing.language.tags import canonical_tag
from routing.lifecycle import is_open, transition
from routing.router import route
from service.cases.records import facts_of, record_event
from service.common.errors import Conflict, invalid
from service.db.models import Case
from service.i18n.negotiation import negotiate
from service.outbox.store import add_side_effect
from service.teams.directory import router_view


async def override_language(
    session: AsyncSession, case: Case, now: datetime, *, language: str, agent: str
) -> None:
    """Set the language by hand (an audit event); an open case is routed again for it."""
    tag = canonical_tag(language)
    if tag is None:
        raise invalid("language", f"not a known language tag: {language!r}")
    if tag == case.language:
        raise Conflict(f"{case.reference} is already in {tag}", kind="unchanged", title="Unchanged")
    previous, previous_team = case.language, case.team_key
    case.language, case.language_decided_by, case.language_confidence = tag, "override", 1.0
    choice = negotiate(language=tag, declared=None, country=case.country)
    case.reply_locale, case.locale_fallback_from = choice.locale, choice.fallback_from
    record_event(
        session,
        case,
        "language_overridden",
        agent,
        now,
        previous=previous,
        language=tag,
        reply_locale=choice.locale,
    )
    if is_open(case.status) and case.status != "waiting_on_customer":
        _, profiles = await router_view(session)
        decision = route(facts_of(case), profiles, now, first_response_due=case.first_response_due)
        if decision.team and decision.team != previous_team and not decision.coverage_gap:
            case.team_key, case.claimed_by = decision.team, None
            case.status = transition(case.status, "hand_over")
            case.needs_translation, case.waiting_until = (
                decision.needs_translation,
                decision.wait_until,
            )
            case.routing_reason, case.handoffs = decision.reason, case.handoffs + 1
            record_event(
                session,
                case,
                "handed_off",
                agent,
                now,
                visible=True,
                team=decision.team,
                **{"from": previous_team},
                note=f"Language corrected from {previous} to {tag}. {decision.reason}",
            )
            add_side_effect(
                session,
                "notify_team",
                now,
                case_id=case.id,
                team=decision.team,
                event="language_reroute",
            )
    case.updated_at = now
