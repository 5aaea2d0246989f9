"""Privacy rights: the customer downloads their data and erases it (status page or API with
the case's token), an administrator does the same by address, and a daily job erases the
personal data of cases resolved more than the retention period ago. Statistics stay."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.cases.privacy import ERASED, apply_retention
from service.db.models import Case, CaseEvent, Reply
from tests.conftest import Clock
from tests.integration.conftest import OPS_KEY

Client = AsyncTestClient[Litestar]
Sessions = async_sessionmaker[AsyncSession]
OPS = {"X-Ops-Key": OPS_KEY}
EMAIL = "jonas.meyer@example.de"
TEXT = "Meine Bestellung 4711 ist beschädigt angekommen. Bitte ersetzen Sie sie."


async def _filed(client: Client) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/cases",
        json={
            "text": TEXT,
            "contact": {"email": EMAIL, "name": "Jonas Meyer", "phone": "+49 30 1234567"},
        },
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def _work(client: Client, reference: str, *steps: tuple[str, dict[str, Any]]) -> None:
    for action, body in steps:
        done = await client.post(
            f"/api/v1/cases/{reference}/{action}", json={"agent": "ana", **body}, headers=OPS
        )
        assert done.status_code in (200, 201), done.text


async def _stored(sessions: Sessions, reference: str) -> Case:
    async with sessions() as session:
        case = await session.scalar(select(Case).where(Case.reference == reference))
        assert case is not None
        return case


async def test_the_customer_downloads_and_erases_their_data(
    client: Client, sessions: Sessions
) -> None:
    filed = await _filed(client)
    reference, token = filed["reference"], filed["access_token"]
    await _work(
        client,
        reference,
        ("replies", {"body": "Wir senden Ihnen Ersatz, Herr Meyer."}),
        ("notes", {"text": "Jonas Meyer called twice about order 4711."}),
    )
    auth = {"Authorization": f"Bearer {token}"}

    exported = await client.get(f"/api/v1/cases/{reference}/export", headers=auth)
    assert exported.status_code == 200
    data = exported.json()
    assert (data["contact"]["email"], data["complaint"]) == (EMAIL, TEXT)
    assert data["messages"][0]["text"] == "Wir senden Ihnen Ersatz, Herr Meyer."
    assert "called twice" not in exported.text  # internal notes are the team's, not exported
    assert (await client.get(f"/api/v1/cases/{reference}/export")).status_code == 404

    erased = await client.post(f"/api/v1/cases/{reference}/erase", headers=auth)
    assert erased.status_code == 200 and erased.json()["erased"] is True
    assert (await client.get(f"/api/v1/cases/{reference}", headers=auth)).status_code == 404

    case = await _stored(sessions, reference)
    assert EMAIL not in case.contact_email and case.text == ERASED
    assert (case.contact_name, case.contact_phone) == (None, None)
    assert (case.language, case.category) == ("de", case.category)  # statistics stay
    async with sessions() as session:
        bodies = (await session.scalars(select(Reply.body).where(Reply.case_id == case.id))).all()
        events = (
            await session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id))
        ).all()
    assert set(bodies) == {ERASED}
    assert not any("Meyer" in json.dumps(e.data, ensure_ascii=False) for e in events)
    assert events[-1].kind == "erased"


async def test_the_status_page_erases_only_once_confirmed(
    client: Client, sessions: Sessions
) -> None:
    filed = await _filed(client)
    reference, token = filed["reference"], filed["access_token"]
    page = await client.get(f"/cases/{reference}", params={"token": token})
    assert 'name="confirm"' in page.text and f"/api/v1/cases/{reference}/export" in page.text

    unconfirmed = await client.post(
        f"/cases/{reference}/erase",
        params={"token": token},
        data={"lang": "de"},
        follow_redirects=False,
    )
    assert unconfirmed.status_code == 303
    assert (await _stored(sessions, reference)).contact_email == EMAIL

    confirmed = await client.post(
        f"/cases/{reference}/erase", params={"token": token}, data={"confirm": "yes", "lang": "de"}
    )
    assert confirmed.status_code == 200
    assert '<html lang="de"' in confirmed.text
    assert (await _stored(sessions, reference)).contact_email != EMAIL


async def test_retention_erases_cases_resolved_long_ago_only(
    client: Client, sessions: Sessions, clock: Clock
) -> None:
    old, recent, still_open = [await _filed(client) for _ in range(3)]
    await _work(client, old["reference"], ("resolve", {"summary": "Ersatz versandt."}))
    clock.advance(timedelta(days=300))
    await _work(client, recent["reference"], ("resolve", {"summary": "Ersatz versandt."}))
    clock.advance(timedelta(days=100))  # old: resolved 400 days ago; recent: 100 days ago

    assert await apply_retention(sessions, clock.now, days=365) == 1
    assert await apply_retention(sessions, clock.now, days=365) == 0  # once
    assert (await _stored(sessions, old["reference"])).text == ERASED
    assert (await _stored(sessions, recent["reference"])).text == TEXT
    assert (await _stored(sessions, still_open["reference"])).text == TEXT


async def test_a_retention_run_stops_after_its_batches_and_the_next_goes_on(
    client: Client, sessions: Sessions, clock: Clock
) -> None:
    filed = [await _filed(client) for _ in range(3)]
    for case in filed:
        await _work(client, case["reference"], ("resolve", {"summary": "Ersatz versandt."}))
    clock.advance(timedelta(days=400))

    assert await apply_retention(sessions, clock.now, days=365, batches=1, batch_size=2) == 2
    assert await apply_retention(sessions, clock.now, days=365, batches=1, batch_size=2) == 1
    assert await apply_retention(sessions, clock.now, days=365, batches=1, batch_size=2) == 0
    for case in filed:
        assert (await _stored(sessions, case["reference"])).text == ERASED


def test_an_administrator_exports_and_erases_by_address(tmp_path: Path) -> None:
    env = {
        "MERIDIAN_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'm.db'}",
        "MERIDIAN_VAR_DIR": str(tmp_path / "var"),
    }

    def meridian(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "service.cli", *args],
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=120,
        )

    assert meridian("db", "upgrade").returncode == 0
    exported = meridian("privacy", "export", "nobody@example.com")
    assert exported.returncode == 0 and json.loads(exported.stdout) == []
    erased = meridian("privacy", "erase", "nobody@example.com")
    assert erased.stdout == "erased the personal data of 0 case(s): -\n"
