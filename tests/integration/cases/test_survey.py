"""The satisfaction survey of a resolved case, through the API and the status page form."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.cases.access import link_token
from service.db.models import Case, CaseEvent

Client = AsyncTestClient[Litestar]
COMPLAINT = "我的帳號被鎖住了，已經三天無法登入，請儘快幫我處理。"


async def file(client: Client) -> dict[str, Any]:
    body = {"text": COMPLAINT, "contact": {"email": "mei@example.tw"}, "country": "TW"}
    response = await client.post("/api/v1/cases", json=body)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def resolve(client: Client, filed: dict[str, Any], team_keys: dict[str, str]) -> None:
    key = {"X-Api-Key": team_keys[filed["team"]]}
    for action, extra in (("claim", {}), ("resolve", {"summary": "Sorted."})):
        response = await client.post(
            f"/api/v1/cases/{filed['reference']}/{action}",
            json={"agent": "wen", **extra},
            headers=key,
        )
        assert response.status_code == 200, response.text


async def answer(client: Client, filed: dict[str, Any], body: Any, token: str | None = None) -> Any:
    return await client.post(
        f"/api/v1/cases/{filed['reference']}/survey",
        json=body,
        headers={"Authorization": f"Bearer {token or filed['access_token']}"},
    )


async def stored(sessions: async_sessionmaker[AsyncSession], reference: str) -> Case:
    async with sessions() as session:
        case = await session.scalar(select(Case).where(Case.reference == reference))
        assert case is not None
        return case


async def survey_events(sessions: async_sessionmaker[AsyncSession], case: Case) -> list[Any]:
    async with sessions() as session:
        query = select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.kind == "survey")
        query = query.order_by(CaseEvent.id)  # unordered, PostgreSQL may return any order
        return [event.data for event in (await session.scalars(query)).all()]


async def test_the_customer_rates_a_resolved_case_and_may_change_the_answer(
    client: Client, team_keys: dict[str, str], sessions: async_sessionmaker[AsyncSession]
) -> None:
    filed = await file(client)
    await resolve(client, filed, team_keys)

    first = await answer(client, filed, {"score": 4, "comment": " 處理得很快，謝謝！ "})
    assert first.status_code == 200, first.text
    assert first.json()["score"] == 4 and first.json()["comment"] == "處理得很快，謝謝！"
    second = await client.post(
        f"/api/v1/cases/{filed['reference']}/survey",
        params={"token": filed["access_token"]},
        json={"score": 5},
    )
    assert second.status_code == 200, second.text

    case = await stored(sessions, filed["reference"])
    assert (case.csat_score, case.csat_comment, case.csat_at) == (5, None, case.csat_at)
    assert case.csat_at is not None
    assert [data["replaced"] for data in await survey_events(sessions, case)] == [False, True]


async def test_the_survey_is_closed_until_the_case_is_resolved(
    client: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    filed = await file(client)

    response = await answer(client, filed, {"score": 5})

    assert response.status_code == 409
    assert response.json()["type"].endswith("/survey-not-open")
    assert (await stored(sessions, filed["reference"])).csat_score is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"score": 0}, "score"),
        ({"score": 6}, "score"),
        ({"score": "five"}, "score"),
        ({}, "score"),
        ({"score": 3, "comment": "x" * 2001}, "comment"),
    ],
)
async def test_an_invalid_answer_is_422_naming_the_field(
    client: Client, team_keys: dict[str, str], body: dict[str, Any], field: str
) -> None:
    filed = await file(client)
    await resolve(client, filed, team_keys)

    response = await answer(client, filed, body)

    assert response.status_code == 422, response.text
    assert [error["field"] for error in response.json()["errors"]] == [field]


async def test_a_wrong_or_missing_token_is_404(
    client: Client, team_keys: dict[str, str], sessions: async_sessionmaker[AsyncSession]
) -> None:
    filed = await file(client)
    await resolve(client, filed, team_keys)

    wrong = await answer(client, filed, {"score": 1}, token="not-the-token")
    missing = await client.post(f"/api/v1/cases/{filed['reference']}/survey", json={"score": 1})
    unknown = await client.post(
        "/api/v1/cases/MRD-000000/survey", params={"token": "x"}, json={"score": 1}
    )

    assert [r.status_code for r in (wrong, missing, unknown)] == [404, 404, 404]
    assert (await stored(sessions, filed["reference"])).csat_score is None


async def test_the_link_token_of_our_e_mails_opens_the_survey(
    client: Client, team_keys: dict[str, str], sessions: async_sessionmaker[AsyncSession]
) -> None:
    filed = await file(client)
    await resolve(client, filed, team_keys)
    case = await stored(sessions, filed["reference"])
    token = link_token(case, client.app.state.settings.secret_key, datetime.now(UTC))

    response = await answer(client, filed, {"score": 3}, token=token)

    assert response.status_code == 200, response.text


async def test_the_status_page_form_stores_the_answer_and_thanks_the_customer(
    client: Client, team_keys: dict[str, str], sessions: async_sessionmaker[AsyncSession]
) -> None:
    filed = await file(client)
    status_page = f"/cases/{filed['reference']}?token={filed['access_token']}"
    assert 'name="score"' not in (await client.get(status_page)).text  # not resolved yet
    await resolve(client, filed, team_keys)
    assert 'name="score"' in (await client.get(status_page)).text

    posted = await client.post(
        f"/cases/{filed['reference']}/survey",
        params={"token": filed["access_token"]},
        data={"score": "4", "comment": "很好\r\n謝謝", "lang": "zh_Hant"},
        follow_redirects=False,
    )

    assert posted.status_code == 303
    assert posted.headers["location"] == f"{status_page}&lang=zh_Hant"
    page = await client.get(posted.headers["location"])
    assert "感謝您的意見回饋" in page.text
    case = await stored(sessions, filed["reference"])
    assert (case.csat_score, case.csat_comment) == (4, "很好\n謝謝")


@pytest.mark.parametrize(
    ("form", "control"),
    [
        ({"score": ""}, "score"),
        ({"score": "9"}, "score"),
        ({"score": "2", "comment": "x" * 2001}, "comment"),
    ],
)
async def test_the_status_page_form_shows_what_is_wrong(
    client: Client,
    team_keys: dict[str, str],
    sessions: async_sessionmaker[AsyncSession],
    form: dict[str, str],
    control: str,
) -> None:
    filed = await file(client)
    await resolve(client, filed, team_keys)

    posted = await client.post(
        f"/cases/{filed['reference']}/survey",
        params={"token": filed["access_token"]},
        data={**form, "lang": "en"},
    )

    assert posted.status_code == 422
    assert f'id="{control}-error"' in posted.text
    assert (await stored(sessions, filed["reference"])).csat_score is None


async def test_the_status_page_form_needs_the_token(
    client: Client, team_keys: dict[str, str], sessions: async_sessionmaker[AsyncSession]
) -> None:
    filed = await file(client)
    await resolve(client, filed, team_keys)

    posted = await client.post(
        f"/cases/{filed['reference']}/survey", params={"token": "wrong"}, data={"score": "1"}
    )

    assert posted.status_code == 404
    assert (await stored(sessions, filed["reference"])).csat_score is None
