"""The translators' page: catalog completeness weighted by the share of complaints in each
language, the languages customers write in that have no catalog, and the strings missing."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, get
from litestar.params import QueryParameter
from litestar.response import Template

from service.http.dependencies import DbSession, Now
from service.i18n.catalogs import locales_dir
from service.i18n.translator_stats import locale_stats, untranslated
from service.web.workspace import SignedIn, WorkspaceController, render_workspace, require_role

TRANSLATING_ROLES = ("translator", "ops", "admin")


class TranslatePage(WorkspaceController):
    path = "/translate"

    @get("/", name="translate")
    async def translate(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        account: SignedIn,
        now: Now,
        days: Annotated[int, QueryParameter()] = 30,
    ) -> Template:
        """The same figures as `meridian locales stats`, with each catalog's missing strings."""
        require_role(account, *TRANSLATING_ROLES)
        days = min(max(days, 1), 3650)
        stats = await locale_stats(db_session, now=now, days=days)
        directory = locales_dir()
        return await render_workspace(
            request,
            db_session,
            account,
            "translate.html",
            nav="translate",
            stats=stats,
            days=days,
            missing={
                row.locale: untranslated(directory, row.locale)
                for row in stats.locales
                if row.has_catalog and row.missing + row.fuzzy
            },
        )
