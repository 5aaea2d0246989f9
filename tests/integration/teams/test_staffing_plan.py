"""The staffing planner on a real database: arrivals of the last weeks per hour of the week,
agents needed by Erlang C, seats from the calendars; a language without history says so."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from routing.staffing import agents_needed
from service.common.errors import InvalidInput
from service.db.models import Case
from service.teams.staffing import PlanRequest, render_plan, staffing_plan
from tests.conftest import Clock
from tests.integration.teams.test_coverage_page import _sign_in
from tests.support.synthetic import synthetic_case


def _monday_nine(now: datetime, weeks_back: int) -> datetime:
    monday = (now - timedelta(days=now.weekday())).replace(hour=9, minute=0, second=0)
    return monday - timedelta(weeks=weeks_back)


async def _monday_rush(sessions: async_sessionmaker[AsyncSession], now: datetime) -> None:
    rows = []
    for week in range(1, 5):  # 30 Japanese complaints each Monday 09:00–10:00 UTC, 4 weeks
        at = _monday_nine(now, week)
        for n in range(30):
            row = synthetic_case(week * 100 + n, "tokyo", now, language="ja")
            row.update(created_at=at + timedelta(minutes=2 * n), category="account")
            rows.append(row)
    async with sessions() as session, session.begin():
        await session.execute(insert(Case), rows)


async def test_japanese_on_monday_morning_needs_more_than_tokyo_seats(
    sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    now = clock.now  # Tuesday 24 Nov 2026, 03:00 UTC
    await _monday_rush(sessions, now)
    request = PlanRequest(weeks=4, handle_minutes=(("account", 12.0),))
    async with sessions() as session:
        plan = await staffing_plan(session, now, request)
    japanese = next(p for p in plan.languages if p.language == "ja")
    assert japanese.complaints == 120 and japanese.handle_seconds == 720
    nine = japanese.hours[9]  # Monday 09:00 UTC
    assert (nine.weekday, nine.hour, nine.arrivals) == (0, 9, 30.0)
    assert nine.needed == agents_needed(30, 3600, 720, 20, 0.8) == 9
    assert nine.understaffed and nine in japanese.understaffed
    assert sum(hour.needed for hour in japanese.hours) == nine.needed  # no other arrivals

    korean = next(p for p in plan.languages if p.language == "ko")
    assert korean.complaints == 0 and not korean.understaffed
    printed = render_plan(plan)
    assert "ko: no complaints in the last 4 weeks, nothing to plan from" in printed
    assert "  Mon  09         30.00       9" in printed and "understaffed" in printed


@pytest.mark.parametrize(
    ("request_", "fields"),
    [
        (PlanRequest(weeks=0), {"weeks"}),
        (PlanRequest(zone="Mars/Olympus", target_level=1.5), {"zone", "target_level"}),
        (PlanRequest(language="zz-Qqqq-99", target_seconds=-1), {"language", "target_seconds"}),
    ],
)
async def test_bad_requests_name_each_field(
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
    request_: PlanRequest,
    fields: set[str],
) -> None:
    async with sessions() as session:
        with pytest.raises(InvalidInput) as refused:
            await staffing_plan(session, clock.now, request_)
    assert {error["field"] for error in refused.value.errors or ()} == fields


async def test_the_page_shows_the_monday_rush_in_red(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    await _monday_rush(sessions, clock.now)
    await _sign_in(client, sessions, "ops")
    page = await client.get("/ops/staffing", params={"language": "ja", "zone": "UTC"})
    assert page.status_code == 200
    needed = agents_needed(30, 3600, 600, 20, 0.8)  # no handling time set: 10 minutes
    assert f'<td class="gap">{needed}/' in page.text
    assert page.text.count('<td class="gap">') == 1
    refused = await client.get("/ops/staffing", params={"weeks": "0", "target_percent": "120"})
    assert refused.status_code == 422
    assert 'id="weeks-error"' in refused.text and 'id="target-percent-error"' in refused.text
