"""The API documentation renders from the app's own assets, with every other host unreachable."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, Route, expect

from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser


def test_swagger_lists_the_operations_without_any_other_host(
    page: Page, live_server: LiveServer
) -> None:
    own_host = urlsplit(live_server.base_url).netloc
    elsewhere: list[str] = []

    def only_the_app(route: Route) -> None:
        if urlsplit(route.request.url).netloc == own_host:
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    page.route("**/*", only_the_app)
    page.goto(f"{live_server.base_url}/schema/swagger")

    intake = page.locator(".opblock-post").filter(has_text="/api/v1/cases").first
    expect(intake).to_be_visible()
    assert page.locator(".opblock").count() > 10
    assert elsewhere == []
