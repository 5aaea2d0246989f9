"""Team work on a case: queue, claim, reply, status, resolve; each change audited."""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.db.models import Case, CaseEvent
from tests.integration.conftest import OPS_KEY

Client = AsyncTestClient[Litestar]


async def file(
    client: Client,
    text: str = "Mein Konto ist gesperrt und ich kann mich "
    "seit gestern nicht mehr anmelden. Bitte helfen Sie mir.",
    **extra: Any,
) -> dict[str, Any]:
    body = {"text": text, "contact": {"email": "kunde@example.de"}, "timezone": "Europe/Berlin"}
    body.update(extra)
    response = await client.post("/api/v1/cases", json=body)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_team_works_a_case_from_queue_to_resolution(
    client: Client,
    team_keys: dict[str, str],
    sessions: async_sessionmaker[AsyncSession],
    clock: Any,
) -> None:
    # Tuesday 09:00 UTC: Dublin (German speakers) is on duty.
    from datetime import UTC, datetime

    clock.now = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    filed = await file(client)
    assert filed["team"] == "dublin"
    ref, key = filed["reference"], {"X-Api-Key": team_keys["dublin"]}

    queue = await client.get("/api/v1/teams/dublin/queue", headers=key)
    assert queue.status_code == 200
    assert [c["reference"] for c in queue.json()["cases"]] == [ref]

    claimed = await client.post(
        f"/api/v1/cases/{ref}/claim", json={"agent": "siobhan"}, headers=key
    )
    assert claimed.status_code == 200 and claimed.json()["status"] == "in_progress"

    replied = await client.post(
        f"/api/v1/cases/{ref}/replies",
        json={"agent": "siobhan", "body": "Wir haben Ihr Konto entsperrt."},
        headers=key,
    )
    assert replied.status_code == 201, replied.text

    waiting = await client.post(
        f"/api/v1/cases/{ref}/status",
        json={"agent": "siobhan", "status": "waiting_on_customer"},
        headers=key,
    )
    assert waiting.json()["status"] == "waiting_on_customer"

    unexplained = await client.post(
        f"/api/v1/cases/{ref}/resolve", json={"agent": "siobhan"}, headers=key
    )
    assert unexplained.status_code == 422
    assert unexplained.json()["errors"][0]["field"] == "summary"

    done = {"agent": "siobhan", "summary": "Refunded in full."}
    resolved = await client.post(f"/api/v1/cases/{ref}/resolve", json=done, headers=key)
    assert resolved.json()["status"] == "resolved"

    again = await client.post(f"/api/v1/cases/{ref}/resolve", json=done, headers=key)
    assert again.status_code == 409
    assert again.json()["type"].endswith("illegal-transition")

    status = (
        await client.get(f"/api/v1/cases/{ref}", params={"token": filed["access_token"]})
    ).json()
    assert status["status"] == "resolved"
    replies = [e for e in status["timeline"] if e["kind"] == "reply"]
    assert replies and replies[0]["body"] == "Wir haben Ihr Konto entsperrt."
    assert status["status_label"] and status["status_label"] != "resolved"

    detail = await client.get(f"/api/v1/cases/{ref}/detail", headers=key)
    kinds = [e["kind"] for e in detail.json()["events"]]
    assert kinds[-4:] == ["claimed", "reply", "status_changed", "resolved"]
    assert detail.json()["first_responded_at"] is not None

    async with sessions() as session:
        case = await session.scalar(select(Case).where(Case.reference == ref))
        assert case is not None and case.version > 1
        events = (
            await session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id))
        ).all()
    assert len(events) == len(kinds)
    assert (await client.get("/api/v1/teams/dublin/queue", headers=key)).json()["count"] == 0


async def test_keys_are_checked(client: Client, team_keys: dict[str, str]) -> None:
    filed = await file(client)
    ref, owner = filed["reference"], filed["team"]
    other = next(team for team in team_keys if team != owner)

    missing = await client.get(f"/api/v1/teams/{owner}/queue")
    assert missing.status_code == 401
    wrong = await client.get(f"/api/v1/teams/{owner}/queue", headers={"X-Api-Key": "nope"})
    assert wrong.status_code == 401
    foreign = await client.get(
        f"/api/v1/teams/{owner}/queue", headers={"X-Api-Key": team_keys[other]}
    )
    assert foreign.status_code == 403
    steal = await client.post(
        f"/api/v1/cases/{ref}/claim", json={"agent": "x"}, headers={"X-Api-Key": team_keys[other]}
    )
    assert steal.status_code == 403
    as_ops = await client.get(f"/api/v1/cases/{ref}/detail", headers={"X-Ops-Key": OPS_KEY})
    assert as_ops.status_code == 200


async def test_empty_reply_is_422(client: Client, team_keys: dict[str, str]) -> None:
    filed = await file(client)
    response = await client.post(
        f"/api/v1/cases/{filed['reference']}/replies",
        json={"agent": "a", "body": "  "},
        headers={"X-Api-Key": team_keys[filed["team"]]},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body"


async def test_language_override_is_audited_and_reroutes(
    client: Client, team_keys: dict[str, str]
) -> None:
    # Tuesday 03:00 UTC, a customer in Japan writes German: no team that reads German is on
    # duty or opens before the first reply is due, so Tokyo, serving Japan, takes it and needs
    # translation. An agent sees it is really Chinese: Shanghai, on duty, reads it.
    filed = await file(client, timezone="Asia/Tokyo")
    assert filed["team"] == "tokyo"
    ref, key = filed["reference"], {"X-Api-Key": team_keys["tokyo"]}

    changed = await client.post(
        f"/api/v1/cases/{ref}/language", json={"language": "zh-Hans", "agent": "aoi"}, headers=key
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["team"] == "shanghai" and changed.json()["status"] == "routed"

    detail = (
        await client.get(f"/api/v1/cases/{ref}/detail", headers={"X-Ops-Key": OPS_KEY})
    ).json()
    assert (detail["language"], detail["language_decided_by"], detail["reply_locale"]) == (
        "zh-Hans",
        "override",
        "zh_Hans",
    )
    kinds = [e["kind"] for e in detail["events"]]
    assert kinds[-2:] == ["language_overridden", "handed_off"]
    assert detail["events"][-2]["data"]["previous"] == "de"

    shanghai = {"X-Api-Key": team_keys["shanghai"]}
    same = await client.post(
        f"/api/v1/cases/{ref}/language",
        json={"language": "zh-Hans", "agent": "li"},
        headers=shanghai,
    )
    assert same.status_code == 409
    bogus = await client.post(
        f"/api/v1/cases/{ref}/language", json={"language": "xx-!!", "agent": "li"}, headers=shanghai
    )
    assert bogus.status_code == 422 and bogus.json()["errors"][0]["field"] == "language"
