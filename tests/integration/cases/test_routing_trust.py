"""Routing decisions a customer can trust: the desk in their own country, the tier they have
(not the one they claim), and handoffs that never set a case back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.app import create_app
from service.cases.handoff import hand_off
from service.cases.tier_claims import sign_tier_claim
from service.settings import Settings
from tests.conftest import Clock
from tests.integration.conftest import OPS_KEY

Client = AsyncTestClient[Litestar]
Sessions = async_sessionmaker[AsyncSession]


async def test_a_taiwanese_customer_goes_to_taipei_while_taipei_is_on_duty(client: Client) -> None:
    # The client's clock: Tuesday 11:00 in Taipei and Shanghai, both on duty, both speak zh-Hant.
    filed = await client.post(
        "/api/v1/cases",
        json={
            "text": "我的帳號被鎖住了，已經三天無法登入，請儘快幫我處理。",
            "contact": {"email": "mei@example.com"},
            "timezone": "Asia/Taipei",
        },
        headers={"Accept-Language": "zh-TW"},
    )
    assert filed.status_code == 201, filed.text
    assert filed.json()["team"] == "taipei"
    detail = await client.get(
        f"/api/v1/cases/{filed.json()['reference']}/detail", headers={"X-Ops-Key": OPS_KEY}
    )
    assert "in the customer's country TW" in detail.json()["routing_reason"]


TIER_SECRET = "the company site's tier key"


@pytest.fixture
def app(database_url: str, redis_url: str, clock: Clock, sessions: Sessions) -> Litestar:
    """The app with the company's tier-claim key set."""
    settings = Settings(
        database_url=database_url,
        redis_url=redis_url,
        ops_api_key=OPS_KEY,
        tier_claim_secret=TIER_SECRET,
    )
    return create_app(settings, clock=clock, drain_outbox=False)


