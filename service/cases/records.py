"""A case's records: its audit events, and its facts as the routing kernel sees them."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy.ext.asyncio import AsyncSession

from routing.model import CaseFacts, Category, Severity, Tier
from service.db.models import Case, CaseEvent


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
    )
