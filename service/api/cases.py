"""Case endpoints: intake and status for customers, work actions for teams."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from functools import partial
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, HeaderParameter, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from sqlalchemy.ext.asyncio import AsyncSession

from service import casework, language_override
from service.api.deps import (
    caller_of,
    customer_token,
    ensure_owner,
    now_of,
    require_json,
    sessions_of,
)
from service.db.models import Case
from service.intake import file_case, intake_response
from service.problems import invalid
from service.references import may_view
from service.schemas import (
    CaseChanged,
    CaseDetail,
    CaseStatus,
    ClaimRequest,
    IntakeRequest,
    IntakeResponse,
    LanguageRequest,
    ReplyRequest,
    ResolveRequest,
    StatusRequest,
)
from service.validation import check_text

CaseAction = Callable[[AsyncSession, Case, datetime], Awaitable[None]]


class CaseController(Controller):
    path = "/api/v1/cases"
    tags = ["cases"]

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
        accept_language: Annotated[str | None, HeaderParameter(name="Accept-Language")] = None,
    ) -> IntakeResponse:
        filed = await file_case(
            sessions_of(request), data, accept_language=accept_language, now=now_of(request)
        )
        request.app.state.outbox_nudge.set()
        return intake_response(filed, request.app.state.settings.public_base_url)

    @get("/{reference:str}", operation_id="caseStatus", summary="A customer's view of their case")
    async def status(
        self,
        request: Request[Any, Any, Any],
        reference: FromPath[str],
        token: Annotated[str | None, QueryParameter(name="token")] = None,
    ) -> CaseStatus:
        async with sessions_of(request)() as session:
            case = await casework.find_case(session, reference)
            if case is None or not may_view(
                customer_token(request, token),
                reference=case.reference,
                token_hash=case.access_token_hash,
                secret_key=request.app.state.settings.secret_key,
            ):
                raise casework.not_found(reference)
            return await casework.customer_view(session, case)

    @get("/{reference:str}/detail", operation_id="caseDetail", summary="Everything, for agents")
    async def detail(self, request: Request[Any, Any, Any], reference: FromPath[str]) -> CaseDetail:
        async with sessions_of(request)() as session:
            caller = await caller_of(request, session)
            case = await casework.find_case(session, reference)
            if case is None:
                raise casework.not_found(reference)
            ensure_owner(caller, case)
            return await casework.agent_view(session, case)

    async def _act(
        self, request: Request[Any, Any, Any], reference: FromPath[str], action: CaseAction
    ) -> CaseChanged:
        """Lock the case, check the caller owns it, apply `action`, commit."""
        async with sessions_of(request)() as session, session.begin():
            caller = await caller_of(request, session)
            case = await casework.find_case(session, reference, for_update=True)
            if case is None:
                raise casework.not_found(reference)
            ensure_owner(caller, case)
            await action(session, case, now_of(request))
        request.app.state.outbox_nudge.set()
        return CaseChanged(
            reference=case.reference,
            status=case.status,
            team=case.team_key,
            claimed_by=case.claimed_by,
            version=case.version,
        )

    @post(
        "/{reference:str}/claim",
        status_code=HTTP_200_OK,
        guards=[require_json],
        operation_id="claimCase",
    )
    async def claim(
        self,
        request: Request[Any, Any, Any],
        reference: FromPath[str],
        data: JSONBody[ClaimRequest],
    ) -> CaseChanged:
        return await self._act(request, reference, partial(casework.claim, agent=data.agent))

    @post(
        "/{reference:str}/replies",
        status_code=HTTP_201_CREATED,
        guards=[require_json],
        operation_id="replyToCase",
    )
    async def reply(
        self,
        request: Request[Any, Any, Any],
        reference: FromPath[str],
        data: JSONBody[ReplyRequest],
    ) -> CaseChanged:
        if problem := check_text(data.body):
            raise invalid("body", problem)
        action = partial(casework.reply, agent=data.agent, body=data.body.strip())
        return await self._act(request, reference, action)

    @post(
        "/{reference:str}/status",
        status_code=HTTP_200_OK,
        guards=[require_json],
        operation_id="setCaseStatus",
    )
    async def set_status(
        self,
        request: Request[Any, Any, Any],
        reference: FromPath[str],
        data: JSONBody[StatusRequest],
    ) -> CaseChanged:
        action = partial(casework.set_status, status=data.status, agent=data.agent, note=data.note)
        return await self._act(request, reference, action)

    @post(
        "/{reference:str}/language",
        status_code=HTTP_200_OK,
        guards=[require_json],
        operation_id="overrideCaseLanguage",
        summary="Correct the language of a case; an open case is routed again",
    )
    async def override_language(
        self,
        request: Request[Any, Any, Any],
        reference: FromPath[str],
        data: JSONBody[LanguageRequest],
    ) -> CaseChanged:
        action = partial(
            language_override.override_language, language=data.language, agent=data.agent
        )
        return await self._act(request, reference, action)

    @post(
        "/{reference:str}/resolve",
        status_code=HTTP_200_OK,
        guards=[require_json],
        operation_id="resolveCase",
    )
    async def resolve(
        self,
        request: Request[Any, Any, Any],
        reference: FromPath[str],
        data: JSONBody[ResolveRequest],
    ) -> CaseChanged:
        action = partial(casework.resolve, agent=data.agent, summary=data.summary)
        return await self._act(request, reference, action)
