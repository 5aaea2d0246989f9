"""The team workspace in a real browser: an agent signs in, finds a new case in the inbox,
claims, replies and resolves it; the customer sees the reply and the summary; every page passes
an axe-core check; another team's agent cannot open the case."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from service.accounts.services import NewAccount, add_account
from service.db.engine import create_engine, session_factory
from tests.browser.conftest import LiveServer
from tests.conftest import run_async

pytestmark = pytest.mark.browser

SCREENSHOTS = Path("/tmp/meridian-screenshots")
PASSWORD = "correct horse battery staple"
COMPLAINT = "我的帳號被鎖住了，已經三天無法登入，請儘快幫我處理。"
ANSWER = "您好，我們正在為您解除帳號鎖定。"
SUMMARY = "您的帳號已解鎖，請重新登入。"
NOTE = "Checked the sign-in logs: locked after five wrong passwords."
BLOCKING = {"serious", "critical"}


def _add(
    server: LiveServer, email: str, teams: tuple[str, ...], role: str = "agent", region: str = ""
) -> None:
    async def add() -> None:
        engine = create_engine(f"sqlite+aiosqlite:///{server.database}")
        new = NewAccount(email, role, teams, region or None)
        try:
            async with session_factory(engine)() as session, session.begin():
                await add_account(session, new, PASSWORD)
        finally:
            await engine.dispose()

    run_async(add())


def _accessible(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    violations = Axe().run(page).response["violations"]
    blocking = [(v["id"], v["impact"]) for v in violations if v["impact"] in BLOCKING]
    assert blocking == [], f"{name}: {blocking}"


def _sign_in(page: Page, server: LiveServer, email: str) -> None:
    page.goto(f"{server.base_url}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


@pytest.fixture(scope="module")
def filed(live_server: LiveServer) -> dict[str, str]:
    _add(live_server, "wen@example.com", ("shanghai", "taipei"))
    _add(live_server, "ana@example.com", ("sao-paulo",))
    response = httpx.post(
        f"{live_server.base_url}/api/v1/cases",
        json={
            "text": COMPLAINT,
            "contact": {"email": "mei@example.com"},
            "timezone": "Asia/Taipei",
            "country": "TW",
        },
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_an_agent_works_a_case_from_inbox_to_resolution(
    page: Page, live_server: LiveServer, filed: dict[str, str]
) -> None:
    reference = filed["reference"]
    _sign_in(page, live_server, "wen@example.com")
    page.wait_for_url(re.compile(r"/team/?$"))
    expect(page.locator("h1")).to_have_text("Team inbox")
    case_link = page.get_by_role("link", name=reference)
    expect(case_link).to_be_visible()
    expect(page.locator("[data-testid=inbox-row]").filter(has_text=reference)).to_contain_text(
        "我的帳號被鎖住了"
    )
    _accessible(page, "team-inbox")

    case_link.click()
    expect(page.get_by_test_id("complaint")).to_have_text(COMPLAINT)
    _accessible(page, "team-case")

    page.get_by_role("button", name="Claim").click()
    expect(page.get_by_test_id("claimed-by")).to_have_text("wen@example.com")
    page.get_by_label("Reply").fill(ANSWER)
    page.get_by_role("button", name="Send reply").click()
    expect(page.get_by_test_id("notice")).to_have_text("Done.")
    page.get_by_label("Internal note").fill(NOTE)
    page.get_by_role("button", name="Add note").click()
    expect(page.get_by_test_id("note")).to_have_text(NOTE)
    page.get_by_label("Resolution summary").fill(SUMMARY)
    page.get_by_role("button", name="Resolve").click()
    expect(page.get_by_test_id("status")).to_have_text("Resolved")

    status = httpx.get(
        f"{live_server.base_url}/api/v1/cases/{reference}",
        params={"token": filed["access_token"]},
    )
    timeline = status.json()["timeline"]
    assert status.json()["status"] == "resolved"
    assert [entry["body"] for entry in timeline if entry["kind"] == "reply"] == [ANSWER]
    assert any(SUMMARY in (entry["text"] + (entry["body"] or "")) for entry in timeline)
    assert NOTE not in status.text

    page.get_by_role("button", name="Reopen").click()
    expect(page.get_by_test_id("status")).to_have_text("In progress")


def test_the_sign_in_page_is_accessible_and_says_when_the_password_is_wrong(
    page: Page, live_server: LiveServer
) -> None:
    page.goto(f"{live_server.base_url}/login")
    _accessible(page, "sign-in")
    page.get_by_label("Email").fill("wen@example.com")
    page.get_by_label("Password").fill("not the password at all")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("sign-in-problem")).to_have_text("Wrong email or password.")


def test_an_agent_of_another_team_cannot_open_the_case(
    browser: Browser, live_server: LiveServer, filed: dict[str, str]
) -> None:
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    _sign_in(page, live_server, "ana@example.com")
    page.wait_for_url(re.compile(r"/team/?$"))
    expect(page.get_by_role("link", name=filed["reference"])).to_have_count(0)
    response = page.goto(f"{live_server.base_url}/team/cases/{filed['reference']}")
    assert response is not None and response.status == 403
    context.close()


def test_a_new_case_appears_in_the_open_inbox_without_a_reload(
    browser: Browser, live_server: LiveServer, filed: dict[str, str]
) -> None:
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    _sign_in(page, live_server, "wen@example.com")
    page.wait_for_url(re.compile(r"/team/?$"))
    page.evaluate("window.stillTheSamePage = true")

    arrived = httpx.post(
        f"{live_server.base_url}/api/v1/cases",
        json={
            "text": "我的訂單三週了還沒有送到，請幫我查詢。",
            "contact": {"email": "lee@example.com"},
        },
    )
    assert arrived.status_code == 201, arrived.text

    expect(page.get_by_role("link", name=arrived.json()["reference"])).to_be_visible(timeout=20_000)
    assert page.evaluate("window.stillTheSamePage") is True
    context.close()


def test_a_transferred_case_leaves_the_team(
    browser: Browser, live_server: LiveServer, filed: dict[str, str]
) -> None:
    moved = httpx.post(
        f"{live_server.base_url}/api/v1/cases",
        json={"text": "我的帳號被盜用了，請立即協助。", "contact": {"email": "kao@example.com"}},
    )
    reference = moved.json()["reference"]
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    _sign_in(page, live_server, "wen@example.com")
    page.goto(f"{live_server.base_url}/team/cases/{reference}")
    page.get_by_label("Transfer to").select_option("tokyo")
    page.get_by_role("button", name="Transfer").click()

    response = page.goto(f"{live_server.base_url}/team/cases/{reference}")
    assert response is not None and response.status == 403
    page.goto(f"{live_server.base_url}/team/")
    expect(page.get_by_role("link", name=reference)).to_have_count(0)
    context.close()


def test_a_lead_reassigns_a_case_from_the_region_inbox(
    browser: Browser, live_server: LiveServer, filed: dict[str, str]
) -> None:
    _add(live_server, "lead@example.com", (), role="lead", region="APAC")
    arrived = httpx.post(
        f"{live_server.base_url}/api/v1/cases",
        json={"text": "我的退款還沒到帳，請協助確認。", "contact": {"email": "chen@example.com"}},
    )
    reference = arrived.json()["reference"]
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    _sign_in(page, live_server, "lead@example.com")
    page.wait_for_url(re.compile(r"/team/?$"))
    expect(page.locator("#queue-tokyo")).to_be_visible()  # every team of the region
    _accessible(page, "lead-inbox")

    row = page.locator("[data-testid=inbox-row]").filter(has_text=reference)
    row.get_by_label("Reassign to").select_option("tokyo")
    row.get_by_role("button", name="Reassign").click()

    expect(page.get_by_test_id("notice")).to_have_text("Done.")
    tokyo = page.locator("section").filter(has=page.locator("#queue-tokyo"))
    expect(tokyo.get_by_role("link", name=reference)).to_be_visible()
    context.close()
