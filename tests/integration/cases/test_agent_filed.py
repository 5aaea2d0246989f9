"""Phone and chat complaints: an agent files one for a caller from the workspace (or an
integration through the API, with its own credentials); it is routed like any other, the
customer is acknowledged in their language, and who filed it is recorded."""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.accounts.services import NewAccount, add_account
from service.accounts.tokens import create_token
from service.db.models import Attachment, Case, CaseEvent, OutboxMessage
from tests.integration.accounts.test_role_matrix import CSRF_FIELD, PASSWORD

Client = AsyncTestClient[Litestar]
Sessions = async_sessionmaker[AsyncSession]
AGENT = "rosa@example.com"
# Written by the agent in English; the caller speaks Spanish.
SUMMARY = "Caller says the refund for order 5521 never arrived; she was promised it in May."


async def _agent(sessions: Sessions, teams: tuple[str, ...] = ("dublin",)) -> str:
    async with sessions() as session, session.begin():
        await add_account(session, NewAccount(AGENT, "agent", teams), PASSWORD)
        _, token = await create_token(session, AGENT, "softphone")
    return token


async def _sign_in(client: Client) -> str:
    page = await client.get("/login")
    csrf = CSRF_FIELD.search(page.text)
    assert csrf is not None
    form = {"_csrf_token": csrf.group(1), "email": AGENT, "password": PASSWORD}
    assert (await client.post("/login", data=form, follow_redirects=False)).status_code == 303
    return csrf.group(1)


async def _case_and_received(sessions: Sessions) -> tuple[Case, CaseEvent]:
    async with sessions() as session:
        case = (await session.scalars(select(Case))).one()
        received = (
            await session.scalars(select(CaseEvent).where(CaseEvent.kind == "received"))
        ).one()
    return case, received


async def test_an_agent_files_a_phone_complaint_in_the_callers_language(
    client: Client, sessions: Sessions
) -> None:
    await _agent(sessions)
    csrf = await _sign_in(client)
    form_page = await client.get("/team/file/")
    assert form_page.status_code == 200 and 'name="channel"' in form_page.text

    filed = await client.post(
        "/team/file/",
        data={
            "_csrf_token": csrf,
            "channel": "phone",
            "email": "lucia@example.es",
            "name": "Lucía Gómez",
            "phone": "+34 612 345 678",
            "language": "es",
            "text": SUMMARY,
        },
        files=[("files", ("recibo.txt", b"Pedido 5521, 89,90 EUR\n", "text/plain"))],
        follow_redirects=False,
    )
    assert filed.status_code == 303, filed.text

    case, received = await _case_and_received(sessions)
    assert (case.channel, case.language, case.reply_locale) == ("phone", "es", "es")
    assert case.contact_phone == "+34 612 345 678"
    assert received.actor == AGENT and received.data["filed_by"] == AGENT
    async with sessions() as session:
        files = (await session.scalars(select(Attachment))).all()
        outbox = (await session.scalars(select(OutboxMessage))).all()
    assert [(f.name, f.added_by) for f in files] == [("recibo.txt", AGENT)]
    assert {"task": "email_customer", "kind": "acknowledgement"} in [
        {"task": o.task, "kind": o.payload.get("kind")} for o in outbox
    ]
    assert case.team_key is not None
    location = filed.headers["location"]
    if case.team_key == "dublin":
        assert location.startswith(f"/team/cases/{case.reference}")
    else:  # routed to the team on duty for a Spanish speaker: the agent is told the reference
        assert location.startswith("/team/") and case.reference in location


async def test_the_form_keeps_what_was_typed_and_says_what_is_wrong(
    client: Client, sessions: Sessions
) -> None:
    await _agent(sessions)
    csrf = await _sign_in(client)
    refused = await client.post(
        "/team/file/",
        data={"_csrf_token": csrf, "channel": "chat", "email": "not-an-address", "text": SUMMARY},
    )
    assert refused.status_code == 422
    assert 'aria-invalid="true"' in refused.text and SUMMARY in refused.text
    assert "The complaint has not been filed. Please check the following." in refused.text
    assert '<a href="#email">' in refused.text  # the summary leads to the field
    async with sessions() as session:
        assert (await session.scalars(select(Case))).first() is None


async def test_integrations_file_chat_complaints_with_their_own_token_and_customers_cannot(
    client: Client, sessions: Sessions, team_keys: dict[str, str]
) -> None:
    token = await _agent(sessions)
    body: dict[str, Any] = {
        "text": "My parcel arrived crushed.",
        "contact": {"email": "sam@example.com"},
        "channel": "chat",
    }
    anonymous = await client.post("/api/v1/cases", json=body)
    assert anonymous.status_code == 401
    assert anonymous.headers["content-type"].startswith("application/problem+json")

    by_token = await client.post(
        "/api/v1/cases", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert by_token.status_code == 201, by_token.text
    case, received = await _case_and_received(sessions)
    assert case.channel == "chat" and received.data["filed_by"] == AGENT

    by_team_key = await client.post(
        "/api/v1/cases",
        json={**body, "channel": "social"},
        headers={"X-Api-Key": team_keys["dublin"]},
    )
    assert by_team_key.status_code == 201, by_team_key.text
    async with sessions() as session:
        actors = (
            await session.scalars(
                select(CaseEvent.actor).where(CaseEvent.kind == "received").order_by(CaseEvent.id)
            )
        ).all()
    assert actors == [AGENT, "dublin"]
