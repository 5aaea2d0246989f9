"""Reply-language negotiation at intake and the demand-weighted translation stats."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.db.models import Case
from tests.integration.conftest import OPS_KEY

Client = AsyncTestClient[Litestar]
PORTUGUESE = (
    "A minha encomenda chegou danificada e ninguém responde aos meus e-mails há uma semana."
)
SWAHILI = (
    "Habari, agizo langu lilifika likiwa limevunjika na hakuna mtu anayejibu barua pepe zangu."
)


async def test_european_portuguese_gets_brazilian_catalog_with_fallback_recorded(
    client: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    response = await client.post(
        "/api/v1/cases",
        json={"text": PORTUGUESE, "contact": {"email": "joao@example.pt"}},
        headers={"Accept-Language": "pt-PT,pt;q=0.9"},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["language"] == "pt"
    assert body["reply_locale"] == "pt_BR"
    assert "MRD-" in body["acknowledgement"] and "Our" not in body["acknowledgement"]
    async with sessions() as session:
        case = await session.scalar(select(Case).where(Case.reference == body["reference"]))
    assert case is not None and case.locale_fallback_from == "pt-PT"


async def test_swahili_gets_english_and_counts_as_no_catalog(client: Client) -> None:
    response = await client.post(
        "/api/v1/cases",
        json={"text": SWAHILI, "contact": {"email": "amani@example.ke"}, "locale": "sw-KE"},
    )
    assert response.status_code == 201, response.text
    assert response.json()["reply_locale"] == "en"

    denied = await client.get("/api/v1/locales/stats")
    assert denied.status_code == 401
    stats = await client.get(
        "/api/v1/locales/stats", params={"days": 7}, headers={"X-Ops-Key": OPS_KEY}
    )
    assert stats.status_code == 200
    rows = {row["locale"]: row for row in stats.json()["locales"]}
    assert stats.json()["cases"] == 1
    assert rows["sw"]["has_catalog"] is False and rows["sw"]["share_of_cases"] == 1.0
    assert rows["de"]["has_catalog"] is True and rows["de"]["share_of_cases"] == 0.0

    bad = await client.get(
        "/api/v1/locales/stats", params={"days": 0}, headers={"X-Ops-Key": OPS_KEY}
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "days"
