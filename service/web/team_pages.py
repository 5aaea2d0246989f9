"""The team workspace: the inbox of a signed-in agent's teams and the case page where they
claim, reply and resolve. Pages are in the account's own language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
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
from service.cases.access import case_for_team, find_case
from service.common.caller import Caller
from service.common.errors import Conflict, InvalidInput
from service.common.validation import check_text
from service.db.models import Account, Team
from service.http.dependencies import DbSession, Now, Nudge, NudgeOutbox, SessionFactory
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
    names = {key: name for key, name in (await session.execute(select(Team.key, Team.name)))}
    return {
        "team_names": names,
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


@dataclass(frozen=True)
class PageWork:
    """A signed-in person's change to one case from the case page."""

    session: AsyncSession
    account: Account
    caller: Caller
    now: datetime
    nudge_outbox: Nudge

    @property
    def agent(self) -> str:
        """The name the change is recorded under: the account's e-mail address."""
        return self.account.email

    async def apply(
        self, reference: str, action: casework.CaseAction, *, to_inbox: bool = False
    ) -> Redirect:
        """Apply the action and come back to the case page (or the inbox), saying how it went."""
        try:
            await casework.act(self.session, self.caller, reference, action, self.now)
        except (Conflict, InvalidInput) as refused:
            if to_inbox:
                return _back_to_inbox(refused.kind)
            return _back_to_case(reference, refused.kind)
        self.nudge_outbox()
        if to_inbox or not self.caller.may_act_for(await self._team_of(reference)):
            return _back_to_inbox("done")  # moved out of this person's reach: back to the inbox
        return _back_to_case(reference, "done")

    async def _team_of(self, reference: str) -> str | None:
        case = await find_case(self.session, reference)
        return case.team_key if case else None


async def provide_page_work(
    db_session: DbSession,
    sessions: SessionFactory,
    account: SignedIn,
    now: Now,
    nudge_outbox: NudgeOutbox,
) -> PageWork:
    """The action's session stays free for its transaction: the caller is read in another."""
    async with sessions() as session:
        caller = await caller_for(session, account)
    return PageWork(db_session, account, caller, now, nudge_outbox)


Work = NamedDependency[PageWork]


class TeamPages(Controller):
    path = "/team"
    dependencies = {  # noqa: RUF012
        "account": Provide(provide_account),
        "work": Provide(provide_page_work),
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
        teams = await _team_keys(db_session, account)
        queues = [await casework.queue(db_session, team) for team in teams]
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
        return await work.apply(reference, partial(casework.claim, agent=work.agent))

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
        return await work.apply(reference, partial(casework.reply, agent=work.agent, body=body))

    @post("/cases/{reference:str}/notes", name="team-note")
    async def add_note(
        self, reference: FromPath[str], data: Form[NoteForm], work: Work
    ) -> Redirect:
        if check_text(data.text):
            return _back_to_case(reference, "empty-note")
        text = data.text.strip()
        return await work.apply(reference, partial(casework.add_note, agent=work.agent, text=text))

    @post("/cases/{reference:str}/transfer", name="team-transfer")
    async def transfer(
        self,
        reference: FromPath[str],
        data: Form[TransferForm],
        work: Work,
    ) -> Redirect:
        action = partial(casework.transfer, agent=work.agent, team=data.team)
        return await work.apply(reference, action, to_inbox=data.back == "inbox")

    @post("/cases/{reference:str}/resolve", name="team-resolve")
    async def resolve(
        self,
        reference: FromPath[str],
        data: Form[ResolveForm],
        work: Work,
    ) -> Redirect:
        if not (summary := data.summary.strip()):
            return _back_to_case(reference, "empty-summary")
        action = partial(casework.resolve, agent=work.agent, summary=summary)
        return await work.apply(reference, action)

    @post("/cases/{reference:str}/reopen", name="team-reopen")
    async def reopen(self, reference: FromPath[str], work: Work) -> Redirect:
        return await work.apply(reference, partial(casework.reopen, agent=work.agent))
