"""The satisfaction survey on the status page of a resolved case, in a real browser."""

from __future__ import annotations

import sqlite3

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import OPS_KEY, LiveServer

pytestmark = pytest.mark.browser


def _resolved_case(server: LiveServer) -> tuple[str, str]:
    """A German complaint filed and resolved through the API: its reference and status page."""
    filed = httpx.post(
        f"{server.base_url}/api/v1/cases",
        json={
            "text": "Meine Rechnung ist doppelt abgebucht worden. Bitte erstatten Sie den Betrag.",
            "contact": {"email": "kunde@example.de"},
            "timezone": "Europe/Berlin",
        },
    )
    assert filed.status_code == 201, filed.text
    reference = filed.json()["reference"]
    for action, extra in (("claim", {}), ("resolve", {"summary": "Der Fehler ist behoben."})):
        done = httpx.post(
            f"{server.base_url}/api/v1/cases/{reference}/{action}",
            json={"agent": "siobhan", **extra},
            headers={"X-Ops-Key": OPS_KEY},
        )
        assert done.status_code == 200, done.text
    return reference, filed.json()["status_url"]


def test_the_customer_rates_a_resolved_case_on_its_status_page(
    page: Page, live_server: LiveServer
) -> None:
    reference, status_url = _resolved_case(live_server)
    page.goto(status_url)
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.get_by_test_id("survey-thanks")).to_have_count(0)

    page.get_by_label("Wie zufrieden sind Sie").select_option("4")
    page.get_by_label("Kommentar (optional)").fill("Schnell erledigt, danke.")
    page.get_by_role("button", name="Rückmeldung senden").click()

    expect(page.get_by_test_id("survey-thanks")).to_have_text(
        "Vielen Dank für Ihre Rückmeldung. Sie hilft uns, unseren Service zu verbessern."
    )
    assert f"/cases/{reference}?token=" in page.url
    expect(page.get_by_label("Wie zufrieden sind Sie")).to_have_value("4")
    with sqlite3.connect(live_server.database) as connection:
        stored = connection.execute(
            "SELECT csat_score, csat_comment FROM cases WHERE reference = ?", (reference,)
        ).fetchone()
    assert stored == (4, "Schnell erledigt, danke.")
