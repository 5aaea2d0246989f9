"""The satisfaction survey of a resolved case, answered with the customer's access token."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, post
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK

from service.api.deps import customer_token, now_of, require_json, sessions_of
from service.survey import SurveyAnswer, SurveyRecorded, answer_survey


@post(
    "/api/v1/cases/{reference:str}/survey",
    status_code=HTTP_200_OK,
    guards=[require_json],
    operation_id="answerSurvey",
    summary="Answer the satisfaction survey of a resolved case",
    tags=["cases"],
)
async def answer_case_survey(
    request: Request[Any, Any, Any],
    reference: FromPath[str],
    data: JSONBody[SurveyAnswer],
    token: Annotated[str | None, QueryParameter(name="token")] = None,
) -> SurveyRecorded:
    return await answer_survey(
        sessions_of(request),
        reference,
        customer_token(request, token),
        data,
        secret_key=request.app.state.settings.secret_key,
        now=now_of(request),
    )
