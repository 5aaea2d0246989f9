"""The calendar editor: a preview changes nothing, a save changes routing's calendar, and each
bad field is shown next to itself with nothing saved."""

from __future__ import annotations

import re
from typing import Any

import msgspec
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from routing.team_file import parse_teams
from service.teams.calendar_form import form_of
from service.teams.directory import export_teams, spec_of
from service.teams.services import find_team
from tests.integration.accounts.test_role_matrix import CSRF_FIELD
from tests.integration.teams.test_coverage_page import _sign_in

Client = AsyncTestClient[Litestar]
EDITOR = "/ops/teams/tokyo/calendar"


async def _form(client: Client, sessions: async_sessionmaker[AsyncSession]) -> dict[str, Any]:
    await _sign_in(client, sessions, "ops")
    page = await client.get(EDITOR)
    assert page.status_code == 200
    token = CSRF_FIELD.search(page.text)
    assert token is not None
    async with sessions() as session:
        stored = spec_of(await find_team(session, "tokyo"))
    return {"_csrf_token": token.group(1), **msgspec.structs.asdict(form_of(stored))}


async def _tokyo_saturday(sessions: async_sessionmaker[AsyncSession]) -> Any:
    async with sessions() as session:
        return spec_of(await find_team(session, "tokyo")).weekly.get("sat")


async def test_preview_then_save_an_overnight_saturday(
    client: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    form = {**await _form(client, sessions), "sat": "22:00-06:00"}
    shown = await client.post(EDITOR, data={**form, "action": "preview"})
    assert shown.status_code == 200
    assert "+sat = [[&#34;22:00&#34;, &#34;06:00&#34;]]" in shown.text
    assert len(re.findall(r'<td class="covered added">', shown.text)) == 8  # Sat 22–24, Sun 0–6
    assert await _tokyo_saturday(sessions) is None  # a preview saves nothing

    saved = await client.post(EDITOR, data={**form, "action": "save"}, follow_redirects=False)
    assert saved.status_code == 303 and "calendar-saved" in saved.headers["location"]
    assert await _tokyo_saturday(sessions) == (("22:00", "06:00"),)
    async with sessions() as session:
        exported = await export_teams(session)
    assert [s.weekly.get("sat") for s in parse_teams(exported) if s.key == "tokyo"] == [
        (("22:00", "06:00"),)
    ]


async def test_bad_fields_are_shown_beside_themselves_and_nothing_is_saved(
    client: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    form = {
        **await _form(client, sessions),
        "mon": "09:00-12:00, 11:00-13:00",
        "tue": "9 to 5",
        "timezone": "Mars/Olympus",
        "country": "XX",
        "holidays": "2026-13-45",
        "overrides": "2026-12-24T10:00 2026-12-24T09:00 extra",
        "action": "save",
    }
    refused = await client.post(EDITOR, data=form)
    assert refused.status_code == 422
    for field in ("mon", "tue", "timezone", "country", "holidays", "overrides"):
        assert f'id="{field}-error"' in refused.text, field
    assert "overlaps" in refused.text
    async with sessions() as session:
        stored = spec_of(await find_team(session, "tokyo"))
    assert stored.timezone == "Asia/Tokyo" and stored.weekly["mon"] == (("09:00", "18:00"),)


async def test_the_team_file_downloads_as_toml(
    client: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await _sign_in(client, sessions, "ops")
    listed = await client.get("/ops/teams")
    assert listed.status_code == 200 and 'href="/ops/teams/tokyo/calendar"' in listed.text
    assert "<title>Teams · Meridian</title>" in listed.text
    exported = await client.get("/ops/teams/file")
    assert exported.headers["content-type"].startswith("application/toml")
    assert len(parse_teams(exported.text)) == listed.text.count('/calendar"')


async def test_a_pasted_team_file_is_previewed_then_imported(
    client: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await _sign_in(client, sessions, "ops")
    page = await client.get("/ops/teams")
    token = CSRF_FIELD.search(page.text)
    assert token is not None
    exported = (await client.get("/ops/teams/file")).text
    edited = exported.replace('key = "tokyo"\nname = "Tokyo"', 'key = "tokyo"\nname = "Tokyo HQ"')
    assert edited != exported
    form = {"_csrf_token": token.group(1), "text": edited}

    shown = await client.post("/ops/teams/file", data={**form, "action": "preview"})
    assert shown.status_code == 200
    assert 'tokyo</bdi> (<span dir="ltr">name</span>)' in shown.text
    assert "+name = &#34;Tokyo HQ&#34;" in shown.text
    async with sessions() as session:
        assert (await find_team(session, "tokyo")).name == "Tokyo"

    done = await client.post("/ops/teams/file", data={**form, "action": "import"})
    assert done.status_code == 200 and "Imported" in done.text
    async with sessions() as session:
        assert (await find_team(session, "tokyo")).name == "Tokyo HQ"

    broken = edited.replace('timezone = "Asia/Tokyo"', 'timezone = "Asia/Atlantis"')
    refused = await client.post(
        "/ops/teams/file", data={**form, "text": broken, "action": "import"}
    )
    assert refused.status_code == 422
    assert re.search(r"<li>line \d+: team &#39;tokyo&#39;: unknown time zone", refused.text)
