"""The customer's side of the conversation: their complaint and every reply on the status
endpoint and page, and their own messages (API and status page) back to the team."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.cases.access import LINK_LIFETIME, link_token
from service.db.models import Case
from service.notify import customer_mail
from tests.conftest import Clock
from tests.integration.conftest import OPS_KEY

Client = AsyncTestClient[Litestar]
OPS = {"X-Ops-Key": OPS_KEY}
COMPLAINT = "我的帳號被鎖住了，已經三天無法登入，請儘快幫我處理。"


async def _filed(client: Client) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/cases",
        json={"text": COMPLAINT, "contact": {"email": "mei@example.com"}},
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def _act(client: Client, reference: str, action: str, **body: Any) -> dict[str, Any]:
    response = await client.post(
        f"/api/v1/cases/{reference}/{action}", json={"agent": "wen", **body}, headers=OPS
    )
    assert response.status_code in (200, 201), response.text
    return dict(response.json())


async def _write(client: Client, case: dict[str, Any], text: str) -> Any:
    return await client.post(
        f"/api/v1/cases/{case['reference']}/messages",
        json={"text": text},
        headers={"Authorization": f"Bearer {case['access_token']}"},
    )


async def test_a_waiting_case_goes_back_to_work_when_the_customer_answers(client: Client) -> None:
    case = await _filed(client)
    await _act(client, case["reference"], "replies", body="請問您最後一次登入是什麼時候？")
    await _act(client, case["reference"], "status", status="waiting_on_customer")

    answered = await _write(client, case, "昨天晚上十點左右。")

    assert answered.status_code == 201, answered.text
    view = answered.json()
    assert view["status"] == "in_progress"
    assert view["complaint"] == COMPLAINT
    bodies = [(entry["kind"], entry["body"]) for entry in view["timeline"] if entry["body"]]
    assert bodies == [
        ("reply", "請問您最後一次登入是什麼時候？"),
        ("customer_reply", "昨天晚上十點左右。"),
    ]


async def test_the_customer_reopens_a_recently_resolved_case_but_not_an_old_one(
    client: Client, clock: Clock
) -> None:
    case = await _filed(client)
    await _act(client, case["reference"], "resolve", summary="帳號已解鎖。")
    clock.advance(timedelta(days=13))
    reopened = await _write(client, case, "還是無法登入。")
    assert reopened.status_code == 201, reopened.text
    assert reopened.json()["status"] == "in_progress"

    await _act(client, case["reference"], "resolve", summary="已重設密碼。")
    clock.advance(timedelta(days=15))
    late = await _write(client, case, "又被鎖住了。")
    assert late.status_code == 409
    assert late.json()["type"].endswith("/case-closed")
    status = await client.get(
        f"/api/v1/cases/{case['reference']}", params={"token": case["access_token"]}
    )
    assert status.json()["status"] == "resolved"
    assert status.json()["accepts_messages"] is False


async def test_a_message_needs_the_case_token_and_some_text(client: Client) -> None:
    case = await _filed(client)
    stranger = await client.post(
        f"/api/v1/cases/{case['reference']}/messages", json={"text": "Hello"}
    )
    assert stranger.status_code == 404
    empty = await _write(client, case, "   ")
    assert empty.status_code == 422
    assert empty.json()["errors"][0]["field"] == "text"


async def test_the_status_page_shows_the_complaint_and_takes_a_message(client: Client) -> None:
    case = await _filed(client)
    await _act(client, case["reference"], "replies", body="我們正在處理。")
    page_url = f"/cases/{case['reference']}?token={case['access_token']}"
    page = await client.get(page_url)
    assert COMPLAINT in page.text
    assert 'for="message"' in page.text
    action = re.search(r'action="(/cases/[^"]+/messages\?token=[^"]+)"', page.text)
    assert action is not None

    sent = await client.post(
        action.group(1).replace("&amp;", "&"),
        data={"text": "謝謝，等你們的消息。", "lang": "zh_Hant"},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    shown = await client.get(sent.headers["location"])
    assert "謝謝，等你們的消息。" in shown.text
    assert 'data-testid="notice"' in shown.text

    empty = await client.post(action.group(1), data={"text": " ", "lang": "zh_Hant"})
    assert empty.status_code == 422


async def test_the_resolution_email_carries_the_summary(
    client: Client, sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    case = await _filed(client)
    await _act(client, case["reference"], "resolve", summary="帳號已解鎖，請重新登入。")
    async with sessions() as session:
        stored = await session.scalar(select(Case).where(Case.reference == case["reference"]))
        assert stored is not None
        email = await customer_mail.render(
            session, stored, "resolution", {}, base_url="http://x", secret_key="k", now=clock.now
        )
    assert email is not None and "帳號已解鎖，請重新登入。" in email.text


async def test_status_links_expire_and_can_be_revoked(
    client: Client, sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    case = await _filed(client)
    reference = case["reference"]
    secret = client.app.state.settings.secret_key
    async with sessions() as session:
        stored = await session.scalar(select(Case).where(Case.reference == reference))
        assert stored is not None
        link = link_token(stored, secret, clock.now)

    async def opens(token: str) -> int:
        response = await client.get(f"/api/v1/cases/{reference}", params={"token": token})
        return response.status_code

    assert await opens(link) == 200
    clock.advance(LINK_LIFETIME + timedelta(minutes=1))
    assert await opens(link) == 404  # expired
    assert await opens(case["access_token"]) == 200  # the token the customer was given lasts

    fresh = link_token(stored, secret, clock.now)
    revoked = await _act(client, reference, "revoke-links")
    assert revoked["reference"] == reference
    assert await opens(fresh) == 404  # signed before the revocation
    assert await opens(case["access_token"]) == 404
    async with sessions() as session:
        stored = await session.scalar(select(Case).where(Case.reference == reference))
        assert stored is not None
        email = await customer_mail.render(
            session, stored, "acknowledgement", {}, base_url="", secret_key=secret, now=clock.now
        )
    assert email is not None
    new_link = email.text.split("?token=", 1)[1].split()[0]
    assert await opens(new_link) == 200  # the next e-mail carries a link that works
