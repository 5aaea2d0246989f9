"""Intake end to end on SQLite and PostgreSQL: detection, routing, storage, acknowledgement."""

from __future__ import annotations

import json
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.db.models import Case, CaseEvent, OutboxMessage

Client = AsyncTestClient[Litestar]
TRADITIONAL = "我的帳號被鎖住了，已經三天無法登入，請儘快幫我處理這個問題，謝謝。"


def complaint(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "text": "My order arrived broken and nobody answers my emails.",
        "contact": {"email": "ana@example.com", "name": "Ana"},
    }
    body.update(overrides)
    return body


async def count(sessions: async_sessionmaker[AsyncSession], model: Any) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_traditional_chinese_complaint_is_acknowledged_in_traditional_chinese(
    client: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    response = await client.post(
        "/api/v1/cases",
        json=complaint(text=TRADITIONAL, timezone="Asia/Taipei"),
        headers={"Accept-Language": "zh-TW,zh;q=0.9,en;q=0.5"},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["language"] == "zh-Hant"
    assert body["team"] in {"shanghai", "taipei"}
    assert body["region"] == "APAC"
    assert body["status"] == "routed"
    assert body["reply_locale"] == "zh_Hant"
    assert body["reference"].startswith("MRD-") and body["reference"] in body["acknowledgement"]
    # Written in Traditional characters (帳/處/時 are not Simplified forms) …
    ack = body["acknowledgement"]
    assert any(ch in ack for ch in "您們處時將覆")
    assert not any(ch in ack for ch in "们处时将复")
    # … with a time in the customer's zone: the due time rendered as Taipei wall-clock.
    async with sessions() as session:
        case = await session.scalar(select(Case).where(Case.reference == body["reference"]))
    assert case is not None and case.customer_timezone == "Asia/Taipei"
    assert case.language_decided_by and case.language_confidence > 0


async def test_customer_status_needs_the_token(client: Client) -> None:
    filed = (await client.post("/api/v1/cases", json=complaint())).json()
    reference, token = filed["reference"], filed["access_token"]

    by_header = await client.get(
        f"/api/v1/cases/{reference}", headers={"Authorization": f"Bearer {token}"}
    )
    assert by_header.status_code == 200
    status = by_header.json()
    assert status["reference"] == reference
    assert [entry["kind"] for entry in status["timeline"]] == ["received", "routed"]

    by_query = await client.get(f"/api/v1/cases/{reference}", params={"token": token})
    assert by_query.status_code == 200

    for headers, params in (
        ({}, {}),
        ({"Authorization": "Bearer wrong"}, {}),
        ({}, {"token": "x"}),
    ):
        denied = await client.get(f"/api/v1/cases/{reference}", headers=headers, params=params)
        assert denied.status_code == 404
        assert denied.headers["content-type"].startswith("application/problem+json")
    unknown = await client.get("/api/v1/cases/MRD-000000", params={"token": token})
    assert unknown.status_code == 404
    assert unknown.json()["detail"] == denied.json()["detail"].replace(reference, "MRD-000000")


async def test_intake_writes_audit_events_and_an_outbox_row(
    client: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    filed = (await client.post("/api/v1/cases", json=complaint())).json()
    async with sessions() as session:
        case = await session.scalar(select(Case).where(Case.reference == filed["reference"]))
        assert case is not None
        kinds = (
            await session.scalars(
                select(CaseEvent.kind).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)
            )
        ).all()
        outbox = (await session.scalars(select(OutboxMessage))).all()
    assert list(kinds)[:4] == ["received", "detected", "classified", "routed"]
    assert sorted((m.task, m.payload["case_id"]) for m in outbox) == [
        ("email_customer", case.id),
        ("notify_team", case.id),
    ]
    assert case.first_response_due > case.created_at


async def test_emoji_only_text_is_accepted_as_und_and_routed_on_hints(client: Client) -> None:
    response = await client.post(
        "/api/v1/cases",
        json=complaint(text="😡😡😡 12345 !!!", locale="ja-JP", country="JP"),
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["language"] == "und"
    assert body["region"] == "APAC"
    assert body["reply_locale"] == "ja"
    assert body["team"] is not None


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem: dict[str, Any] = response.json()
    assert problem["status"] == status
    assert problem["title"] and problem["type"].startswith("https://")
    return problem


async def test_body_over_64_kib_is_413_and_stores_nothing(
    client: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    response = await client.post("/api/v1/cases", json=complaint(text="x" * 70_000))
    _problem(response, 413)
    assert await count(sessions, Case) == 0


async def test_unreadable_body_is_400_and_wrong_media_type_415(
    client: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    broken = await client.post(
        "/api/v1/cases", content=b'{"text": "hi", ', headers={"Content-Type": "application/json"}
    )
    _problem(broken, 400)
    as_form = await client.post(
        "/api/v1/cases",
        content=json.dumps(complaint()).encode(),
        headers={"Content-Type": "text/plain"},
    )
    _problem(as_form, 415)
    assert await count(sessions, Case) == 0


BAD_FIELDS = [
    ({"text": ""}, "text"),
    ({"text": "   \n\t "}, "text"),
    ({"text": "a" * 20_001}, "text"),
    ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
    ({"timezone": "../../etc/passwd"}, "timezone"),
    ({"locale": "not a locale!"}, "locale"),
    ({"locale": "xx-QQ"}, "locale"),
    ({"contact": {"email": "not-an-address"}}, "contact.email"),
    ({"country": "ZZZ"}, "country"),
    ({"tier": "platinum"}, "tier"),
    ({"text": 42}, "text"),
]


async def test_each_bad_field_is_422_naming_it_and_stores_nothing(
    client: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    for overrides, field in BAD_FIELDS:
        response = await client.post("/api/v1/cases", json=complaint(**overrides))
        problem = _problem(response, 422)
        assert field in [error["field"] for error in problem["errors"]], (overrides, problem)
    assert await count(sessions, Case) == 0
    assert await count(sessions, OutboxMessage) == 0


async def test_schema_is_served(client: Client) -> None:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    assert "/api/v1/cases" in response.json()["paths"]
