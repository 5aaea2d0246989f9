"""Case endpoints: intake, status and survey for customers; queue and work actions for teams."""

from __future__ import annotations

from functools import partial
from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from service.cases import casework, language_override, queues
from service.cases.access import case_for_customer, case_for_team
from service.cases.customer_messages import add_customer_message
from service.cases.intake import file_case, intake_response
from service.cases.privacy import erase_case, export_case
from service.cases.schemas import (
    AGENT_CHANNELS,
    AssignRequest,
    CaseChanged,
    CaseDetail,
    CaseStatus,
    ClaimRequest,
    CustomerMessage,
    Erased,
    IntakeRequest,
    IntakeResponse,
    LanguageRequest,
    NoteRequest,
    Queue,
    ReplyRequest,
    ResolveRequest,
    StatusRequest,
    TransferRequest,
)
from service.cases.survey import SurveyAnswer, SurveyRecorded, answer_survey
from service.cases.tier_claims import trusted_tier
from service.common.errors import Unauthenticated, invalid
from service.common.validation import check_text
from service.http.dependencies import (
    API_KEY_CHALLENGE,
    AppSettings,
    CurrentCaller,
    DbSession,
    Now,
    NudgeOutbox,
    SessionFactory,
    authenticate,
    customer_token,
    is_staff,
)
from service.http.guards import authenticated, require_json, team_in_path
from service.http.params import AcceptLanguage, TokenQuery


