"""Pages for ops and leads: the coverage heatmap of every language across time zones, and the
staffing planner (agents needed against seats on duty)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, get_day_names
from litestar import Request, Response, get
from litestar.params import QueryParameter
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from service.accounts.services import SUPERVISING_ROLES
from service.http.dependencies import AppSettings, DbSession, Now
from service.i18n.formatting import format_moment
from service.i18n.negotiation import catalog_name
from service.settings import Settings
from service.teams import coverage
from service.teams.directory import router_view
from service.teams.staffing import PlanRequest, parse_handle_minutes, staffing_plan
from service.web.workspace import (
    SignedIn,
    WorkspaceController,
    figures_or_errors,
    render_workspace,
    require_role,
)

OPS = "/ops"
COMMON_ZONES = (
    "UTC",
    "America/Los_Angeles",
    "America/New_York",
    "America/Sao_Paulo",
    "Europe/London",
    "Europe/Berlin",
    "Asia/Kolkata",
    "Asia/Shanghai",
    "Asia/Tokyo",
    "Australia/Sydney",
)
WeekQuery = Annotated[str | None, QueryParameter()]
ZoneQuery = Annotated[str, QueryParameter()]
LanguageQuery = Annotated[str | None, QueryParameter()]


async def zone_choices(session: AsyncSession) -> list[str]:
    """The zones the pages offer: the teams' own and a few common ones."""
    _, profiles = await router_view(session)
    return sorted({*COMMON_ZONES, *(team.calendar.zone.key for team in profiles)})


def page_helpers(zone: ZoneInfo | None, locale: str) -> dict[str, Callable[..., Any]]:
    """The formatting the pages of figures use, in the viewer's language and chosen zone."""
    catalog = catalog_name(locale)
    zone = zone or ZoneInfo("UTC")
    return {
        "local": lambda moment: format_moment(moment, zone, locale),
        "day_name": lambda day: format_date(day, "EEE d MMM", locale=catalog),
        "hours_of": lambda day: day.by_local_hour(zone),
        "weekday_name": lambda weekday: get_day_names("abbreviated", locale=catalog)[weekday],
    }


class OpsPages(WorkspaceController):
    """Coverage you can see: a week of each language, hour by hour, in a zone of your choice."""

    path = OPS

    @get("/coverage", name="ops-coverage")
    async def coverage_page(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        account: SignedIn,
        now: Now,
        week: WeekQuery = None,
        zone: ZoneQuery = "UTC",
        language: LanguageQuery = None,
    ) -> Template:
        require_role(account, *SUPERVISING_ROLES)
        view, errors = await figures_or_errors(
            coverage.heatmap(db_session, now, week=week, zone=zone, language=language)
        )
        return await render_workspace(
            request,
            db_session,
            account,
            "ops_coverage.html",
            422 if errors else 200,
            nav="coverage",
            view=view,
            errors=errors,
            asked={"week": week or "", "zone": zone, "language": language or ""},
            zones=await zone_choices(db_session),
            **page_helpers(view.zone if view else None, account.locale),
        )

    @get("/coverage.csv", name="ops-coverage-csv")
    async def coverage_csv(
        self,
        db_session: DbSession,
        account: SignedIn,
        now: Now,
        week: WeekQuery = None,
        zone: ZoneQuery = "UTC",
        language: LanguageQuery = None,
    ) -> Response[str]:
        """The week's gaps as CSV (a bad week, zone or language is a 422 problem)."""
        require_role(account, *SUPERVISING_ROLES)
        view = await coverage.heatmap(db_session, now, week=week, zone=zone, language=language)
        return Response(
            coverage.gaps_csv(view),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="coverage-gaps-{view.week}.csv"'
            },
        )

    @get("/staffing", name="ops-staffing")
    async def staffing_page(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        account: SignedIn,
        now: Now,
        settings: AppSettings,
        weeks: Annotated[int, QueryParameter()] = 4,
        zone: ZoneQuery = "UTC",
        language: LanguageQuery = None,
        target_seconds: Annotated[float, QueryParameter()] = 20.0,
        target_percent: Annotated[float, QueryParameter()] = 80.0,
    ) -> Template:
        """Agents needed per hour of the week (Erlang C) against the seats on duty."""
        require_role(account, *SUPERVISING_ROLES)
        asked = PlanRequest(
            weeks=weeks,
            zone=zone,
            language=language or None,
            target_seconds=target_seconds,
            target_level=target_percent / 100,
            handle_minutes=_handle_minutes(settings),
        )
        plan, errors = await figures_or_errors(staffing_plan(db_session, now, asked))
        return await render_workspace(
            request,
            db_session,
            account,
            "ops_staffing.html",
            422 if errors else 200,
            nav="staffing",
            plan=plan,
            errors=errors,
            asked=asked,
            target_percent=target_percent,
            zones=await zone_choices(db_session),
            **page_helpers(plan.zone if plan else None, account.locale),
        )


def _handle_minutes(settings: Settings) -> tuple[tuple[str, float], ...]:
    """The configured handling minutes; a setting that does not parse counts as none."""
    try:
        return parse_handle_minutes(settings.handle_minutes)
    except ValueError:
        return ()
