"""Ops endpoints: teams and calendars, who is on duty, weekly coverage, shift feeds."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, delete, get, post, put
from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from service import ops
from service.api.deps import caller_of, now_of, require_json, sessions_of
from service.problems import Problem
from service.teams import export_teams as team_file

TOML = "application/toml"
CALENDAR = "text/calendar"


async def require_ops(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Guard: only the ops key (401 without a known key, 403 with a team's or translator's)."""
    if not isinstance(connection, Request):
        raise Problem(403, "forbidden", "ops endpoints are plain HTTP", title="Forbidden")
    async with sessions_of(connection)() as session:
        caller = await caller_of(connection, session)
    if not caller.ops:
        raise Problem(403, "forbidden", "ops only: send the ops key (X-Ops-Key)", title="Forbidden")


def require_toml(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Guard: the body must be declared as a TOML team file (415 otherwise)."""
    media_type = connection.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != TOML:
        raise Problem(
            415,
            "unsupported-media-type",
            f"send the team file as {TOML} (got {media_type or 'no content type'})",
            title="Unsupported media type",
        )


class OpsController(Controller):
    path = "/api/v1/ops"
    tags = ["ops"]
    guards = [require_ops]

    @get("/teams", operation_id="opsListTeams", summary="Every team with its calendar")
    async def list_teams(self, request: Request[Any, Any, Any]) -> list[ops.TeamOut]:
        async with sessions_of(request)() as session:
            return await ops.list_teams(session)

    @get("/teams/{key:str}", operation_id="opsGetTeam", summary="One team with its calendar")
    async def get_team(self, request: Request[Any, Any, Any], key: FromPath[str]) -> ops.TeamOut:
        async with sessions_of(request)() as session:
            return await ops.get_team(session, key)

    @put(
        "/teams/{key:str}",
        guards=[require_json],
        operation_id="opsPutTeam",
        summary="Create (201, with the team's API key) or replace (200) a team",
        responses={201: ResponseSpec(ops.SavedTeam, description="Team created")},
    )
    async def put_team(
        self, request: Request[Any, Any, Any], key: FromPath[str], data: JSONBody[ops.TeamBody]
    ) -> Response[ops.SavedTeam]:
        spec = ops.team_spec(key, data)
        async with sessions_of(request)() as session:
            saved = await ops.save_team(session, spec)
        return Response(saved, status_code=HTTP_201_CREATED if saved.created else HTTP_200_OK)

    @delete(
        "/teams/{key:str}",
        operation_id="opsDeleteTeam",
        summary="Delete a team (409 while it owns open cases)",
    )
    async def delete_team(self, request: Request[Any, Any, Any], key: FromPath[str]) -> None:
        async with sessions_of(request)() as session:
            await ops.delete_team(session, key)

    @post(
        "/teams/{key:str}/rotate-key",
        status_code=HTTP_200_OK,
        operation_id="opsRotateTeamKey",
        summary="Replace a team's API key (the new key is shown once)",
    )
    async def rotate_key(self, request: Request[Any, Any, Any], key: FromPath[str]) -> ops.NewKey:
        async with sessions_of(request)() as session:
            return await ops.new_api_key(session, key)

    @put(
        "/teams",
        guards=[require_toml],
        operation_id="opsImportTeams",
        summary="Create or update teams from a team file (application/toml)",
        description="Reports only the teams that really change; `?dry_run=true` returns the "
        "same report and saves nothing.",
    )
    async def import_teams(
        self,
        request: Request[Any, Any, Any],
        dry_run: Annotated[
            bool, QueryParameter(description="report the changes without saving them")
        ] = False,
    ) -> ops.ImportResult:
        try:
            text = (await request.body()).decode("utf-8")
        except UnicodeDecodeError as error:
            raise Problem(400, "bad-request", "the team file is not UTF-8") from error
        async with sessions_of(request)() as session:
            return await ops.import_team_file(session, text, dry_run=dry_run)

    @get(
        "/teams.toml",
        media_type=TOML,
        operation_id="opsExportTeams",
        summary="Every team as a team file",
    )
    async def export_teams(self, request: Request[Any, Any, Any]) -> str:
        async with sessions_of(request)() as session:
            return await team_file(session)

    @get(
        "/on-duty",
        operation_id="opsOnDuty",
        summary="Who is on duty at an instant (default now), per team and per language",
    )
    async def on_duty(
        self, request: Request[Any, Any, Any], at: Annotated[str | None, QueryParameter()] = None
    ) -> ops.OnDuty:
        now = now_of(request)
        instant = now if at is None else ops.parse_instant(at, now, "at")
        async with sessions_of(request)() as session:
            return await ops.on_duty(session, instant)

    @get(
        "/coverage",
        operation_id="opsCoverage",
        summary="Open periods, gaps and handoffs per language over an ISO week",
    )
    async def coverage(
        self,
        request: Request[Any, Any, Any],
        week: Annotated[str | None, QueryParameter(description="YYYY-Www or a date")] = None,
        zone: Annotated[str, QueryParameter(description="IANA time zone")] = "UTC",
        language: Annotated[str | None, QueryParameter(description="a language tag")] = None,
    ) -> ops.CoverageOut:
        async with sessions_of(request)() as session:
            return await ops.coverage(
                session, now_of(request), week=week, zone=zone, language=language
            )

    @get(
        "/teams/{key:str}/shifts.ics",
        media_type=CALENDAR,
        operation_id="opsTeamShifts",
        summary="A team's shifts as an iCalendar feed (one event per open period)",
    )
    async def shifts(
        self,
        request: Request[Any, Any, Any],
        key: FromPath[str],
        first_day: Annotated[str | None, QueryParameter(name="from", description="a date")] = None,
        days: Annotated[int, QueryParameter(ge=1, le=366)] = 28,
    ) -> bytes:
        async with sessions_of(request)() as session:
            return await ops.shifts_calendar(
                session, key, now_of(request), first_day=first_day, days=days
            )
