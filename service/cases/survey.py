"""The customer satisfaction (CSAT) survey of a resolved case: a score of 1 to 5, a comment."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.cases.access import case_for_customer
from service.cases.records import record_event
from service.common.errors import Conflict
from service.db.models import Case

MIN_SCORE, MAX_SCORE = 1, 5
MAX_COMMENT_CHARS = 2000
SURVEY_STATUSES = frozenset({"resolved", "closed"})


class SurveyAnswer(msgspec.Struct, forbid_unknown_fields=True):
    """The customer's answer; a later answer replaces an earlier one."""

    score: Annotated[int, msgspec.Meta(ge=MIN_SCORE, le=MAX_SCORE)]
    comment: Annotated[str, msgspec.Meta(max_length=MAX_COMMENT_CHARS)] | None = None


class SurveyRecorded(msgspec.Struct):
    reference: str
    score: int
    comment: str | None
    at: datetime


def accepts_survey(case: Case) -> bool:
    return case.status in SURVEY_STATUSES


async def answer_survey(
    sessions: async_sessionmaker[AsyncSession],
    reference: str,
    token: str | None,
    answer: SurveyAnswer,
    *,
    secret_key: str,
    now: datetime,
) -> SurveyRecorded:
    """Store the answer on the case (404 without its access or link token, 409 unless resolved
    or closed)."""
    comment = (answer.comment or "").strip() or None
    async with sessions() as session, session.begin():
        case = await case_for_customer(
            session, reference, token, secret_key=secret_key, now=now, for_update=True
        )
        if not accepts_survey(case):
            raise Conflict(
                f"{case.reference} is {case.status.replace('_', ' ')}; the survey opens once it"
                " is resolved",
                kind="survey-not-open",
                title="Survey not open",
            )
        replaced = case.csat_score is not None
        case.csat_score, case.csat_comment, case.csat_at = answer.score, comment, now
        case.updated_at = now
        record_event(
            session,
            case,
            "survey",
            "customer",
            now,
            score=answer.score,
            comment=comment,
            replaced=replaced,
        )
    return SurveyRecorded(reference=case.reference, score=answer.score, comment=comment, at=now)
