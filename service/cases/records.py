"""A case's records: its audit events, and its facts as the routing kernel sees them."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy.ext.asyncio import AsyncSession

from routing.classify import Classification
from routing.language import Detection
from routing.model import CaseFacts, Category, Severity, Tier
from routing.region import RegionGuess, zone_country
from service.db.models import Case, CaseEvent
from service.i18n.negotiation import LocaleChoice


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
    session.add(CaseEvent(**event_row(case.id, kind, actor, now, visible=visible, **data)))


def event_row(
    case_id: int, kind: str, actor: str, now: datetime, *, visible: bool = False, **data: Any
) -> dict[str, Any]:
    """An audit event's columns, for a bulk insert of many (intake and handoff write them so)."""
    return {
        "case_id": case_id,
        "at": now,
        "kind": kind,
        "actor": actor,
        "customer_visible": visible,
        "data": data,
    }


def facts_of(case: Case) -> CaseFacts:
    """The routing facts of a stored case (its columns hold only values the model allows)."""
    return CaseFacts(
        language=case.language,
        region=case.region,
        opened_at=case.created_at,
        tier=cast(Tier, case.tier),
        severity=cast(Severity, case.severity),
        category=cast(Category, case.category),
        current_team=case.team_key,
        country=case.country,
        zone_country=zone_country(case.customer_timezone),
    )


def finding_columns(
    detection: Detection, where: RegionGuess, locale: LocaleChoice, kind: Classification
) -> dict[str, Any]:
    """The case columns that record what intake found: the language (and how it was decided),
    the country and region (and the signal), the reply catalog, the category and the severity
    (each with the rule that chose it)."""
    return {
        "country": where.country,
        "region": where.region,
        "region_signal": where.signal,
        "reply_locale": locale.locale,
        "locale_fallback_from": locale.fallback_from,
        "language": detection.language,
        "language_confidence": detection.confidence,
        "script": detection.script,
        "language_decided_by": detection.decided_by,
        "language_runner_up": detection.runner_up,
        "category": kind.category,
        "category_rule": kind.category_rule,
        "severity": kind.severity,
        "severity_rule": kind.severity_rule,
    }
