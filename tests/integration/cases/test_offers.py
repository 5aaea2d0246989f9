"""Inside the team on duty, a routed case is offered to the available agent who reads its
language best and has the most room; an agent who goes away hands their cases on."""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.accounts.services import NewAccount, add_account
from service.cases.handoff import hand_off
from service.cases.offers import set_presence
from service.db.models import Account, Case
from tests.conftest import Clock
from tests.integration.conftest import OPS_KEY

Client = AsyncTestClient[Litestar]
Sessions = async_sessionmaker[AsyncSession]
PASSWORD = "correct horse battery staple"
COMPLAINT = "我的帳號被鎖住了，已經三天無法登入，請儘快幫我處理。"


async def _agents(sessions: Sessions, *agents: NewAccount) -> None:
    async with sessions() as session, session.begin():
        for agent in agents:
            await add_account(session, agent, PASSWORD)


async def _file(client: Client, text: str = COMPLAINT, **extra: Any) -> dict[str, Any]:
    body = {"text": text, "contact": {"email": "mei@example.com"}, "timezone": "Asia/Taipei"}
    response = await client.post("/api/v1/cases", json={**body, **extra})
    assert response.status_code == 201, response.text
    return dict(response.json())


async def _owner(client: Client, reference: str) -> str | None:
    detail = await client.get(f"/api/v1/cases/{reference}/detail", headers={"X-Ops-Key": OPS_KEY})
    return detail.json()["claimed_by"]  # type: ignore[no-any-return]


async def test_a_new_case_goes_to_the_best_reader_with_room(
    client: Client, sessions: Sessions
) -> None:
    await _agents(
        sessions,
        NewAccount(
            "lin@example.com", "agent", ("taipei",), languages={"zh-TW": "native"}, capacity=1
        ),
        NewAccount("wu@example.com", "agent", ("taipei",), languages={"zh-Hant": "fluent"}),
        NewAccount("sam@example.com", "agent", ("taipei",), languages={"en": "native"}),
    )
    first = await _file(client)
    assert first["team"] == "taipei" and first["status"] == "routed"
    assert await _owner(client, first["reference"]) == "lin@example.com"  # native

    second = await _file(client)
    assert await _owner(client, second["reference"]) == "wu@example.com"  # lin is full

    english = await _file(client, "My parcel never arrived and nobody answers my e-mails.")
    assert english["team"] == "taipei"  # the customer's country
    assert await _owner(client, english["reference"]) == "sam@example.com"

    detail = await client.get(
        f"/api/v1/cases/{first['reference']}/detail", headers={"X-Ops-Key": OPS_KEY}
    )
    offered = [e for e in detail.json()["events"] if e["kind"] == "offered"]
    assert offered and "reads zh-Hant (native)" in offered[0]["data"]["why"]


async def test_nobody_who_reads_it_leaves_the_case_in_the_queue(
    client: Client, sessions: Sessions
) -> None:
    await _agents(
        sessions, NewAccount("sam@example.com", "agent", ("taipei",), languages={"en": "native"})
    )
    filed = await _file(client)
    assert await _owner(client, filed["reference"]) is None


async def test_an_agent_who_goes_away_hands_their_cases_to_a_colleague(
    client: Client, sessions: Sessions, clock: Clock
) -> None:
    await _agents(
        sessions,
        NewAccount("lin@example.com", "agent", ("taipei",), languages={"zh-Hant": "native"}),
        NewAccount("wu@example.com", "agent", ("taipei",), languages={"zh-Hant": "fluent"}),
        NewAccount("sam@example.com", "agent", ("taipei",), languages={"en": "native"}),
    )
    filed = [await _file(client) for _ in range(2)]
    assert {await _owner(client, f["reference"]) for f in filed} == {"lin@example.com"}

    async with sessions() as session, session.begin():
        lin = await session.scalar(select(Account).where(Account.email == "lin@example.com"))
        assert lin is not None
        assert await set_presence(session, lin, "away", clock.now) == 2
    assert {await _owner(client, f["reference"]) for f in filed} == {"wu@example.com"}

    later = await _file(client)  # lin is away: not offered to lin
    assert await _owner(client, later["reference"]) == "wu@example.com"


async def test_cases_handed_over_at_shift_end_are_offered_to_the_receiving_team(
    client: Client, sessions: Sessions, clock: Clock
) -> None:
    await _agents(
        sessions,
        NewAccount("aoife@example.com", "agent", ("dublin",), languages={"en": "native"}),
    )
    filed = await _file(client, "My parcel never arrived and nobody answers my e-mails.")
    async with sessions() as session, session.begin():
        case = await session.scalar(select(Case).where(Case.reference == filed["reference"]))
        assert case is not None
        case.team_key = "new-york"  # a team that is off duty at 10:00 UTC
    await hand_off(sessions, now=clock.now.replace(hour=10), team="new-york")
    detail = await client.get(
        f"/api/v1/cases/{filed['reference']}/detail", headers={"X-Ops-Key": OPS_KEY}
    )
    assert (detail.json()["team"], detail.json()["claimed_by"]) == ("dublin", "aoife@example.com")
