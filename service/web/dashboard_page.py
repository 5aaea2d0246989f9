"""The dashboard (/dashboard) for ops and leads: each chart beside a table of its numbers, and
every table as CSV; the period picked in days of the viewer's zone."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, get
from litestar.params import FromPath, QueryParameter
from litestar.response import Template

from service.accounts.services import SUPERVISING_ROLES
from service.cases.insight import TABLES, dashboard, table_csv
from service.common.errors import NotFound
from service.db.models import Account
from service.http.dependencies import DbSession, Now
from service.web.charts import CHARTS, chart_svg
from service.web.ops_pages import zone_choices
from service.web.workspace import (
    SignedIn,
    WorkspaceController,
    figures_or_errors,
    render_workspace,
    require_role,
)

DayQuery = Annotated[str | None, QueryParameter(name="from")]
LastDayQuery = Annotated[str | None, QueryParameter(name="to")]
ZoneQuery = Annotated[str, QueryParameter()]
CHART_HEADERS = {
    # The chart is an image: its own inline styles, nothing else.
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
}


def _check_figures(account: Account, name: str, known: tuple[str, ...]) -> None:
    """Ops and leads only; a chart or table the page does not link to is a 404."""
    require_role(account, *SUPERVISING_ROLES)
    if name not in known:
        raise NotFound(f"no chart or table {name!r}")


class DashboardPage(WorkspaceController):
    path = "/dashboard"

    @get("/", name="dashboard")
    async def page(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        account: SignedIn,
        now: Now,
        first: DayQuery = None,
        last: LastDayQuery = None,
        zone: ZoneQuery = "UTC",
    ) -> Template:
        require_role(account, *SUPERVISING_ROLES)
        view, errors = await figures_or_errors(
            dashboard(db_session, now, first=first, last=last, zone=zone)
        )
        query = f"from={view.first_day}&to={view.last_day}&zone={view.zone.key}" if view else ""
        return await render_workspace(
            request,
            db_session,
            account,
            "dashboard.html",
            422 if errors else 200,
            nav="dashboard",
            view=view,
            errors=errors,
            asked={"from": first or "", "to": last or "", "zone": zone},
            zones=await zone_choices(db_session),
            query=query,
        )

    @get("/charts/{chart:str}", name="dashboard-chart")
    async def chart(
        self,
        chart: FromPath[str],
        db_session: DbSession,
        account: SignedIn,
        now: Now,
        first: DayQuery = None,
        last: LastDayQuery = None,
        zone: ZoneQuery = "UTC",
    ) -> Response[str]:
        """One chart as SVG (``complaints.svg``, ``sla.svg``, ``csat.svg``)."""
        name = chart.removesuffix(".svg")
        _check_figures(account, name, CHARTS)
        view = await dashboard(db_session, now, first=first, last=last, zone=zone)
        return Response(
            chart_svg(view, name, account.locale),
            media_type="image/svg+xml",
            headers=CHART_HEADERS,
        )

    @get("/tables/{table:str}", name="dashboard-table")
    async def table(
        self,
        table: FromPath[str],
        db_session: DbSession,
        account: SignedIn,
        now: Now,
        first: DayQuery = None,
        last: LastDayQuery = None,
        zone: ZoneQuery = "UTC",
    ) -> Response[str]:
        """One table as CSV (``complaints.csv``, ``sla.csv``, … see insight.TABLES)."""
        name = table.removesuffix(".csv")
        _check_figures(account, name, TABLES)
        view = await dashboard(db_session, now, first=first, last=last, zone=zone)
        filename = f"meridian-{name}-{view.first_day}-{view.last_day}.csv"
        return Response(
            table_csv(view, name),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
