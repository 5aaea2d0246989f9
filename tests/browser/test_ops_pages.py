"""Ops pages in a real browser: the coverage heatmap shows a language left alone at the weekend
in red and lists the gap; the dashboard draws its charts for a seeded month beside their tables;
the staffing planner shows a bad field and its tables; every page passes an axe-core check."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from service.db.engine import create_engine, session_factory
from tests.browser.conftest import SERVICE_NOW, LiveServer
from tests.browser.test_workspace import _accessible, _add, _sign_in
from tests.conftest import run_async
from tests.integration.teams.test_dashboard import seed_month

pytestmark = pytest.mark.browser
GAP_RED = "rgb(248, 212, 212)"


def test_ops_sees_the_weekend_gap_of_korean(page: Page, live_server: LiveServer) -> None:
    _add(live_server, "ops@example.com", (), role="ops")
    _sign_in(page, live_server, "ops@example.com")
    page.get_by_role("link", name="Coverage").click()
    expect(page.get_by_role("heading", name="Coverage", level=1)).to_be_visible()
    page.get_by_label("Week").fill("2026-W50")
    page.get_by_label("Time zone").select_option("Asia/Tokyo")
    page.get_by_label("Language").fill("ko")
    page.get_by_role("button", name="Show").click()

    korean = page.get_by_role("table", name=re.compile("Seats on duty for Korean"))
    saturday = korean.get_by_role("row", name=re.compile("^Sat"))
    cells = saturday.get_by_role("cell")
    expect(cells).to_have_count(24)
    for hour in (0, 12, 23):
        expect(cells.nth(hour)).to_have_class(re.compile(r"\bgap\b"))
        expect(cells.nth(hour)).to_have_css("background-color", GAP_RED)
    monday_noon = korean.get_by_role("row", name=re.compile("^Mon")).get_by_role("cell").nth(12)
    expect(monday_noon).to_have_class(re.compile(r"\bcovered\b"))
    expect(monday_noon).to_contain_text("Tokyo")

    gaps = page.locator("tr.gap-row", has_text="Korean")
    expect(gaps.first).to_be_visible()
    hours = [float(row.locator("td").nth(3).inner_text()) for row in gaps.all()]
    assert max(hours) >= 48, hours  # the whole weekend, at least
    expect(page.get_by_role("link", name="Download the gaps (CSV)")).to_have_attribute(
        "href", "/ops/coverage.csv?week=2026-W50&zone=Asia/Tokyo&language=ko"
    )
    _accessible(page, "ops-coverage-ko")


def test_ops_reads_a_month_on_the_dashboard(page: Page, live_server: LiveServer) -> None:
    async def seed() -> None:
        engine = create_engine(f"sqlite+aiosqlite:///{live_server.database}")
        try:
            await seed_month(session_factory(engine), SERVICE_NOW)
        finally:
            await engine.dispose()

    run_async(seed())
    _add(live_server, "ops-dashboard@example.com", (), role="ops")
    _sign_in(page, live_server, "ops-dashboard@example.com")
    page.get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()
    for chart in page.locator("img.chart").all():
        expect(chart).to_have_js_property("complete", True)
        assert chart.evaluate("image => image.naturalWidth") > 0, chart.get_attribute("src")
    sla = page.get_by_role("table").filter(has_text="First response in time")
    expect(sla.get_by_role("row").filter(has_text="Tokyo")).to_contain_text("(")
    expect(page.get_by_role("term").filter(has_text="Language not detected")).to_be_visible()
    _accessible(page, "ops-dashboard")


def test_ops_sees_where_staffing_falls_short(page: Page, live_server: LiveServer) -> None:
    _add(live_server, "ops-staffing@example.com", (), role="ops")
    _sign_in(page, live_server, "ops-staffing@example.com")
    page.get_by_role("link", name="Staffing").click()
    expect(page.get_by_role("heading", name="Staffing", level=1)).to_be_visible()
    page.get_by_label("Language").fill("zz-Qqqq-99")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_label("Language")).to_have_attribute("aria-invalid", "true")
    page.get_by_label("Language").fill("ja")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("section.heatmap-section").first).to_be_visible()
    _accessible(page, "ops-staffing")


def test_ops_adds_an_overnight_window_and_the_heatmap_changes(
    page: Page, live_server: LiveServer
) -> None:
    _add(live_server, "ops-calendar@example.com", (), role="ops")
    _sign_in(page, live_server, "ops-calendar@example.com")
    coverage = f"{live_server.base_url}/ops/coverage?week=2026-W50&zone=Asia/Tokyo&language=ko"
    page.goto(coverage)
    saturday_late = (
        page.get_by_role("table", name=re.compile("Seats on duty for Korean"))
        .get_by_role("row", name=re.compile("^Sat"))
        .get_by_role("cell")
        .nth(23)
    )
    expect(saturday_late).to_have_class(re.compile(r"\bgap\b"))

    page.get_by_role("link", name="Teams").click()
    page.get_by_role("link", name="Edit the calendar (Tokyo)").click()
    page.get_by_label("Sat", exact=True).fill("22:00-06:00")
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("heading", name="Preview: not saved yet")).to_be_visible()
    expect(page.locator("td.added")).to_have_count(8)  # Saturday 22–24, Sunday 00–06
    _accessible(page, "ops-calendar-preview")
    page.get_by_role("button", name="Save the calendar").click()
    expect(page.get_by_test_id("notice")).to_contain_text("The calendar is saved")

    page.goto(coverage)
    expect(saturday_late).to_have_class(re.compile(r"\bcovered\b"))
    expect(saturday_late).to_contain_text("Tokyo")
