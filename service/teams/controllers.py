"""Ops endpoints: teams and calendars, who is on duty, weekly coverage, shift feeds."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, delete, get, post, put
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from service.cases.queues import waiting_for_a_team
from service.cases.schemas import WaitingCase
from service.common.errors import BadRequest
from service.http.dependencies import AppSettings, DbSession, Now
from service.http.guards import TOML, ops_only, require_json, require_toml
from service.teams import coverage as team_coverage
from service.teams import services
from service.teams.directory import export_teams
from service.teams.schemas import (
    CoverageOut,
    ImportResult,
    NewKey,
    OnDuty,
    SavedTeam,
    TeamBody,
    TeamOut,
)

CALENDAR = "text/calendar"


class OpsController(Controller):
    path = "/api/v1/ops"
    tags = ["ops"]
    guards = [ops_only]

    @get("/teams", operation_id="opsListTeams", summary="Every team with its calendar")
    async def list_teams(self, db_session: DbSession) -> list[TeamOut]:
        return await services.list_teams(db_session)

    @get("/teams/{key:str}", operation_id="opsGetTeam", summary="One team with its calendar")
    async def get_team(self, key: FromPath[str], db_session: DbSession) -> TeamOut:
        return await services.get_team(db_session, key)

    @put(
        "/teams/{key:str}",
        guards=[require_json],
        operation_id="opsPutTeam",
        summary="Create (201, with the team's API key) or replace (200) a team",
        responses={201: ResponseSpec(SavedTeam, description="Team created")},
    )
    async def put_team(
        self,
        key: FromPath[str],
        data: JSONBody[TeamBody],
        db_session: DbSession,
        settings: AppSettings,
    ) -> Response[SavedTeam]:
        spec = services.team_spec(key, data)
        loopback = settings.dev_http_webhooks
        saved = await services.save_team(db_session, spec, allow_loopback_http=loopback)
        return Response(saved, status_code=HTTP_201_CREATED if saved.created else HTTP_200_OK)

    @delete(
        "/teams/{key:str}",
        operation_id="opsDeleteTeam",
        summary="Delete a team (409 while it owns open cases)",
    )
    async def delete_team(self, key: FromPath[str], db_session: DbSession) -> None:
        await services.delete_team(db_session, key)

    @post(
        "/teams/{key:str}/rotate-key",
        status_code=HTTP_200_OK,
        operation_id="opsRotateTeamKey",
        summary="Replace a team's API key (the new key is shown once)",
    )
    async def rotate_key(self, key: FromPath[str], db_session: DbSession) -> NewKey:
        return await services.new_api_key(db_session, key)

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
        db_session: DbSession,
        settings: AppSettings,
        dry_run: Annotated[
            bool, QueryParameter(description="report the changes without saving them")
        ] = False,
    ) -> ImportResult:
        try:
            text = (await request.body()).decode("utf-8")
        except UnicodeDecodeError as error:
            raise BadRequest("the team file is not UTF-8") from error
        return await services.import_team_file(
            db_session, text, dry_run=dry_run, allow_loopback_http=settings.dev_http_webhooks
        )

    @get(
        "/teams.toml",
        media_type=TOML,
        operation_id="opsExportTeams",
        summary="Every team as a team file",
    )
    async def export_teams(self, db_session: DbSession) -> str:
        return await export_teams(db_session)

    @get(
        "/waiting",
        operation_id="opsWaitingCases",
        summary="Open cases held for a team that reads them and opens later, soonest first",
    )
    async def waiting(self, db_session: DbSession) -> list[WaitingCase]:
        return await waiting_for_a_team(db_session)

    @get(
        "/on-duty",
        operation_id="opsOnDuty",
        summary="Who is on duty at an instant (default now), per team and per language",
    )
    async def on_duty(
        self,
        db_session: DbSession,
        now: Now,
        at: Annotated[str | None, QueryParameter()] = None,
    ) -> OnDuty:
        instant = now if at is None else team_coverage.parse_instant(at, now, "at")
        return await team_coverage.on_duty(db_session, instant)

    @get(
        "/coverage",
        operation_id="opsCoverage",
        summary="Open periods, gaps and handoffs per language over an ISO week",
    )
    async def coverage(
        self,
        db_session: DbSession,
        now: Now,
        week: Annotated[str | None, QueryParameter(description="YYYY-Www or a date")] = None,
        zone: Annotated[str, QueryParameter(description="IANA time zone")] = "UTC",
        language: Annotated[str | None, QueryParameter(description="a language tag")] = None,
    ) -> CoverageOut:
        return await team_coverage.coverage(
            db_session, now, week=week, zone=zone, language=language
        )

    @get(
        "/teams/{key:str}/shifts.ics",
        media_type=CALENDAR,
        operation_id="opsTeamShifts",
        summary="A team's shifts as an iCalendar feed (one event per open period)",
    )
    async def shifts(
        self,
        key: FromPath[str],
        db_session: DbSession,
        now: Now,
        first_day: Annotated[str | None, QueryParameter(name="from", description="a date")] = None,
        days: Annotated[int, QueryParameter(ge=1, le=366)] = 28,
    ) -> bytes:
        return await team_coverage.shifts_calendar(
            db_session, key, now, first_day=first_day, days=days
        )
