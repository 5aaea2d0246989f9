"""The signed-in person's own account (language of the workspace, personal API tokens) and the
administrator's accounts page (add, disable, reset a password)."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

import msgspec
from litestar import Request, get, post
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from service.accounts.services import (
    MAX_CAPACITY,
    ROLES,
    NewAccount,
    add_account,
    disable_account,
    list_accounts,
    parse_languages,
    set_password,
)
from service.accounts.tokens import create_token, list_tokens, revoke_token
from service.cases.offers import PRESENCES, set_presence
from service.common.errors import Conflict, InvalidInput, NotFound
from service.db.models import Account
from service.http.dependencies import DbSession, Now
from service.i18n.negotiation import SUPPORTED
from service.web.pages import language_choices
from service.web.workspace import (
    Form,
    SignedIn,
    WorkspaceController,
    back_to,
    render_workspace,
    require_role,
)

MY_ACCOUNT = "/team/account"
ACCOUNTS = "/admin/accounts"


class LanguageChoice(msgspec.Struct):
    locale: str = ""


class PresenceForm(msgspec.Struct):
    presence: str = ""


class TokenForm(msgspec.Struct):
    name: str = ""


class AccountForm(msgspec.Struct):
    email: str = ""
    role: str = ""
    teams: str = ""
    """Team keys separated by commas or spaces."""
    region: str = ""
    languages: str = ""
    """An agent's languages: "ja=native en=fluent"."""
    capacity: str = "5"


class MyAccountPages(WorkspaceController):
    """The signed-in person's own settings."""

    async def _my_account(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        account: Account,
        *,
        notice: str | None = None,
        new_token: str | None = None,
        problem: str | None = None,
    ) -> Template:
        return await render_workspace(
            request,
            db_session,
            account,
            "my_account.html",
            422 if problem else 200,
            nav="account",
            notice=notice,
            new_token=new_token,
            problem=problem,
            tokens=await list_tokens(db_session, account.email),
            locales=language_choices(),
        )

    @get(MY_ACCOUNT, name="my-account")
    async def my_account(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        account: SignedIn,
        notice: Annotated[str | None, QueryParameter()] = None,
    ) -> Template:
        return await self._my_account(request, db_session, account, notice=notice)

    @post(f"{MY_ACCOUNT}/language", name="my-language")
    async def set_language(
        self, data: Form[LanguageChoice], db_session: DbSession, account: SignedIn
    ) -> Redirect:
        """The workspace's language for this account (customers' languages are their own)."""
        if data.locale not in SUPPORTED:
            return back_to(MY_ACCOUNT, "invalid-input")
        async with db_session.begin():
            mine = await db_session.get(Account, account.id)
            if mine is not None:
                mine.locale = data.locale
        return back_to(MY_ACCOUNT, "language-saved")

    @post(f"{MY_ACCOUNT}/presence", name="my-presence")
    async def set_presence(
        self, data: Form[PresenceForm], db_session: DbSession, account: SignedIn, now: Now
    ) -> Redirect:
        """Available or away; going away hands the agent's open cases to colleagues."""
        if data.presence not in PRESENCES:
            return back_to(MY_ACCOUNT, "invalid-input")
        async with db_session.begin():
            mine = await db_session.get(Account, account.id, with_for_update=True)
            if mine is not None:
                await set_presence(db_session, mine, data.presence, now)
        return back_to(MY_ACCOUNT, f"presence-{data.presence}")

    @post(f"{MY_ACCOUNT}/tokens", name="my-token-create", status_code=200)
    async def create_token(
        self,
        request: Request[Any, Any, Any],
        data: Form[TokenForm],
        db_session: DbSession,
        account: SignedIn,
    ) -> Template:
        """A new personal token, shown on this page once and never again."""
        name = data.name.strip()
        if not name or len(name) > 100:
            return await self._my_account(request, db_session, account, problem="token-name")
        async with db_session.begin():
            _, token = await create_token(db_session, account.email, name)
        return await self._my_account(request, db_session, account, new_token=token)

    @post(f"{MY_ACCOUNT}/tokens/{{token_id:int}}/revoke", name="my-token-revoke")
    async def revoke(
        self, token_id: FromPath[int], db_session: DbSession, account: SignedIn, now: Now
    ) -> Redirect:
        async with db_session.begin():
            await revoke_token(db_session, token_id, now, owner=account.id)
        return back_to(MY_ACCOUNT, "token-revoked")


class AdminPages(WorkspaceController):
    """Every account, for administrators."""

    path = ACCOUNTS

    async def _accounts(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        account: Account,
        *,
        notice: str | None = None,
        issued: tuple[str, str] | None = None,
        errors: list[dict[str, Any]] | None = None,
        form: AccountForm | None = None,
    ) -> Template:
        return await render_workspace(
            request,
            db_session,
            account,
            "accounts.html",
            422 if errors else 200,
            nav="accounts",
            notice=notice,
            issued=issued,
            errors={str(e.get("field")) for e in errors or ()},
            form=form or AccountForm(role="agent"),
            max_capacity=MAX_CAPACITY,
            roles=ROLES,
            accounts=await list_accounts(db_session),
        )

    @get("/", name="accounts")
    async def accounts(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        account: SignedIn,
        notice: Annotated[str | None, QueryParameter()] = None,
    ) -> Template:
        require_role(account, "admin")
        return await self._accounts(request, db_session, account, notice=notice)

    @post("/", name="account-add", status_code=200)
    async def add(
        self,
        request: Request[Any, Any, Any],
        data: Form[AccountForm],
        db_session: DbSession,
        account: SignedIn,
    ) -> Template:
        """A new account with a one-time password, shown on this page once."""
        require_role(account, "admin")
        teams = tuple(t for t in data.teams.replace(",", " ").split() if t)
        capacity = int(data.capacity) if data.capacity.strip().isdigit() else 0
        new = NewAccount(
            data.email,
            data.role,
            teams,
            data.region.strip() or None,
            account.locale,
            languages=parse_languages(data.languages),
            capacity=capacity,
        )
        password = secrets.token_urlsafe(16)
        try:
            async with db_session.begin():
                await add_account(db_session, new, password)
        except InvalidInput as refused:
            return await self._accounts(
                request, db_session, account, errors=refused.errors, form=data
            )
        except Conflict:
            taken = [{"field": "email", "message": "taken"}]
            return await self._accounts(request, db_session, account, errors=taken, form=data)
        return await self._accounts(request, db_session, account, issued=(new.email, password))

    @post("/{email:str}/disable", name="account-disable")
    async def disable(
        self, email: FromPath[str], db_session: DbSession, account: SignedIn
    ) -> Redirect:
        require_role(account, "admin")
        async with db_session.begin():
            await disable_account(db_session, email)
        return back_to(ACCOUNTS, "done")

    @post("/{email:str}/password", name="account-reset", status_code=200)
    async def reset_password(
        self,
        request: Request[Any, Any, Any],
        email: FromPath[str],
        db_session: DbSession,
        account: SignedIn,
    ) -> Template:
        """A new one-time password for the account, shown once; the old one stops working."""
        require_role(account, "admin")
        password = secrets.token_urlsafe(16)
        try:
            async with db_session.begin():
                target = await set_password(db_session, email, password)
        except NotFound:
            return await self._accounts(request, db_session, account, notice="not-found")
        return await self._accounts(request, db_session, account, issued=(target.email, password))
