"""The team workspace: the inbox of a signed-in agent's teams and the case page where they
claim, reply and resolve. Pages are in the account's own language."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any, TypeVar
from urllib.parse import quote, urlencode

import msgspec
from babel import Locale, UnknownLocaleError
from babel.numbers import format_percent
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, QueryParameter
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from service.accounts.controllers import SESSION_ACCOUNT
from service.accounts.services import caller_for
from service.cases import casework
from service.cases.access import case_for_team
from service.common.errors import Conflict, InvalidInput
from service.common.validation import check_text
from service.db.models import Account, Team
from service.http.dependencies import DbSession, Now, NudgeOutbox, SessionFactory
from service.i18n import messages
from service.i18n.formatting import format_due
from service.i18n.negotiation import catalog_name
from service.web.pages import PRIVATE_PAGE_HEADERS, render_page

SignedIn = NamedDependency[Account]
REASSIGNING_ROLES = frozenset({"lead", "ops", "admin"})
INBOX_REFRESH_SECONDS = 5
"""How often an open inbox fetches itself again (static/inbox.js)."""


class SignInRequired(Exception):
    """The page needs a signed-in, enabled account."""


def _to_sign_in(_: Request[Any, Any, Any], __: SignInRequired) -> Response[Any]:
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


def _back_to_case(reference: str, notice: str) -> Redirect:
    """Back to the case page (post/redirect/get), with a notice the page words."""
    query = urlencode({"notice": notice})
    return Redirect(f"/team/cases/{quote(reference)}?{query}", status_code=HTTP_303_SEE_OTHER)


def _back_to_inbox(notice: str) -> Redirect:
    return Redirect(f"/team/?{urlencode({'notice': notice})}", status_code=HTTP_303_SEE_OTHER)


def _display_language(tag: str, locale: str) -> str:
    """A language tag's name in the page's language ("Chinese (Traditional)"); the tag itself
    when Babel does not know it."""
    try:
        name = Locale.parse(tag.replace("-", "_")).get_display_name(catalog_name(locale))
    except (ValueError, UnknownLocaleError):
        return tag
    return name or tag


async def _workspace_values(session: AsyncSession, locale: str) -> dict[str, Any]:
    """What every workspace page shows besides its own content, worded in `locale`."""
    catalog = catalog_name(locale)
    return {
        "team_names": await casework.team_names(session),
        "status_label": partial(messages.status_label, locale),
        "severity_label": partial(messages.severity_label, locale),
        "language_name": partial(_display_language, locale=locale),
        "due": partial(format_due, tz="UTC", locale=locale),
        "percent": partial(format_percent, locale=catalog),
    }


class ReplyForm(msgspec.Struct):
    body: str = ""


class ResolveForm(msgspec.Struct):
    summary: str = ""


class NoteForm(msgspec.Struct):
    text: str = ""


class TransferForm(msgspec.Struct):
    team: str = ""
    back: str = ""
    """"inbox" when the form is on the inbox (a lead's reassignment)."""


FormT = TypeVar("FormT")
Form = Annotated[FormT, Body(media_type=RequestEncodingType.URL_ENCODED)]


async def _team_keys(session: AsyncSession, account: Account) -> list[str]:
    caller = await caller_for(session, account)
    if caller.ops:
        return list((await session.scalars(select(Team.key).order_by(Team.key))).all())
    return sorted(caller.teams)


async def provide_case_work(
    db_session: DbSession,
    sessions: SessionFactory,
    account: SignedIn,
    now: Now,
    nudge_outbox: NudgeOutbox,
) -> casework.CaseWork:
    """The action's session stays free for its transaction: the caller is read in another."""
    async with sessions() as session:
        caller = await caller_for(session, account)
    return casework.CaseWork(db_session, caller, now, nudge_outbox)


async def _apply(
    work: casework.CaseWork, reference: str, action: casework.CaseAction, *, to_inbox: bool = False
) -> Redirect:
    """Apply the action and come back to the case page (or the inbox), saying how it went."""
    try:
        changed = await work.apply(reference, action)
    except (Conflict, InvalidInput) as refused:
        return _back_to_inbox(refused.kind) if to_inbox else _back_to_case(reference, refused.kind)
    if to_inbox or not work.caller.may_act_for(changed.team):
        return _back_to_inbox("done")  # moved out of this person's reach: back to the inbox
    return _back_to_case(reference, "done")


Work = NamedDependency[casework.CaseWork]


class TeamPages(Controller):
    path = "/team"
    dependencies = {  # noqa: RUF012
        "account": Provide(provide_account),
        "work": Provide(provide_case_work),
    }
    exception_handlers = {SignInRequired: _to_sign_in}  # noqa: RUF012
    response_headers = PRIVATE_PAGE_HEADERS

    @get("/", name="team-inbox")
    async def inbox(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        account: SignedIn,
        now: Now,
        notice: Annotated[str | None, QueryParameter()] = None,
    ) -> Template:
        """The open cases of the account's teams (a lead's: every team of the region), most
        urgent first; leads and ops can reassign a case to another team from here."""
        queues = await casework.queues(db_session, await _team_keys(db_session, account))
        values = await _workspace_values(db_session, account.locale)
        return render_page(
            request,
            "team_inbox.html",
            account.locale,
            account=account,
            queues=queues,
            now=now,
            notice=notice,
            can_reassign=account.role in REASSIGNING_ROLES,
            reassign_teams=sorted(values["team_names"]),
            refresh_seconds=INBOX_REFRESH_SECONDS,
            **values,
        )

    @get("/cases/{reference:str}", name="team-case")
    async def case_page(
        self,
        request: Request[Any, Any, Any],
        reference: FromPath[str],
        db_session: DbSession,
        account: SignedIn,
        notice: Annotated[str | None, QueryParameter()] = None,
    ) -> Template:
        case = await case_for_team(db_session, await caller_for(db_session, account), reference)
        detail = await casework.agent_view(db_session, case)
        values = await _workspace_values(db_session, account.locale)
        return render_page(
            request, "team_case.html", account.locale, case=detail, notice=notice, **values
        )

    @post("/cases/{reference:str}/claim", name="team-claim")
    async def claim(self, reference: FromPath[str], work: Work) -> Redirect:
        return await _apply(work, reference, partial(casework.claim, agent=work.actor()))

    @post("/cases/{reference:str}/reply", name="team-reply")
    async def reply(
        self,
        reference: FromPath[str],
        data: Form[ReplyForm],
        work: Work,
    ) -> Redirect:
        if check_text(data.body):
            return _back_to_case(reference, "empty-reply")
        body = data.body.strip()
        return await _apply(work, reference, partial(casework.reply, agent=work.actor(), body=body))

    @post("/cases/{reference:str}/notes", name="team-note")
    async def add_note(
        self, reference: FromPath[str], data: Form[NoteForm], work: Work
    ) -> Redirect:
        if check_text(data.text):
            return _back_to_case(reference, "empty-note")
        action = partial(casework.add_note, agent=work.actor(), text=data.text.strip())
        return await _apply(work, reference, action)

    @post("/cases/{reference:str}/transfer", name="team-transfer")
    async def transfer(
        self,
        reference: FromPath[str],
        data: Form[TransferForm],
        work: Work,
    ) -> Redirect:
        action = partial(casework.transfer, agent=work.actor(), team=data.team)
        return await _apply(work, reference, action, to_inbox=data.back == "inbox")

    @post("/cases/{reference:str}/resolve", name="team-resolve")
    async def resolve(
        self,
        reference: FromPath[str],
        data: Form[ResolveForm],
        work: Work,
    ) -> Redirect:
        if not (summary := data.summary.strip()):
            return _back_to_case(reference, "empty-summary")
        action = partial(casework.resolve, agent=work.actor(), summary=summary)
        return await _apply(work, reference, action)

    @post("/cases/{reference:str}/reopen", name="team-reopen")
    async def reopen(self, reference: FromPath[str], work: Work) -> Redirect:
        return await _apply(work, reference, partial(casework.reopen, agent=work.actor()))
