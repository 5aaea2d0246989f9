"""The customer pages in a real browser: filing, errors, status, languages, no JavaScript."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import OPS_KEY, LiveServer, screenshot

pytestmark = pytest.mark.browser

TRADITIONAL_COMPLAINT = "我的帳號被鎖住了，已經三天無法登入，請儘快幫我處理。"
STATUS_PATH = re.compile(r"/cases/(MRD-[0-9A-Z]{6})\?token=")


def _file(page: Page, server: LiveServer, lang: str, text: str, email: str) -> str:
    """File a complaint through the form; returns the status page's address."""
    page.goto(f"{server.base_url}/?lang={lang}")
    page.locator("#text").fill(text)
    page.locator("#email").fill(email)
    page.locator("button[type=submit]").click()
    page.wait_for_url(STATUS_PATH)
    return page.url


def test_traditional_chinese_complaint_lands_on_its_status_page(
    page: Page, live_server: LiveServer
) -> None:
    response = page.goto(f"{live_server.base_url}/?lang=zh_Hant")
    assert response is not None
    assert "default-src 'self'" in response.headers["content-security-policy"]
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hant")
    expect(page.locator("h1")).to_have_text("提交投訴")
    expect(page.locator("#timezone")).to_have_value("Asia/Taipei")  # filled by timezone.js
    page.locator("#text").fill(TRADITIONAL_COMPLAINT)
    page.locator("#email").fill("mei@example.com")
    page.locator("#name").fill("林美")
    page.locator("#country").select_option("TW")
    page.locator("#category").select_option("account")
    screenshot(page, "form-zh_Hant")

    page.locator("button[type=submit]").click()
    page.wait_for_url(STATUS_PATH)

    found = STATUS_PATH.search(page.url)
    assert found is not None
    reference = found.group(1)
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hant")
    expect(page.get_by_test_id("reference")).to_have_text(reference)
    expect(page.locator("main")).to_contain_text("投訴編號")
    expect(page.locator(".timeline")).to_contain_text("已收到投訴")
    expect(page.locator("main")).to_contain_text("Asia/Taipei")
    screenshot(page, "status-zh_Hant")


def test_agent_reply_appears_on_the_status_page(page: Page, live_server: LiveServer) -> None:
    status_url = _file(page, live_server, "zh_Hant", TRADITIONAL_COMPLAINT, "lin@example.com")
    found = STATUS_PATH.search(status_url)
    assert found is not None
    reference = found.group(1)
    team_name = page.locator(".case-facts dd").nth(2).inner_text()
    answer = "您好，我們已為您解除帳號鎖定，請重新登入。"
    replied = httpx.post(
        f"{live_server.base_url}/api/v1/cases/{reference}/replies",
        json={"body": answer, "agent": "wen"},
        headers={"X-Ops-Key": OPS_KEY},
    )
    assert replied.status_code == 201, replied.text

    page.reload()

    expect(page.locator(".timeline .reply")).to_have_text(answer)
    expect(page.locator(".timeline-reply .timeline-what")).to_contain_text(team_name)
    screenshot(page, "status-reply-zh_Hant")


def test_arabic_page_is_right_to_left(page: Page, live_server: LiveServer) -> None:
    page.goto(f"{live_server.base_url}/?lang=ar")

    expect(page.locator("html")).to_have_attribute("lang", "ar")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("h1")).to_have_text("تقديم شكوى")
    screenshot(page, "form-ar")


def test_empty_text_shows_a_localized_error_and_stores_nothing(
    page: Page, live_server: LiveServer
) -> None:
    cases_before = live_server.count_cases()
    page.goto(f"{live_server.base_url}/?lang=de")
    page.locator("#email").fill("kunde@example.com")
    page.locator("#name").fill("Erika Mustermann")

    with page.expect_response(lambda response: response.request.method == "POST") as posted:
        page.locator("button[type=submit]").click()

    assert posted.value.status == 422
    expect(page.locator("html")).to_have_attribute("lang", "de")
    describe = "Bitte beschreiben Sie Ihre Beschwerde."
    expect(page.locator("#text-error")).to_have_text(describe)
    expect(page.locator("#text")).to_have_attribute("aria-invalid", "true")
    summary = page.locator(".error-summary")
    expect(summary.locator("h2")).to_have_text(
        "Ihre Beschwerde wurde noch nicht gesendet. Bitte prüfen Sie die folgenden Angaben."
    )
    expect(summary.locator("a[href='#text']")).to_have_text(describe)
    expect(page.locator("#email")).to_have_value("kunde@example.com")
    expect(page.locator("#name")).to_have_value("Erika Mustermann")
    assert live_server.count_cases() == cases_before
    screenshot(page, "form-error-de")


def test_wrong_token_and_unknown_case_get_the_same_localized_404(
    browser: Browser, live_server: LiveServer
) -> None:
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    status_url = _file(page, live_server, "fr", "Ma facture est fausse.", "client@example.com")
    wrong_token = STATUS_PATH.sub(r"/cases/\1?token=", status_url) + "not-the-token"

    wrong = page.goto(wrong_token)
    assert wrong is not None
    assert wrong.status == 404
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator("h1")).to_have_text("Page introuvable")
    wrong_body = page.locator("main").inner_text()

    unknown = page.goto(f"{live_server.base_url}/cases/MRD-000000?token=not-the-token")
    assert unknown is not None
    assert unknown.status == 404
    assert page.locator("main").inner_text() == wrong_body
    context.close()


def test_language_switcher_changes_the_language(page: Page, live_server: LiveServer) -> None:
    page.goto(f"{live_server.base_url}/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("File a complaint")

    page.locator("nav.languages").get_by_role("link", name="日本語").click()

    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(page.locator("h1")).to_have_text("お申し出フォーム")
    expect(page.locator('nav.languages a[aria-current="page"]')).to_have_text("日本語")


def test_the_form_works_without_javascript(browser: Browser, live_server: LiveServer) -> None:
    context = browser.new_context(java_script_enabled=False, locale="es-ES")
    page = context.new_page()
    page.goto(f"{live_server.base_url}/")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator("#timezone")).to_have_value("")

    status_url = _file(page, live_server, "es", "El pedido llegó roto.", "cliente@example.com")

    assert STATUS_PATH.search(status_url)
    expect(page.locator(".timeline")).to_contain_text("Reclamación recibida")
    context.close()