async def _filed_by(request: Request[Any, Any, Any], data: IntakeRequest) -> str | None:
    """Who took the complaint for the customer: the agent or integration whose credentials
    came with it (phone, chat and social channels need them); None when the customer filed."""
    if not is_staff(request):
        if data.channel in AGENT_CHANNELS:
            raise Unauthenticated(
                f"{data.channel} complaints are filed by an agent or an integration: send a "
                "personal token or a team key",
                challenge=API_KEY_CHALLENGE,
            )
        return None
    return (await authenticate(request)).recorded_as


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
        request: Request[Any, Any, Any],
        data: JSONBody[IntakeRequest],
        sessions: SessionFactory,
        settings: AppSettings,
        now: Now,
        nudge_outbox: NudgeOutbox,
        accept_language: AcceptLanguage = None,
    ) -> IntakeResponse:
        tier = trusted_tier(data.tier_claim, data.contact.email, settings.tier_claim_secret, now)
        filed = await file_case(
            sessions,
            data,
            accept_language=accept_language,
            now=now,
            tier=tier,
            acknowledgements_per_hour=settings.acknowledgement_cap,
            filed_by=await _filed_by(request, data),
        )
        nudge_outbox()
        return intake_response(filed, settings.public_base_url)

    @get("/{reference:str}", operation_id="caseStatus", summary="A customer's view of their case")
    async def status(
        self,
        request: Request[Any, Any, Any],
        reference: FromPath[str],
        db_session: DbSession,
        settings: AppSettings,
        now: Now,
        token: TokenQuery = None,
    ) -> CaseStatus:
        case = await case_for_customer(
            db_session,
            reference,
            customer_token(request, token),
            secret_key=settings.secret_key,
            now=now,
        )
        return await casework.customer_view(db_session, case, now, settings.reopen_window)

    @post(
        "/{reference:str}/messages",
        status_code=HTTP_201_CREATED,
        guards=[require_json],
        operation_id="addCustomerMessage",
        summary="The customer writes on their case (with its token)",
    )
    async def add_message(
        self,
        request: Request[Any, Any, Any],
        reference: FromPath[str],
        data: JSONBody[CustomerMessage],
        db_session: DbSession,
        settings: AppSettings,
        now: Now,
        nudge_outbox: NudgeOutbox,
        token: TokenQuery = None,
    ) -> CaseStatus:
        """A waiting case goes back to work; a case resolved within the reopen window reopens."""
        async with db_session.begin():
            case = await case_for_customer(
                db_session,
                reference,
                customer_token(request, token),
                secret_key=settings.secret_key,
                now=now,
                for_update=True,
            )
            await add_customer_message(
                db_session, case, now, text=data.text, reopen_window=settings.reopen_window
            )
        nudge_outbox()
        return await casework.customer_view(db_session, case, now, settings.reopen_window)

    @get(
        "/{reference:str}/export",
        operation_id="exportCustomerData",
        summary="Everything the case holds about the customer, as JSON (with the case's token)",
    )
    async def export(
        self,
        request: Request[Any, Any, Any],
        reference: FromPath[str],
        db_session: DbSession,
        settings: AppSettings,
        now: Now,
        token: TokenQuery = None,
    ) -> dict[str, Any]:
        case = await case_for_customer(
            db_session,
            reference,
            customer_token(request, token),
            secret_key=settings.secret_key,
            now=now,
        )
        return await export_case(db_session, case)

    @post(
        "/{reference:str}/erase",
        status_code=HTTP_200_OK,
        operation_id="eraseCustomerData",
        summary="Erase the customer's personal data from the case (with the case's token)",
    )
    async def erase(
        self,
        request: Request[Any, Any, Any],
        reference: FromPath[str],
        db_session: DbSession,
        settings: AppSettings,
        now: Now,
        token: TokenQuery = None,
    ) -> Erased:
        """The case's statistics stay; its contact, texts and links are gone for good."""
        async with db_session.begin():
            case = await case_for_customer(
                db_session,
                reference,
                customer_token(request, token),
                secret_key=settings.secret_key,
                now=now,
                for_update=True,
            )
            await erase_case(db_session, case, now, actor="customer")
        return Erased(reference=case.reference, erased=True)

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
        "/{reference:str}/release",
        status_code=HTTP_200_OK,
        guards=[require_json, authenticated],
        operation_id="releaseCase",
        summary="Unclaim: the case stays with its team, unclaimed",
    )
    async def release(
        self, reference: FromPath[str], data: JSONBody[ClaimRequest], work: Work
    ) -> CaseChanged:
        action = partial(
            casework.release, agent=work.actor(data.agent), supervisor=work.caller.supervisor
        )
        return await work.apply(reference, action)

    @post(
        "/{reference:str}/assign",
        status_code=HTTP_200_OK,
        guards=[require_json, authenticated],
        operation_id="assignCase",
        summary="Hand the case to a colleague of its team",
    )
    async def assign(
        self, reference: FromPath[str], data: JSONBody[AssignRequest], work: Work
    ) -> CaseChanged:
        action = partial(
            casework.assign,
            agent=work.actor(data.agent),
            to=data.to.strip().lower(),
            supervisor=work.caller.supervisor,
        )
        return await work.apply(reference, action)

    @post(
        "/{reference:str}/notes",
        status_code=HTTP_201_CREATED,
        guards=[require_json, authenticated],
        operation_id="addCaseNote",
        summary="An internal note, never shown to the customer",
    )
    async def add_note(
        self, reference: FromPath[str], data: JSONBody[NoteRequest], work: Work
    ) -> CaseChanged:
        if problem := check_text(data.text):
            raise invalid("text", problem)
        action = partial(casework.add_note, agent=work.actor(data.agent), text=data.text.strip())
        return await work.apply(reference, action)

    @post(
        "/{reference:str}/transfer",
        status_code=HTTP_200_OK,
        guards=[require_json, authenticated],
        operation_id="transferCase",
        summary="Hand the case to another team, unclaimed",
    )
    async def transfer(
        self, reference: FromPath[str], data: JSONBody[TransferRequest], work: Work
    ) -> CaseChanged:
        action = partial(casework.transfer, agent=work.actor(data.agent), team=data.team)
        return await work.apply(reference, action)

    @post(
        "/{reference:str}/revoke-links",
        status_code=HTTP_200_OK,
        guards=[require_json, authenticated],
        operation_id="revokeCustomerLinks",
        summary="Make the customer's status links and access token stop working",
    )
    async def revoke_links(
        self, reference: FromPath[str], data: JSONBody[ClaimRequest], work: Work
    ) -> CaseChanged:
        action = partial(casework.revoke_customer_links, agent=work.actor(data.agent))
        return await work.apply(reference, action)

    @post(
        "/{reference:str}/reopen",
        status_code=HTTP_200_OK,
        guards=[require_json, authenticated],
        operation_id="reopenCase",
    )
    async def reopen(
        self, reference: FromPath[str], data: JSONBody[ClaimRequest], work: Work
    ) -> CaseChanged:
        return await work.apply(reference, partial(casework.reopen, agent=work.actor(data.agent)))

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
    async def queue(self, team: FromPath[str], db_session: DbSession, now: Now) -> Queue:
        return await queues.queue(db_session, team, now)
