"""The team workspace in a real browser: an agent signs in, finds a new case in the inbox,
claims, replies and resolves it; the customer sees the reply and the summary; every page passes
an axe-core check; another team's agent cannot open the case."""

from __future__ import annotations

import re

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from service.accounts.services import NewAccount, add_account
from service.db.engine import create_engine, session_factory
from tests.browser.conftest import LiveServer, screenshot
from tests.conftest import run_async

pytestmark = pytest.mark.browser

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
    screenshot(page, name)
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
    page: Page, browser: Browser, live_server: LiveServer, filed: dict[str, str]
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
    page.get_by_role("button", name="Unclaim").click()
    expect(page.get_by_test_id("claimed-by")).to_have_text("—")
    page.get_by_role("button", name="Claim").click()
    expect(page.get_by_test_id("claimed-by")).to_have_text("wen@example.com")

    page.get_by_label("Reply").fill(ANSWER)
    page.get_by_role("button", name="Preview").click()
    preview = page.get_by_test_id("preview")
    expect(preview).to_contain_text(ANSWER)
    expect(preview).to_contain_text(reference)
    expect(page.get_by_label("Reply")).to_have_value(ANSWER)  # the draft is kept
    _accessible(page, "team-case-preview")
    page.get_by_role("button", name="Send reply").click()
    expect(page.get_by_test_id("notice")).to_have_text("Done.")
    page.get_by_label("Internal note").fill(NOTE)
    page.get_by_role("button", name="Add note").click()
    expect(page.get_by_test_id("note")).to_have_text(NOTE)
    page.get_by_label("Resolution summary").fill(SUMMARY)
    page.get_by_role("button", name="Resolve").click()
    expect(page.get_by_test_id("status")).to_have_text("Resolved")

    customer = browser.new_context(locale="zh-TW", timezone_id="Asia/Taipei").new_page()
    customer.goto(filed["status_url"])
    expect(customer.locator("html")).to_have_attribute("lang", "zh-Hant")
    expect(customer.get_by_test_id("status")).to_have_text("已解決")
    expect(customer.locator(".timeline-reply .reply")).to_have_text(ANSWER)
    expect(customer.locator(".timeline-resolved .reply")).to_have_text(SUMMARY)
    expect(customer.locator("main")).not_to_contain_text(NOTE)
    screenshot(customer, "customer-status-zh-Hant")
    customer.context.close()

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


def test_an_agent_is_warned_when_a_colleague_has_the_case_open(
    browser: Browser, live_server: LiveServer
) -> None:
    _add(live_server, "li@example.com", ("shanghai", "taipei"))
    arrived = httpx.post(
        f"{live_server.base_url}/api/v1/cases",
        json={"text": "我的發票金額不對，請幫我更正。", "contact": {"email": "hsu@example.com"}},
    )
    case_url = f"{live_server.base_url}/team/cases/{arrived.json()['reference']}"
    pages = []
    for email in ("wen@example.com", "li@example.com"):
        context = browser.new_context(locale="en-US")
        page = context.new_page()
        _sign_in(page, live_server, email)
        page.wait_for_url(re.compile(r"/team/?$"))
        page.goto(case_url)
        pages.append(page)
    first, second = pages
    expect(second.get_by_test_id("also-open")).to_contain_text("wen@example.com")
    # The first page learns of the second without a reload.
    expect(first.get_by_test_id("also-open")).to_contain_text("li@example.com", timeout=20_000)
    for page in pages:
        page.context.close()


def test_an_agent_makes_and_revokes_a_personal_token(
    page: Page, live_server: LiveServer, filed: dict[str, str]
) -> None:
    _sign_in(page, live_server, "wen@example.com")
    page.wait_for_url(re.compile(r"/team/?$"))
    page.get_by_role("link", name="My account").click()
    page.get_by_label("Token name").fill("CRM integration")
    page.get_by_role("button", name="Create token").click()
    token = page.get_by_test_id("new-token").locator(".one-time-secret").inner_text()
    assert token.startswith("mrd_pat_")
    _accessible(page, "my-account")

    queue = f"{live_server.base_url}/api/v1/teams/taipei/queue"
    bearer = {"Authorization": f"Bearer {token}"}
    assert httpx.get(queue, headers=bearer).status_code == 200
    page.goto(f"{live_server.base_url}/team/account")
    expect(page.get_by_test_id("new-token")).to_have_count(0)  # shown once only
    row = page.get_by_test_id("token-row").filter(has_text="CRM integration")
    row.get_by_role("button", name="Revoke CRM integration").click()
    expect(page.get_by_test_id("notice")).to_contain_text("revoked")
    assert httpx.get(queue, headers=bearer).status_code == 401


def test_an_agent_switches_the_workspace_to_their_language(
    browser: Browser, live_server: LiveServer
) -> None:
    _add(live_server, "kenji@example.com", ("tokyo",))
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    _sign_in(page, live_server, "kenji@example.com")
    page.goto(f"{live_server.base_url}/team/account")
    language = page.get_by_label("Language", exact=True)
    language.select_option("ja")
    page.locator("form").filter(has=language).get_by_role("button", name="Save").click()
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    page.goto(f"{live_server.base_url}/team/")
    expect(page.locator("h1")).not_to_have_text("Team inbox")
    _accessible(page, "team-inbox-ja")
    context.close()


def test_an_admin_adds_an_account_and_resets_its_password(
    browser: Browser, live_server: LiveServer
) -> None:
    _add(live_server, "root@example.com", (), role="admin")
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    _sign_in(page, live_server, "root@example.com")
    page.get_by_role("link", name="Accounts").click()
    page.get_by_label("Email").fill("nadia@example.com")
    page.get_by_label("Role").select_option("agent")
    page.get_by_label("Teams").fill("dubai")
    page.get_by_role("button", name="Add account").click()
    issued = page.get_by_test_id("one-time-password")
    expect(issued).to_contain_text("nadia@example.com")
    first_password = issued.locator(".one-time-secret").inner_text()
    _accessible(page, "accounts")

    page.get_by_role("button", name="Reset the password of nadia@example.com").click()
    second_password = page.get_by_test_id("one-time-password").locator(".one-time-secret")
    assert second_password.inner_text() != first_password

    agent = browser.new_context(locale="en-US").new_page()
    agent.goto(f"{live_server.base_url}/login")
    agent.get_by_label("Email").fill("nadia@example.com")
    agent.get_by_label("Password").fill(second_password.inner_text())
    agent.get_by_role("button", name="Sign in").click()
    agent.wait_for_url(re.compile(r"/team/?$"))
    expect(agent.locator("#queue-dubai")).to_be_visible()
    agent.context.close()
    context.close()
