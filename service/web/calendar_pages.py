"""The teams' calendars in the browser, for ops: the list of teams with the team file to
download, and a team's calendar editor with a preview of the change before it is saved."""

from __future__ import annotations

import difflib
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, post
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from routing.model import TeamSpec
from routing.team_file import TeamFileError, parse_teams
from service.common.errors import InvalidInput
from service.db.models import Account
from service.http.dependencies import AppSettings, DbSession, Now
from service.teams.calendar_form import (
    CalendarForm,
    CalendarProblems,
    edited_spec,
    form_of,
    preview,
)
from service.teams.directory import export_teams, load_teams, spec_of, upsert_teams
from service.teams.services import find_team
from service.web.ops_pages import page_helpers
from service.web.workspace import (
    Form,
    SignedIn,
    WorkspaceController,
    back_to,
    render_workspace,
    require_role,
)

CALENDAR_ROLES = ("ops", "admin")
TEAMS = "/ops/teams"


class CalendarFormBody(CalendarForm, frozen=True):
    """The editor's form as posted: its fields, and which button was pressed."""

    action: str = "preview"


class TeamFileBody(msgspec.Struct):
    """A team file pasted into the Teams page, and which button was pressed."""

    text: str = ""
    action: str = "preview"


class CalendarPages(WorkspaceController):
    path = TEAMS

    @get("/", name="ops-teams")
    async def teams(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        account: SignedIn,
        notice: Annotated[str | None, QueryParameter()] = None,
    ) -> Template:
        """Every team with its zone and a link to its calendar; the team file to download."""
        require_role(account, *CALENDAR_ROLES)
        return await self._teams(request, db_session, account, notice=notice)

    async def _teams(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        account: Account,
        status_code: int = 200,
        **values: Any,
    ) -> Template:
        return await render_workspace(
            request,
            db_session,
            account,
            "ops_teams.html",
            status_code,
            nav="teams",
            teams=[spec_of(team) for team in await load_teams(db_session)],
            **values,
        )

    @get("/file", name="ops-team-file")
    async def team_file(self, db_session: DbSession, account: SignedIn) -> Response[str]:
        """The team file (TOML) of every team, as `meridian calendar export` writes it."""
        require_role(account, *CALENDAR_ROLES)
        return Response(
            await export_teams(db_session),
            media_type="application/toml; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="meridian-teams.toml"'},
        )

    @post("/file", name="ops-team-file-import", status_code=200)
    async def import_file(
        self,
        request: Request[Any, Any, Any],
        data: Form[TeamFileBody],
        db_session: DbSession,
        account: SignedIn,
        settings: AppSettings,
    ) -> Template:
        """Preview a team file (what it would create and change, as a diff), or import it; its
        problems are listed with their line numbers and nothing is saved."""
        require_role(account, *CALENDAR_ROLES)
        before = await export_teams(db_session)
        values: dict[str, Any] = {"text": data.text}
        try:
            changes = await upsert_teams(
                db_session,
                parse_teams(data.text),
                dry_run=data.action != "import",
                allow_loopback_http=settings.dev_http_webhooks,
            )
        except TeamFileError as refused:
            values["file_problems"] = [(p.line, p.message) for p in refused.problems]
        except InvalidInput as refused:
            values["file_problems"] = [(None, e.get("message")) for e in refused.errors or ()]
        else:
            if data.action == "import":
                await db_session.commit()
            values["changes"] = changes
            values["imported"] = data.action == "import"
            values["diff"] = list(
                difflib.unified_diff(
                    before.splitlines(), data.text.splitlines(), "saved", "file", lineterm=""
                )
            )
        return await self._teams(
            request, db_session, account, 422 if "file_problems" in values else 200, **values
        )

    @get("/{key:str}/calendar", name="ops-calendar")
    async def calendar(
        self,
        request: Request[Any, Any, Any],
        key: FromPath[str],
        db_session: DbSession,
        account: SignedIn,
    ) -> Template:
        require_role(account, *CALENDAR_ROLES)
        stored = spec_of(await find_team(db_session, key))
        return await self._editor(request, db_session, account, stored, form_of(stored))

    @post("/{key:str}/calendar", name="ops-calendar-save", status_code=200)
    async def change(
        self,
        request: Request[Any, Any, Any],
        key: FromPath[str],
        data: Form[CalendarFormBody],
        db_session: DbSession,
        account: SignedIn,
        now: Now,
    ) -> Template | Redirect:
        """Preview the change (nothing saved), or save it; a problem keeps the form as typed
        with each problem next to its field."""
        require_role(account, *CALENDAR_ROLES)
        stored = spec_of(await find_team(db_session, key))
        try:
            edited = edited_spec(stored, data)
        except CalendarProblems as refused:
            return await self._editor(
                request, db_session, account, stored, data, problems=refused.problems
            )
        if data.action != "save":
            return await self._editor(
                request, db_session, account, stored, data, change=preview(stored, edited, now)
            )
        await upsert_teams(db_session, [edited])  # in the transaction that read the team
        await db_session.commit()
        return back_to(TEAMS, "calendar-saved", team=key)

    async def _editor(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        account: Account,
        stored: TeamSpec,
        form: CalendarForm,
        **values: Any,
    ) -> Template:
        problems = values.get("problems") or {}
        return await render_workspace(
            request,
            db_session,
            account,
            "ops_calendar.html",
            422 if problems else 200,
            nav="teams",
            team=stored,
            form=msgspec.structs.asdict(form),
            problems=problems,
            **page_helpers(None, account.locale),
            **{k: v for k, v in values.items() if k != "problems"},
        )
