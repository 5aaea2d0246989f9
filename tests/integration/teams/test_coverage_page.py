"""The coverage page (/ops/coverage) and its CSV agree with the coverage API; bad input is
shown next to its field."""

from __future__ import annotations

import csv
import io

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.accounts.services import NewAccount, add_account
from service.i18n.negotiation import SUPPORTED
from tests.integration.accounts.test_role_matrix import PASSWORD, _signed_in
from tests.integration.conftest import OPS_KEY

Client = AsyncTestClient[Litestar]
WEEK = "2026-W49"


async def _sign_in(client: Client, sessions: async_sessionmaker[AsyncSession], role: str) -> None:
    email = f"{role}@example.com"
    async with sessions() as session, session.begin():
        await add_account(session, NewAccount(email, role, region="EMEA"), PASSWORD)
    await _signed_in(client, email)


async def test_the_page_and_its_csv_show_the_gaps_the_api_reports(
    client: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await _sign_in(client, sessions, "ops")
    query = {"week": WEEK, "zone": "Europe/Berlin"}
    report = await client.get("/api/v1/ops/coverage", params=query, headers={"X-Ops-Key": OPS_KEY})
    gaps = [
        (lang["language"], gap["start"])
        for lang in report.json()["languages"]
        for gap in lang["gaps"]
    ]
    assert gaps, "the sample teams leave some language uncovered"

    page = await client.get("/ops/coverage", params=query)
    assert page.status_code == 200
    assert page.text.count('<tr class="gap-row">') == len(gaps)
    assert page.text.count('<table class="heatmap">') == len(report.json()["languages"])
    assert 'class="gap' in page.text and 'aria-current="page">Coverage' in page.text

    exported = await client.get("/ops/coverage.csv", params=query)
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [(row["language"], row["start_utc"]) for row in rows] == [
        (language, start.replace("Z", "+00:00")) for language, start in gaps
    ]


async def test_a_dst_week_shows_its_short_day(
    client: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await _sign_in(client, sessions, "lead")
    page = await client.get("/ops/coverage", params={"week": "2026-W13", "zone": "Europe/Berlin"})
    assert page.status_code == 200
    assert "(23 hours: the clocks change)" in page.text
    assert "skipped by the clocks" in page.text


async def test_bad_input_is_shown_next_to_its_field(
    client: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await _sign_in(client, sessions, "ops")
    page = await client.get("/ops/coverage", params={"zone": "Mars/Olympus", "week": "soon"})
    assert page.status_code == 422
    assert 'id="zone" name="zone" dir="ltr" aria-invalid="true"' in page.text
    assert 'id="week-error"' in page.text
    refused = await client.get("/ops/coverage.csv", params={"language": "zz-Qqqq-99"})
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")


async def test_agents_and_translators_are_refused(
    client: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await _sign_in(client, sessions, "translator")
    assert (await client.get("/ops/coverage")).status_code == 403


async def test_translators_see_every_catalog_weighted_by_demand(
    client: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    filed = await client.post(
        "/api/v1/cases",
        json={
            "text": "Mi pedido llegó roto y nadie responde.",
            "contact": {"email": "e@example.com"},
        },
    )
    assert filed.status_code == 201
    await _sign_in(client, sessions, "translator")
    page = await client.get("/translate")
    assert page.status_code == 200
    assert page.text.count('<th scope="row">') == len(SUPPORTED)
    assert "1 complaint in the last 30 days." in page.text
    assert 'aria-current="page">Translations' in page.text
