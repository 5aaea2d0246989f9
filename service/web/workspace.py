"""What every page of the team workspace shares: the signed-in account, its language, the
navigation, and the post/redirect/get answers of its forms."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import datetime
from functools import partial
from typing import Annotated, Any, TypeVar
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_timedelta
from babel.numbers import format_percent
from litestar import Controller, Request, Response
from litestar.di import NamedDependency, Provide
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER
from sqlalchemy.ext.asyncio import AsyncSession

from service.accounts.controllers import SESSION_ACCOUNT
from service.common.errors import Forbidden, InvalidInput
from service.db.models import Account
from service.http.dependencies import SessionFactory
from service.i18n import messages
from service.i18n.catalogs import translations
from service.i18n.formatting import format_moment, format_size
from service.i18n.negotiation import catalog_name
from service.teams.directory import team_names
from service.web.pages import PRIVATE_PAGE_HEADERS, render_page

SignedIn = NamedDependency[Account]
FormT = TypeVar("FormT")
T = TypeVar("T")
UTC_ZONE = ZoneInfo("UTC")
UNDETERMINED = "und"
Form = Annotated[FormT, Body(media_type=RequestEncodingType.URL_ENCODED)]


class SignInRequired(Exception):
    """The page needs a signed-in, enabled account."""


def to_sign_in(_: Request[Any, Any, Any], __: SignInRequired) -> Response[Any]:
    return Redirect("/login", status_code=HTTP_303_SEE_OTHER)


async def provide_account(request: Request[Any, Any, Any], sessions: SessionFactory) -> Account:
    """The signed-in account, read in a session of its own (the page's session stays free for
    the transaction of an action)."""
    account_id = request.session.get(SESSION_ACCOUNT) if request.session else None
    account = None
    if account_id:
        async with sessions() as session:
            account = await session.get(Account, account_id)
    if account is None or account.disabled:
        request.clear_session()
        raise SignInRequired
    return account


class WorkspaceController(Controller):
    """A controller of workspace pages: the signed-in account is provided (else the visitor is
    sent to sign in), and no cache keeps the pages. Pages are not part of the API document."""

    include_in_schema = False
    dependencies = {"account": Provide(provide_account)}  # noqa: RUF012
    exception_handlers = {SignInRequired: to_sign_in}  # noqa: RUF012
    response_headers = PRIVATE_PAGE_HEADERS


async def figures_or_errors(work: Awaitable[T]) -> tuple[T | None, dict[str, str]]:
    """What a page of figures shows, or (when its query is wrong) each field's problem."""
    try:
        return await work, {}
    except InvalidInput as refused:
        return None, {str(e.get("field")): str(e.get("message")) for e in refused.errors or ()}


def require_role(account: Account, *roles: str) -> None:
    if account.role not in roles:
        raise Forbidden(f"this page is for the {', '.join(roles)} role")


def back_to(path: str, notice: str, **query: str) -> Redirect:
    """Back to a page (post/redirect/get), with a notice the page words."""
    return Redirect(
        f"{path}?{urlencode({'notice': notice, **query})}", status_code=HTTP_303_SEE_OTHER
    )


def display_language(tag: str, locale: str) -> str:
    """A language tag's name in the page's language ("Chinese (Traditional)"); the tag itself
    when Babel does not know it."""
    if tag.lower() == UNDETERMINED:
        # NOTE: Shown instead of a language name when detection could not tell the language.
        return translations(locale).gettext("Language not detected")
    try:
        name = Locale.parse(tag.replace("-", "_")).get_display_name(catalog_name(locale))
    except (ValueError, UnknownLocaleError):
        return tag
    return name or tag


def _utc_moment(moment: datetime, locale: str) -> str:
    """Times in the workspace: one zone for teams around the world (UTC), said after each."""
    return f"{format_moment(moment, UTC_ZONE, locale)} UTC"


async def render_workspace(
    request: Request[Any, Any, Any],
    session: AsyncSession,
    account: Account,
    template: str,
    status_code: int = 200,
    **values: Any,
) -> Template:
    """A workspace page in the account's language, with what every such page shows."""
    locale, catalog = account.locale, catalog_name(account.locale)
    return render_page(
        request,
        template,
        locale,
        status_code,
        account=account,
        team_names=await team_names(session),
        status_label=partial(messages.status_label, locale),
        severity_label=partial(messages.severity_label, locale),
        tier_label=partial(messages.tier_label, locale),
        activity_label=partial(messages.activity_label, locale),
        channel_label=partial(messages.channel_label, locale),
        language_name=partial(display_language, locale=locale),
        due=partial(_utc_moment, locale=locale),
        percent=partial(format_percent, locale=catalog),
        remaining=partial(format_timedelta, locale=catalog, add_direction=True, threshold=1.5),
        file_size=partial(format_size, locale=locale),
        error_text=partial(messages.error_text, locale),
        error_codes=messages.ERROR_CODES,
        **values,
    )
