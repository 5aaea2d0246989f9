"""The dashboard over a seeded month of synthetic complaints: its tables, CSVs and charts hold
the numbers the cases make; a bad period is shown next to its field."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.db.models import Case, CaseEvent
from tests.conftest import Clock
from tests.integration.teams.test_coverage_page import _sign_in
from tests.support.synthetic import synthetic_case

Client = AsyncTestClient[Litestar]
LANGUAGES = ("en", "ja", "de", "und")
TEAMS = ("dublin", "tokyo")


async def seed_month(sessions: async_sessionmaker[AsyncSession], now: datetime) -> list[dict]:
    """Four complaints a day for the 30 days up to `now`, all resolved (so no inbox shows them):
    languages and teams in turn, every fifth late to its first response, every seventh
    escalated, every third rated."""
    rows = []
    for n in range(120):
        row = synthetic_case(n, TEAMS[n % 2], now, language=LANGUAGES[n % 4])
        created = now - timedelta(days=n // 4, hours=n % 4)
        row.update(
            created_at=created,
            status="resolved",
            claimed_by=None,
            first_responded_at=created + timedelta(minutes=30),
            resolved_at=created + timedelta(hours=20),
            first_response_breached_at=created + timedelta(hours=1) if n % 5 == 0 else None,
            escalation_level=1 if n % 7 == 0 else 0,
            csat_score=(n % 5) + 1 if n % 3 == 0 else None,
            language_decided_by="override" if n % 10 == 1 else "statistics",
        )
        rows.append(row)
    async with sessions() as session, session.begin():
        await session.execute(insert(Case), rows)
        first = await session.scalar(select(Case.id).order_by(Case.id))
        session.add(
            CaseEvent(
                case_id=first,
                at=now - timedelta(days=2, hours=3),
                kind="handed_off",
                actor="meridian",
                data={"from": "dublin", "team": "new-york", "note": ""},
            )
        )
    return rows


async def test_the_tables_and_charts_hold_the_seeded_numbers(
    client: Client, sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    rows = await seed_month(sessions, clock.now)
    await _sign_in(client, sessions, "ops")
    page = await client.get("/dashboard/", params={"zone": "UTC"})
    assert page.status_code == 200
    assert "120 complaints filed in the period" in page.text
    assert page.text.count('class="chart"') == 3

    exported = await client.get("/dashboard/tables/complaints.csv", params={"zone": "UTC"})
    table = list(csv.DictReader(io.StringIO(exported.text)))
    assert len(table) == 30
    assert sum(int(row["language:ja"]) for row in table) == 30
    breaches = list(
        csv.DictReader(io.StringIO((await client.get("/dashboard/tables/breaches.csv")).text))
    )
    assert sum(int(row["first_response_breaches"]) for row in breaches) == 24
    assert sum(int(row["escalations"]) for row in breaches) == len(
        [r for r in rows if r["escalation_level"]]
    )
    sla = {
        (row["scope"], row["key"]): row
        for row in csv.DictReader(io.StringIO((await client.get("/dashboard/tables/sla.csv")).text))
    }
    dublin = sla[("team", "dublin")]
    # Dublin has the even complaints; every tenth of all (0, 10, …) was late: 12 of its 60.
    assert (dublin["first_response_met"], dublin["first_response_decided"]) == ("48", "60")
    assert (dublin["resolution_met"], dublin["resolution_decided"]) == ("60", "60")
    detection = (await client.get("/dashboard/tables/detection.csv")).text.splitlines()
    assert detection == ["complaints,undetermined,overridden", "120,30,12"]
    handoffs = (await client.get("/dashboard/tables/handoffs.csv")).text.splitlines()
    assert handoffs[1:] == ["dublin,new-york,0,1"]

    chart = await client.get("/dashboard/charts/sla.svg")
    assert chart.headers["content-type"].startswith("image/svg+xml")
    assert chart.headers["content-security-policy"].startswith("default-src 'none'")
    assert "<svg" in chart.text and "dublin" in chart.text
    assert (await client.get("/dashboard/charts/pie.svg")).status_code == 404


async def test_a_bad_period_is_shown_next_to_its_field(
    client: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await _sign_in(client, sessions, "lead")
    page = await client.get("/dashboard/", params={"from": "2026-12-01", "to": "2026-11-01"})
    assert page.status_code == 422
    assert 'id="from-error"' in page.text
    page = await client.get("/dashboard/", params={"to": "yesterday", "zone": "Nowhere/Land"})
    assert page.status_code == 422
    assert 'id="to-error"' in page.text and 'id="zone-error"' in page.text
