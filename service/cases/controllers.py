"""Case endpoints: intake, status and survey for customers; queue and work actions for teams."""

from __future__ import annotations

from functools import partial
from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from service.cases import casework, language_override
from service.cases.access import case_for_customer, case_for_team
from service.cases.intake import file_case, intake_response
from service.cases.schemas import (
    CaseChanged,
    CaseDetail,
    CaseStatus,
    ClaimRequest,
    IntakeRequest,
    IntakeResponse,
    LanguageRequest,
    Queue,
    ReplyRequest,
    ResolveRequest,
    StatusRequest,
)
from service.cases.survey import SurveyAnswer, SurveyRecorded, answer_survey
from service.common.errors import invalid
from service.common.validation import check_text
from service.http.dependencies import (
    AppSettings,
    CurrentCaller,
    DbSession,
    Now,
    NudgeOutbox,
    SessionFactory,
    customer_token,
)
from service.http.guards import authenticated, require_json, team_in_path
from service.http.params import AcceptLanguage, TokenQuery


def provide_case_work(
    db_session: DbSession, caller: CurrentCaller, now: Now, nudge_outbox: NudgeOutbox
) -> casework.CaseWork:
    return casework.CaseWork(db_session, caller, now, nudge_outbox)


Work = NamedDependency[casework.CaseWork]


class CaseController(Controller):
    path = "/api/v1/cases"
    tags = ["cases"]
    dependencies = {"work": Provide(provide_case_work, sync_to_thread=False)}

    @post(
        "/",
        status_code=HTTP_201_CREATED,
        guards=[require_json],
        operation_id="fileCase",
        summary="File a complaint",
    )
    async def file(
        self,
        data: JSONBody[IntakeRequest],
        sessions: SessionFactory,
        settings: AppSettings,
        now: Now,
        nudge_outbox: NudgeOutbox,
        accept_language: AcceptLanguage = None,
    ) -> IntakeResponse:
        filed = await file_case(sessions, data, accept_language=accept_language, now=now)
        nudge_outbox()
        return intake_response(filed, settings.public_base_url)

    @get("/{reference:str}", operation_id="caseStatus", summary="A customer's view of their case")
    async def status(
        self,
        request: Request[Any, Any, Any],
        reference: FromPath[str],
        db_session: DbSession,
        settings: AppSettings,
        token: TokenQuery = None,
    ) -> CaseStatus:
        case = await case_for_customer(
            db_session, reference, customer_token(request, token), secret_key=settings.secret_key
        )
        return await casework.customer_view(db_session, case)

    @post(
        "/{reference:str}/survey",
        status_code=HTTP_200_OK,
        guards=[require_json],
        operation_id="answerSurvey",
        summary="Answer the satisfaction survey of a resolved case",
    )
    async def answer_survey(
        self,
        request: Request[Any, Any, Any],
        reference: FromPath[str],
        data: JSONBody[SurveyAnswer],
        sessions: SessionFactory,
        settings: AppSettings,
        now: Now,
        token: TokenQuery = None,
    ) -> SurveyRecorded:
        return await answer_survey(
            sessions,
            reference,
            customer_token(request, token),
            data,
            secret_key=settings.secret_key,
            now=now,
        )

    @get(
        "/{reference:str}/detail",
        guards=[authenticated],
        operation_id="caseDetail",
        summary="Everything, for agents",
    )
    async def detail(
        self, reference: FromPath[str], db_session: DbSession, caller: CurrentCaller
    ) -> CaseDetail:
        case = await case_for_team(db_session, caller, reference)
        return await casework.agent_view(db_session, case)

    @post(
        "/{reference:str}/claim",
        status_code=HTTP_200_OK,
        guards=[require_json, authenticated],
        operation_id="claimCase",
    )
    async def claim(
        self, reference: FromPath[str], data: JSONBody[ClaimRequest], work: Work
    ) -> CaseChanged:
        return await work.apply(reference, partial(casework.claim, agent=work.actor(data.agent)))

    @post(
        "/{reference:str}/replies",
        status_code=HTTP_201_CREATED,
        guards=[require_json, authenticated],
        operation_id="replyToCase",
    )
    async def reply(
        self, reference: FromPath[str], data: JSONBody[ReplyRequest], work: Work
    ) -> CaseChanged:
        if problem := check_text(data.body):
            raise invalid("body", problem)
        body = data.body.strip()
        return await work.apply(
            reference, partial(casework.reply, agent=work.actor(data.agent), body=body)
        )

    @post(
        "/{reference:str}/status",
        status_code=HTTP_200_OK,
        guards=[require_json, authenticated],
        operation_id="setCaseStatus",
    )
    async def set_status(
        self, reference: FromPath[str], data: JSONBody[StatusRequest], work: Work
    ) -> CaseChanged:
        action = partial(
            casework.set_status, status=data.status, agent=work.actor(data.agent), note=data.note
        )
        return await work.apply(reference, action)

    @post(
        "/{reference:str}/language",
        status_code=HTTP_200_OK,
        guards=[require_json, authenticated],
        operation_id="overrideCaseLanguage",
        summary="Correct the language of a case; an open case is routed again",
    )
    async def override_language(
        self, reference: FromPath[str], data: JSONBody[LanguageRequest], work: Work
    ) -> CaseChanged:
        override = language_override.override_language
        return await work.apply(
            reference, partial(override, language=data.language, agent=work.actor(data.agent))
        )

    @post(
        "/{reference:str}/resolve",
        status_code=HTTP_200_OK,
        guards=[require_json, authenticated],
        operation_id="resolveCase",
    )
    async def resolve(
        self, reference: FromPath[str], data: JSONBody[ResolveRequest], work: Work
    ) -> CaseChanged:
        action = partial(casework.resolve, agent=work.actor(data.agent), summary=data.summary)
        return await work.apply(reference, action)


class TeamQueueController(Controller):
    path = "/api/v1/teams"
    tags = ["teams"]

    @get(
        "/{team:str}/queue",
        guards=[team_in_path],
        operation_id="teamQueue",
        summary="Open cases, most urgent first",
    )
    async def queue(self, team: FromPath[str], db_session: DbSession) -> Queue:
        return await casework.queue(db_session, team)
