"""The ops API: team CRUD, team-file import/export, on duty, coverage, shift feeds, auth."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import icalendar
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from routing.calendar import WEEKDAYS
from routing.team_file import parse_teams
from tests.conftest import Clock
from tests.integration.conftest import OPS_KEY

Client = AsyncTestClient[Litestar]
OPS = {"X-Ops-Key": OPS_KEY}
TOML = {"Content-Type": "application/toml", **OPS}
LISBON: dict[str, Any] = {
    "name": "Lisbon",
    "region": "EMEA",
    "timezone": "Europe/Lisbon",
    "country": "PT",
    "seats": 2,
    "serves": ["EMEA"],
    "languages": {"pt-PT": "native", "en": "fluent"},
    "weekly": {"mon": [["09:00", "18:00"]], "sat": [["22:00", "06:00"]]},
    "holidays": ["2026-12-24"],
    "overrides": [{"start": "2026-12-27T10:00", "end": "2026-12-27T14:00", "kind": "extra"}],
    "lead_email": "lead@example.pt",
}


async def file_case(client: Client) -> dict[str, Any]:
    body = {
        "text": "Mein Konto ist gesperrt und ich kann mich seit gestern nicht mehr anmelden.",
        "contact": {"email": "kunde@example.de"},
        "timezone": "Europe/Berlin",
    }
    response = await client.post("/api/v1/cases", json=body)
    assert response.status_code == 201, response.text
    filed: dict[str, Any] = response.json()
    return filed


def fields(response: Any) -> list[str]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return [error["field"] for error in response.json()["errors"]]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/ops/teams"),
        ("GET", "/api/v1/ops/teams/dublin"),
        ("PUT", "/api/v1/ops/teams/lisbon"),
        ("DELETE", "/api/v1/ops/teams/dublin"),
        ("POST", "/api/v1/ops/teams/dublin/rotate-key"),
        ("PUT", "/api/v1/ops/teams"),
        ("GET", "/api/v1/ops/teams.toml"),
        ("GET", "/api/v1/ops/on-duty"),
        ("GET", "/api/v1/ops/coverage"),
        ("GET", "/api/v1/ops/teams/dublin/shifts.ics"),
    ],
)
async def test_ops_only(client: Client, team_keys: dict[str, str], method: str, path: str) -> None:
    anonymous = await client.request(method, path, json=LISBON)
    assert anonymous.status_code == 401
    assert anonymous.headers["content-type"].startswith("application/problem+json")
    unknown = await client.request(method, path, json=LISBON, headers={"X-Api-Key": "nope"})
    assert unknown.status_code == 401
    team = await client.request(
        method, path, json=LISBON, headers={"X-Api-Key": team_keys["dublin"]}
    )
    assert team.status_code == 403
    assert team.json()["type"].endswith("/forbidden")
    listed = await client.get("/api/v1/ops/teams", headers=OPS)
    assert [t["key"] for t in listed.json()] == sorted(team_keys)


async def test_team_crud_round_trip(client: Client, team_keys: dict[str, str]) -> None:
    listed = await client.get("/api/v1/ops/teams", headers=OPS)
    assert listed.status_code == 200
    assert [team["key"] for team in listed.json()] == sorted(team_keys)
    assert not any("api_key" in str(team) for team in listed.json())
    dublin = (await client.get("/api/v1/ops/teams/dublin", headers=OPS)).json()
    assert dublin["timezone"] == "Europe/Dublin"
    assert dublin["weekly"]["mon"] == [["08:00", "18:00"]]

    created = await client.put("/api/v1/ops/teams/lisbon", json=LISBON, headers=OPS)
    assert created.status_code == 201, created.text
    assert created.json()["created"] is True
    api_key = created.json()["api_key"]
    team = created.json()["team"]
    assert team["languages"] == {"pt-PT": "native", "en": "fluent"}
    assert team["holidays"] == ["2026-12-24"]
    queue = await client.get("/api/v1/teams/lisbon/queue", headers={"X-Api-Key": api_key})
    assert queue.status_code == 200

    fetched = (await client.get("/api/v1/ops/teams/lisbon", headers=OPS)).json()
    assert fetched == team
    fetched["seats"] = 5
    replaced = await client.put("/api/v1/ops/teams/lisbon", json=fetched, headers=OPS)
    assert replaced.status_code == 200, replaced.text
    assert replaced.json() == {"team": fetched, "created": False}
    assert (await client.get("/api/v1/ops/teams/lisbon", headers=OPS)).json()["seats"] == 5

    rotated = await client.post("/api/v1/ops/teams/lisbon/rotate-key", headers=OPS)
    assert rotated.status_code == 200
    new_key = rotated.json()["api_key"]
    assert rotated.json()["team"] == "lisbon" and new_key != api_key
    old = await client.get("/api/v1/teams/lisbon/queue", headers={"X-Api-Key": api_key})
    assert old.status_code == 401
    new = await client.get("/api/v1/teams/lisbon/queue", headers={"X-Api-Key": new_key})
    assert new.status_code == 200

    deleted = await client.delete("/api/v1/ops/teams/lisbon", headers=OPS)
    assert deleted.status_code == 204
    for method, path in [
        ("GET", "/api/v1/ops/teams/lisbon"),
        ("DELETE", "/api/v1/ops/teams/lisbon"),
        ("POST", "/api/v1/ops/teams/lisbon/rotate-key"),
    ]:
        missing = await client.request(method, path, headers=OPS)
        assert missing.status_code == 404
        assert missing.json()["type"].endswith("/team-not-found")


def with_changes(**changes: Any) -> dict[str, Any]:
    return {**LISBON, **changes}


@pytest.mark.parametrize(
    ("body", "named", "message"),
    [
        (with_changes(timezone="Mars/Olympus"), ["timezone"], "unknown time zone"),
        (with_changes(weekly={"mon": [["09:00", "25:00"]]}), ["weekly.mon"], "'25:00'"),
        (
            with_changes(weekly={"mon": [["09:00", "18:00"], ["17:00", "20:00"]]}),
            ["weekly.mon"],
            "overlaps",
        ),
        (
            with_changes(weekly={"sun": [["20:00", "10:00"]], "mon": [["09:00", "12:00"]]}),
            ["weekly.mon"],
            "sun 20:00-10:00 overlaps mon 09:00-12:00",
        ),
        (with_changes(languages={"xx-Latn": "native"}), ["languages"], "unknown language"),
        (with_changes(languages={"pt": "superb"}), ["languages"], "unknown proficiency"),
        (with_changes(weekly={"funday": [["09:00", "10:00"]]}), ["weekly.funday"], "weekday"),
        (with_changes(tiers=["platinum"]), ["tiers"], "unknown tier"),
        (with_changes(holidays=["24/12/2026"]), ["holidays"], "bad date"),
        (
            with_changes(overrides=[{"start": "soon", "end": "2026-12-27T14:00", "kind": "x"}]),
            ["overrides[0].start", "overrides[0].kind"],
            "override",
        ),
        (with_changes(seats=0), ["seats"], "seats"),
        (with_changes(seats=2**40), ["seats"], "at most"),
        (with_changes(name="x" * 201), ["name"], "at most 200"),
        (with_changes(key="porto"), ["key"], "porto"),
        (with_changes(colour="teal"), ["colour"], "colour"),
        (with_changes(timezone=None), ["timezone"], ""),
        (with_changes(webhook_url="file:///etc/passwd"), ["lisbon.webhook_url"], "https"),
        (with_changes(webhook_url="https://127.0.0.1/"), ["lisbon.webhook_url"], "loopback"),
        (with_changes(webhook_url="https://[::1]/"), ["lisbon.webhook_url"], "loopback"),
        (
            with_changes(webhook_url="https://169.254.169.254/latest/"),
            ["lisbon.webhook_url"],
            "link-local",
        ),
        (with_changes(webhook_url="http://127.0.0.1:9/"), ["lisbon.webhook_url"], "https"),
    ],
)
async def test_put_team_is_validated(
    client: Client, body: dict[str, Any], named: list[str], message: str
) -> None:
    response = await client.put("/api/v1/ops/teams/lisbon", json=body, headers=OPS)
    assert sorted(fields(response)) == sorted(named)
    assert message in str(response.json()["errors"])
    assert (await client.get("/api/v1/ops/teams/lisbon", headers=OPS)).status_code == 404


async def test_put_team_with_bad_key_or_body(client: Client) -> None:
    assert fields(await client.put("/api/v1/ops/teams/Not A Slug", json=LISBON, headers=OPS)) == [
        "key"
    ]
    assert fields(await client.put(f"/api/v1/ops/teams/{'k' * 65}", json=LISBON, headers=OPS)) == [
        "key"
    ]
    not_json = await client.put(
        "/api/v1/ops/teams/lisbon",
        content=b"{",
        headers={"Content-Type": "application/json", **OPS},
    )
    assert not_json.status_code == 400
    as_text = await client.put(
        "/api/v1/ops/teams/lisbon", content=b"{}", headers={"Content-Type": "text/plain", **OPS}
    )
    assert as_text.status_code == 415


async def test_team_file_round_trip(client: Client, team_keys: dict[str, str]) -> None:
    exported = await client.get("/api/v1/ops/teams.toml", headers=OPS)
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("application/toml")
    assert [spec.key for spec in parse_teams(exported.text)] == sorted(team_keys)

    unchanged = await client.put("/api/v1/ops/teams", content=exported.text, headers=TOML)
    assert unchanged.status_code == 200, unchanged.text
    assert unchanged.json() == {
        "created": [],
        "updated": [],
        "unchanged": sorted(team_keys),
        "changes": {},
        "api_keys": {},
        "dry_run": False,
    }

    edited = exported.text.replace('name = "Dublin"', 'name = "Dublin City"') + (
        '[[team]]\nkey = "porto"\nname = "Porto"\nregion = "EMEA"\ntimezone = "Europe/Lisbon"\n'
        'languages = { pt = "native" }\n[team.weekly]\nmon = [["09:00", "17:00"]]\n'
    )
    dry = await client.put("/api/v1/ops/teams?dry_run=true", content=edited, headers=TOML)
    assert dry.status_code == 200, dry.text
    assert dry.json()["dry_run"] is True
    assert dry.json()["created"] == ["porto"] and dry.json()["api_keys"] == {}
    assert dry.json()["changes"] == {
        "dublin": {"name": {"before": "Dublin", "after": "Dublin City"}}
    }
    assert (await client.get("/api/v1/ops/teams/porto", headers=OPS)).status_code == 404
    still = await client.get("/api/v1/ops/teams/dublin", headers=OPS)
    assert still.json()["name"] == "Dublin"

    imported = await client.put("/api/v1/ops/teams", content=edited, headers=TOML)
    assert imported.json()["created"] == ["porto"]
    assert imported.json()["updated"] == ["dublin"]
    assert list(imported.json()["api_keys"]) == ["porto"]
    dublin = await client.get("/api/v1/ops/teams/dublin", headers=OPS)
    assert dublin.json()["name"] == "Dublin City"
    again = await client.get("/api/v1/ops/teams.toml", headers=OPS)
    by_key = sorted(parse_teams(edited), key=lambda spec: spec.key)
    assert parse_teams(again.text) == by_key


async def test_team_file_problems_have_lines(client: Client) -> None:
    text = (
        '[[team]]\nkey = "porto"\nname = "Porto"\nregion = "EMEA"\n'
        'timezone = "Europe/Porto"\nlanguages = { pt = "native" }\n'
        '[team.weekly]\nmon = [["09:00", "25:00"]]\n'
    )
    response = await client.put("/api/v1/ops/teams", content=text, headers=TOML)
    assert response.status_code == 422
    body = response.json()
    assert body["type"].endswith("/invalid-team-file")
    assert [error["line"] for error in body["errors"]] == [2, 5, 8]
    assert "no opening hours" in body["errors"][0]["message"]
    assert "unknown time zone" in body["errors"][1]["message"]
    assert "'25:00'" in body["errors"][2]["message"]

    broken = await client.put("/api/v1/ops/teams", content='[[team]]\nkey = "a\n', headers=TOML)
    assert broken.status_code == 422 and broken.json()["errors"][0]["line"] == 2
    assert (await client.get("/api/v1/ops/teams/porto", headers=OPS)).status_code == 404

    not_toml = await client.put("/api/v1/ops/teams", content=text, headers=OPS)
    assert not_toml.status_code == 415
    latin1 = await client.put("/api/v1/ops/teams", content="é".encode("latin-1"), headers=TOML)
    assert latin1.status_code == 400


async def test_delete_is_refused_while_the_team_owns_open_cases(
    client: Client, clock: Clock, team_keys: dict[str, str]
) -> None:
    clock.now = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    filed = await file_case(client)
    team = filed["team"]
    refused = await client.delete(f"/api/v1/ops/teams/{team}", headers=OPS)
    assert refused.status_code == 409
    assert "1 open case" in refused.json()["detail"]

    reference = filed["reference"]
    resolved = await client.post(
        f"/api/v1/cases/{reference}/resolve",
        json={"agent": "siobhan", "summary": "Sorted out."},
        headers={"X-Api-Key": team_keys[team]},
    )
    assert resolved.status_code == 200, resolved.text
    assert (await client.delete(f"/api/v1/ops/teams/{team}", headers=OPS)).status_code == 204
    detail = await client.get(f"/api/v1/cases/{reference}/detail", headers=OPS)
    assert detail.status_code == 200 and detail.json()["team"] is None


async def test_on_duty_at_an_instant(client: Client) -> None:
    response = await client.get(
        "/api/v1/ops/on-duty", params={"at": "2026-11-24T09:00:00Z"}, headers=OPS
    )
    assert response.status_code == 200, response.text
    body = response.json()
    teams = {team["key"]: team for team in body["teams"]}
    assert teams["dublin"]["on_duty"] is True
    assert teams["dublin"]["until"] == "2026-11-24T18:00:00Z"
    assert teams["tokyo"]["on_duty"] is False
    assert teams["tokyo"]["opens"] == "2026-11-25T00:00:00Z"
    assert teams["new-york"]["opens"] == "2026-11-24T13:00:00Z"
    assert teams["dubai"]["languages"]["ar"] == "native"
    assert "dublin" in body["languages"]["de"]
    assert "tokyo" not in body["languages"]["ja"]
    assert {"dubai", "dublin", "shanghai", "taipei"} <= set(body["languages"]["en"])

    in_tokyo = await client.get(
        "/api/v1/ops/on-duty", params={"at": "2026-11-24T18:00:00+09:00"}, headers=OPS
    )
    assert in_tokyo.json()["at"] == "2026-11-24T09:00:00Z"
    now = (await client.get("/api/v1/ops/on-duty", headers=OPS)).json()  # the clock: 03:00Z
    assert now["at"] == "2026-11-24T03:00:00Z" and "tokyo" in now["languages"]["ja"]


@pytest.mark.parametrize(
    "at", ["2026-11-24T09:00:00", "tuesday", "2026-13-01T00:00Z", "1999-01-01Z"]
)
async def test_on_duty_needs_an_aware_instant(client: Client, at: str) -> None:
    response = await client.get("/api/v1/ops/on-duty", params={"at": at}, headers=OPS)
    assert fields(response) == ["at"]


ICELANDIC = {
    # Reykjavik works office hours; Akureyri joins on Monday afternoon and works Sunday nights.
    "reykjavik": {day: [["09:00", "17:00"]] for day in WEEKDAYS[:5]},
    "akureyri": {"mon": [["16:00", "20:00"]], "sun": [["22:00", "02:00"]]},
}


async def test_coverage_over_a_fixed_week(client: Client) -> None:
    for key, weekly in ICELANDIC.items():
        body = {**LISBON, "timezone": "Atlantic/Reykjavik", "country": None, "holidays": []}
        body |= {"languages": {"is": "native"}, "weekly": weekly, "overrides": []}
        assert (await client.put(f"/api/v1/ops/teams/{key}", json=body, headers=OPS)).is_success

    response = await client.get(
        "/api/v1/ops/coverage",
        params={"week": "2026-W48", "zone": "Europe/Berlin", "language": "IS"},
        headers=OPS,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["week"], body["zone"], body["hours"]) == ("2026-W48", "Europe/Berlin", 168)
    assert (body["start"], body["end"]) == (
        "2026-11-22T23:00:00+00:00",
        "2026-11-29T23:00:00+00:00",
    )
    (icelandic,) = body["languages"]
    assert icelandic["language"] == "is"
    assert sorted(icelandic["teams"]) == ["akureyri", "reykjavik"]
    assert icelandic["covered_hours"] == 3 + 11 + 4 * 8 + 1
    assert [(o["local_start"], o["local_end"]) for o in icelandic["open"][:2]] == [
        ("2026-11-23T00:00:00+01:00", "2026-11-23T03:00:00+01:00"),
        ("2026-11-23T10:00:00+01:00", "2026-11-23T21:00:00+01:00"),
    ]
    gaps = icelandic["gaps"]
    assert [gap["hours"] for gap in gaps] == [7, 13, 16, 16, 16, 53]
    assert (gaps[-1]["start"], gaps[-1]["end"]) == (
        "2026-11-27T17:00:00+00:00",
        "2026-11-29T22:00:00+00:00",
    )
    handoffs = [(h["at"], h["from_teams"], h["to_teams"]) for h in icelandic["handoffs"]]
    assert len(handoffs) == 14
    assert handoffs[:5] == [
        ("2026-11-23T02:00:00+00:00", ["akureyri"], []),
        ("2026-11-23T09:00:00+00:00", [], ["reykjavik"]),
        ("2026-11-23T16:00:00+00:00", ["reykjavik"], ["akureyri", "reykjavik"]),
        ("2026-11-23T17:00:00+00:00", ["akureyri", "reykjavik"], ["akureyri"]),
        ("2026-11-23T20:00:00+00:00", ["akureyri"], []),
    ]
    assert icelandic["handoffs"][1]["local_at"] == "2026-11-23T10:00:00+01:00"


async def test_coverage_of_every_language(client: Client) -> None:
    response = await client.get("/api/v1/ops/coverage", params={"week": "2026-11-25"}, headers=OPS)
    reports = {report["language"]: report for report in response.json()["languages"]}
    assert {"ar", "en", "ja", "zh-Hans", "zh-Hant"} <= set(reports)
    assert "tokyo" in reports["ja"]["teams"]
    for report in reports.values():
        gap_hours = sum(gap["hours"] for gap in report["gaps"])
        assert report["covered_hours"] + gap_hours == 168
    # New York is closed on Thanksgiving: the sample teams leave English uncovered that evening.
    thanksgiving = [gap for gap in reports["en"]["gaps"] if gap["start"].startswith("2026-11-26")]
    assert thanksgiving and thanksgiving[0]["end"] == "2026-11-27T00:00:00+00:00"

    default = (await client.get("/api/v1/ops/coverage", headers=OPS)).json()  # the clock's week
    assert (default["week"], default["zone"]) == ("2026-W48", "UTC")


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"zone": "Mars/Olympus"}, "zone"),
        ({"week": "2026-W54"}, "week"),
        ({"week": "soon"}, "week"),
        ({"week": "1990-W01"}, "week"),
        ({"language": "xx-Latn"}, "language"),
    ],
)
async def test_coverage_parameters_are_checked(
    client: Client, params: dict[str, str], field: str
) -> None:
    response = await client.get("/api/v1/ops/coverage", params=params, headers=OPS)
    assert fields(response) == [field]


async def test_shifts_feed(client: Client) -> None:
    response = await client.get(
        "/api/v1/ops/teams/dublin/shifts.ics",
        params={"from": "2026-11-23", "days": 7},
        headers=OPS,
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/calendar")
    feed = icalendar.Calendar.from_ical(response.content)
    events = list(feed.walk("VEVENT"))
    assert len(events) == 5
    first = events[0]
    assert first.decoded("dtstart") == datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    assert first.decoded("dtend") == datetime(2026, 11, 23, 18, 0, tzinfo=UTC)
    assert str(first["summary"]) == "Dublin on duty"
    assert len({str(event["uid"]) for event in events}) == 5
    again = await client.get(
        "/api/v1/ops/teams/dublin/shifts.ics",
        params={"from": "2026-11-24", "days": 1},
        headers=OPS,
    )
    (tuesday,) = icalendar.Calendar.from_ical(again.content).walk("VEVENT")
    assert str(tuesday["uid"]) == str(events[1]["uid"])

    default = await client.get("/api/v1/ops/teams/tokyo/shifts.ics", headers=OPS)
    assert len(icalendar.Calendar.from_ical(default.content).walk("VEVENT")) == 20


async def test_shifts_feed_errors(client: Client) -> None:
    unknown = await client.get("/api/v1/ops/teams/atlantis/shifts.ics", headers=OPS)
    assert unknown.status_code == 404
    assert unknown.json()["type"].endswith("/team-not-found")
    bad: list[tuple[dict[str, str | int], str]] = [
        ({"days": 0}, "days"),
        ({"days": 367}, "days"),
        ({"from": "someday"}, "from"),
        ({"from": "1990-01-01"}, "from"),
    ]
    for params, field in bad:
        response = await client.get(
            "/api/v1/ops/teams/dublin/shifts.ics", params=params, headers=OPS
        )
        assert fields(response) == [field], params


async def test_ops_routes_are_in_the_schema(client: Client) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    operations = {
        operation["operationId"]
        for path, methods in schema["paths"].items()
        if path.startswith("/api/v1/ops")
        for operation in methods.values()
    }
    assert operations == {
        "opsListTeams",
        "opsGetTeam",
        "opsPutTeam",
        "opsDeleteTeam",
        "opsRotateTeamKey",
        "opsImportTeams",
        "opsExportTeams",
        "opsOnDuty",
        "opsWaitingCases",
        "opsCoverage",
        "opsTeamShifts",
    }
