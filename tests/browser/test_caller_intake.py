"""An agent files a phone complaint for a caller in a real browser: the page passes an
axe-core check, the case is routed, and its page says the channel and who filed it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer
from tests.browser.test_workspace import _accessible, _add, _sign_in

pytestmark = pytest.mark.browser

SUMMARY = "Caller's account is locked after a password reset; she cannot sign in since Monday."
EVERY_TEAM = ("shanghai", "taipei", "tokyo", "manila", "dubai", "dublin", "new-york", "sao-paulo")
"""The agent's teams: whichever team on duty the router picks (it weighs their loads, which
the other browser tests change), the agent lands on the case."""


def test_an_agent_files_a_phone_complaint_for_a_caller(page: Page, live_server: LiveServer) -> None:
    _add(live_server, "phone-desk@example.com", EVERY_TEAM)
    _sign_in(page, live_server, "phone-desk@example.com")
    page.wait_for_url(re.compile(r"/team/?$"))
    page.get_by_role("link", name="File for a customer").click()
    expect(page.locator("h1")).to_have_text("File a complaint for a customer")
    _accessible(page, "team-file-complaint")

    page.get_by_label("Phone call").check()
    page.get_by_label("Customer's e-mail address").fill("yu@example.com.tw")
    page.get_by_label("Customer's language").select_option("zh-Hant")
    page.get_by_label("The complaint").fill(SUMMARY)
    page.get_by_role("button", name="File the complaint").click()

    page.wait_for_url(re.compile(r"/team/cases/MRD-"))
    notice = page.get_by_test_id("notice")
    expect(notice).to_contain_text("The customer gets the acknowledgement in their language")
    # Written in English, routed by the chosen language: a team that reads Traditional Chinese.
    expect(page.locator("main")).to_contain_text("Chinese (Traditional)")
    expect(page.get_by_test_id("channel")).to_contain_text("Phone call")
    expect(page.get_by_test_id("channel")).to_contain_text("filed by phone-desk@example.com")
    _accessible(page, "team-case-phone")