async def _file_english(client: Client, **extra: Any) -> dict[str, Any]:
    body = {
        "text": "My card was charged twice for the same order and I want a refund.",
        "contact": {"email": "pat@example.co.uk"},
        "timezone": "Europe/London",
        **extra,
    }
    response = await client.post("/api/v1/cases", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def _detail(client: Client, reference: str) -> dict[str, Any]:
    response = await client.get(f"/api/v1/cases/{reference}/detail", headers={"X-Ops-Key": OPS_KEY})
    return dict(response.json())


async def test_a_tier_the_request_names_itself_is_not_trusted(client: Client, clock: Clock) -> None:
    clock.now = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # London 10:00: the VIP desk is open
    filed = await _file_english(client, tier="diamond")
    assert filed["tier"] == "standard"
    assert filed["team"] != "vip-desk"
    due = datetime.fromisoformat(filed["first_response_due"])
    assert due - clock.now == timedelta(hours=1)  # not the 12 minutes of a serious diamond case
    detail = await _detail(client, filed["reference"])
    assert (detail["tier"], detail["claimed_tier"]) == ("standard", "diamond")


@pytest.mark.parametrize(
    ("signed_for", "expires_in", "tier"),
    [
        ("pat@example.co.uk", timedelta(days=1), "diamond"),
        ("PAT@example.co.uk", timedelta(days=1), "diamond"),  # e-mail case does not matter
        ("someone-else@example.co.uk", timedelta(days=1), "standard"),
        ("pat@example.co.uk", timedelta(seconds=-1), "standard"),  # expired
    ],
)
async def test_a_tier_signed_by_the_company_site_is_trusted(
    client: Client, clock: Clock, signed_for: str, expires_in: timedelta, tier: str
) -> None:
    clock.now = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
    claim = sign_tier_claim("diamond", signed_for, clock.now + expires_in, TIER_SECRET)
    filed = await _file_english(client, tier_claim=claim)
    assert filed["tier"] == tier
    if tier == "diamond":
        assert filed["team"] == "vip-desk"
        assert filed["team_name"] == "Priority care"  # what customers are told, not "VIP desk"
        assert "VIP" not in filed["acknowledgement"]


async def test_a_forged_signature_is_not_trusted(client: Client, clock: Clock) -> None:
    claim = sign_tier_claim("diamond", "pat@example.co.uk", clock.now + timedelta(days=1), "guess")
    assert (await _file_english(client, tier_claim=claim))["tier"] == "standard"


async def test_a_standard_customer_never_lands_on_the_vip_desk(
    client: Client, clock: Clock
) -> None:
    # Tuesday 07:30 UTC: the VIP desk (London, 07:00-22:00) is open before Dublin.
    clock.now = datetime(2026, 11, 24, 7, 30, tzinfo=UTC)
    filed = await _file_english(client)
    assert filed["team"] != "vip-desk"
    assert "vip-desk" not in filed["acknowledgement"].lower()


async def test_a_handoff_never_sets_a_case_back_nor_sends_it_to_a_team_that_cannot_read_it(
    client: Client, clock: Clock, sessions: Sessions
) -> None:
    # Tuesday 12:00 in Tokyo: a Japanese customer's case is claimed, answered and noted.
    filed = await client.post(
        "/api/v1/cases",
        json={
            "text": "注文した商品がまだ届きません。確認してください。",
            "contact": {"email": "aoi@example.jp"},
            "timezone": "Asia/Tokyo",
        },
    )
    reference, token = filed.json()["reference"], filed.json()["access_token"]
    assert filed.json()["team"] == "tokyo"
    ops = {"X-Ops-Key": OPS_KEY}
    for action, body in (
        ("claim", {}),
        ("replies", {"body": "確認いたします。少々お待ちください。"}),
        ("notes", {"text": "Carrier says the parcel is in Osaka."}),
    ):
        done = await client.post(
            f"/api/v1/cases/{reference}/{action}", json={"agent": "yui", **body}, headers=ops
        )
        assert done.status_code in (200, 201), done.text

    # 18:00 in Tokyo: Tokyo closes. Nobody else reads Japanese, and Tokyo opens again long
    # before the case is due for resolution: it waits for Tokyo instead of going to Shanghai
    # with "needs translation", and the customer still sees it in progress.
    shift_end = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    await hand_off(sessions, now=shift_end)
    status = await client.get(f"/api/v1/cases/{reference}", params={"token": token})
    assert status.json()["status"] == "in_progress"
    detail = await _detail(client, reference)
    assert detail["team"] == "tokyo" and not detail["needs_translation"]


async def test_a_transferred_case_keeps_its_status_and_carries_the_last_words(
    client: Client, sessions: Sessions
) -> None:
    filed = await _file_english(client)
    reference, token = filed["reference"], filed["access_token"]
    ops = {"X-Ops-Key": OPS_KEY}
    for action, body in (
        ("claim", {}),
        ("replies", {"body": "We are looking into the double charge."}),
    ):
        await client.post(
            f"/api/v1/cases/{reference}/{action}", json={"agent": "sam", **body}, headers=ops
        )
    moved = await client.post(
        f"/api/v1/cases/{reference}/transfer",
        json={"agent": "sam", "team": "new-york"},
        headers=ops,
    )
    assert moved.json()["status"] == "in_progress"
    status = await client.get(f"/api/v1/cases/{reference}", params={"token": token})
    assert status.json()["status"] == "in_progress"


async def test_the_receiving_team_reads_the_last_reply_and_note_in_the_handoff(
    client: Client, clock: Clock, sessions: Sessions
) -> None:
    clock.now = datetime(2026, 11, 24, 14, 0, tzinfo=UTC)  # Tuesday 14:00 in Dublin
    filed = await _file_english(client, timezone="Europe/Dublin")
    reference, team = filed["reference"], filed["team"]
    ops = {"X-Ops-Key": OPS_KEY}
    for action, body in (
        ("claim", {}),
        ("replies", {"body": "We are looking into the double charge."}),
        ("notes", {"text": "Refund requested from the payment provider."}),
    ):
        await client.post(
            f"/api/v1/cases/{reference}/{action}", json={"agent": "sam", **body}, headers=ops
        )

    await hand_off(sessions, now=datetime(2026, 11, 24, 21, 0, tzinfo=UTC), team=team)
    detail = await _detail(client, reference)
    assert detail["team"] != team and detail["status"] == "in_progress"
    (handoff,) = [e for e in detail["events"] if e["kind"] == "handed_off"]
    note = handoff["data"]["note"]
    assert "Last reply: \u201cWe are looking into the double charge.\u201d" in note
    assert "Last note: \u201cRefund requested from the payment provider.\u201d" in note


async def test_ops_see_the_cases_waiting_for_a_team_that_reads_them(
    client: Client, sessions: Sessions
) -> None:
    # Tuesday 03:00 UTC (the client's clock): a German customer in Germany. No team of the
    # region reads German yet; Dublin opens before the first reply is due: the case waits.
    filed = await client.post(
        "/api/v1/cases",
        json={
            "text": "Mein Konto ist gesperrt und ich kann mich seit gestern nicht anmelden.",
            "contact": {"email": "kunde@example.de"},
            "timezone": "Europe/Berlin",
        },
    )
    assert filed.status_code == 201, filed.text
    waiting = await client.get("/api/v1/ops/waiting", headers={"X-Ops-Key": OPS_KEY})
    assert waiting.status_code == 200
    listed = {case["reference"]: case for case in waiting.json()}
    reference = filed.json()["reference"]
    assert reference in listed, (await _detail(client, reference))["routing_reason"]
    case = listed[reference]
    assert case["language"] == "de" and case["waiting_until"] < case["first_response_due"]
