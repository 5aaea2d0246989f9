"""Evidence in a real browser: a customer files a complaint with a screenshot through the form,
sees it listed on their status page, and the agent of the team sees its thumbnail (and can
remove it); both pages pass an axe-core check. A program renamed .png is refused on the form,
in the page's language."""

from __future__ import annotations

import io
import re

import httpx
import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from tests.browser.conftest import OPS_KEY, LiveServer
from tests.browser.test_workspace import _accessible, _add, _sign_in

pytestmark = pytest.mark.browser

STATUS_PATH = re.compile(r"/cases/(MRD-[0-9A-Z]{6})\?token=")
COMPLAINT = "我的訂單付款後一直顯示未付款，請看附上的截圖。"


def screenshot_png() -> bytes:
    image = Image.new("RGB", (320, 200), (240, 240, 240))
    image.paste((200, 40, 40), (20, 20, 300, 60))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def test_a_customer_sends_a_screenshot_and_the_agent_sees_its_thumbnail(
    page: Page, live_server: LiveServer
) -> None:
    page.goto(f"{live_server.base_url}/?lang=zh_Hant")
    page.locator("#text").fill(COMPLAINT)
    page.locator("#email").fill("hsu@example.com")
    page.locator("#files").set_input_files(
        [{"name": "付款畫面.png", "mimeType": "image/png", "buffer": screenshot_png()}]
    )
    _accessible(page, "form-with-files-zh_Hant")
    page.locator("button[type=submit]").click()
    page.wait_for_url(STATUS_PATH)
    found = STATUS_PATH.search(page.url)
    assert found is not None
    reference, status_page = found.group(1), page.url
    files = page.get_by_test_id("files")
    expect(files).to_contain_text("付款畫面.png")
    expect(page.locator(".timeline")).to_contain_text("付款畫面.png")
    _accessible(page, "status-with-files-zh_Hant")
    with page.expect_download() as download:
        files.get_by_role("link", name="付款畫面.png").click()
    assert download.value.suggested_filename == "付款畫面.png"

    detail = httpx.get(
        f"{live_server.base_url}/api/v1/cases/{reference}/detail", headers={"X-Ops-Key": OPS_KEY}
    ).json()
    _add(live_server, "hsu-agent@example.com", (detail["team"],))
    _sign_in(page, live_server, "hsu-agent@example.com")
    page.wait_for_url(re.compile(r"/team/?$"))
    page.goto(f"{live_server.base_url}/team/cases/{reference}")
    thumbnail = page.get_by_test_id("thumbnail")
    expect(thumbnail).to_be_visible()
    expect(thumbnail).to_have_attribute("alt", "付款畫面.png")
    width = thumbnail.evaluate("image => image.complete && image.naturalWidth")
    assert width == 240  # a 320 × 200 screenshot, scaled to the thumbnail's 240 px
    _accessible(page, "team-case-with-files")

    page.get_by_role("button", name="Remove 付款畫面.png").click()
    expect(page.get_by_test_id("thumbnail")).to_have_count(0)
    expect(page.get_by_test_id("files")).to_have_count(0)
    page.goto(status_page)
    expect(page.get_by_test_id("files")).to_have_count(0)
    expect(page.locator(".timeline")).to_contain_text("已移除檔案：付款畫面.png")


def test_a_program_named_png_is_refused_on_the_form(page: Page, live_server: LiveServer) -> None:
    cases_before = live_server.count_cases()
    page.goto(f"{live_server.base_url}/?lang=de")
    page.locator("#text").fill("Die Rechnung ist doppelt abgebucht worden.")
    page.locator("#email").fill("jonas@example.de")
    program = b"MZ\x90\x00" + bytes(300)
    page.locator("#files").set_input_files(
        [{"name": "rechnung.png", "mimeType": "image/png", "buffer": program}]
    )
    page.locator("button[type=submit]").click()
    error = page.locator("#files-error")
    expect(error).to_be_visible()
    expect(error).not_to_contain_text("cannot take")  # German, not English
    expect(page.locator("#files")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#text")).to_have_value("Die Rechnung ist doppelt abgebucht worden.")
    assert live_server.count_cases() == cases_before
    _accessible(page, "form-file-refused-de")


def test_a_large_file_goes_up_with_a_progress_bar_from_the_status_page(
    page: Page, live_server: LiveServer
) -> None:
    filed = httpx.post(
        f"{live_server.base_url}/api/v1/cases",
        json={"text": "The invoice for May is wrong.", "contact": {"email": "kim@example.com"}},
    )
    assert filed.status_code == 201, filed.text
    page.goto(filed.json()["status_url"])
    page.locator("#message").fill("Here is the statement from my bank.")
    statement = ("2026-05-01 Meridian Store -89.90 EUR\n" * 40_000).encode()  # 1.5 MB of text
    page.locator("#files").set_input_files(
        [{"name": "statement.txt", "mimeType": "text/plain", "buffer": statement}]
    )
    sent_by_script: list[str] = []
    page.on(
        "request",
        lambda request: (
            sent_by_script.append(request.method) if request.resource_type == "xhr" else None
        ),
    )
    page.get_by_role("button", name="Send message").click()
    expect(page.get_by_test_id("files")).to_contain_text("statement.txt")
    expect(page.get_by_test_id("notice")).to_be_visible()
    # upload-progress.js sent it (and followed the redirect), with its progress bar
    assert sent_by_script == ["POST", "GET"]
