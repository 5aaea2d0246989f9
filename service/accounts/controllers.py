"""Sign-in and sign-out pages: server-side sessions in Redis, CSRF, throttled attempts."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from service.accounts import throttle
from service.accounts.services import sign_in
from service.common.errors import TooManyAttempts, Unauthenticated
from service.http.browser_sessions import rotate_session_id
from service.http.dependencies import DbSession
from service.http.params import AcceptLanguage, LangQuery
from service.web.pages import (
    PRIVATE_PAGE_HEADERS,
    page_locale,
    render_page,
)

SESSION_ACCOUNT = "account"
LANDING = "/team"


class SignInForm(msgspec.Struct):
    email: str = ""
    password: str = ""
    lang: str = ""


class AccountPages(Controller):
    """Sign-in and sign-out pages (browser pages, not part of the API document)."""

    include_in_schema = False
    response_headers = PRIVATE_PAGE_HEADERS

    @get("/login", name="login")
    async def login_form(
        self, request: Request[Any, Any, Any], lang: LangQuery, accept_language: AcceptLanguage
    ) -> Template | Redirect:
        if request.session.get(SESSION_ACCOUNT):
            return Redirect(LANDING, status_code=HTTP_303_SEE_OTHER)
        locale = page_locale(lang, accept_language)
        return render_page(request, "login.html", locale, form=SignInForm(lang=locale))

    @post("/login", name="sign-in")
    async def sign_in(
        self,
        request: Request[Any, Any, Any],
        data: Annotated[SignInForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
        accept_language: AcceptLanguage,
        db_session: DbSession,
        state: State,
    ) -> Template | Redirect:
        """Start a session for the account, or show the form again saying what went wrong."""
        locale = page_locale(data.lang, accept_language)
        redis = await state.arq.pool()
        client = request.client.host if request.client else "unknown"
        form = SignInForm(email=data.email, lang=locale)
        try:
            await throttle.check(redis, data.email, client)
            async with db_session.begin():
                account = await sign_in(db_session, data.email, data.password)
        except TooManyAttempts as refused:
            page = render_page(request, "login.html", locale, 429, form=form, problem=refused.kind)
            page.headers["Retry-After"] = str(refused.retry_after)
            return page
        except Unauthenticated as refused:
            await throttle.record_failure(redis, data.email, client)
            return render_page(request, "login.html", locale, 401, form=form, problem=refused.kind)
        await throttle.record_success(redis, data.email)
        rotate_session_id(request)
        request.set_session({SESSION_ACCOUNT: account.id})
        return Redirect(LANDING, status_code=HTTP_303_SEE_OTHER)

    @post("/logout", name="sign-out")
    async def sign_out(self, request: Request[Any, Any, Any]) -> Redirect:
        request.clear_session()
        return Redirect("/login", status_code=HTTP_303_SEE_OTHER)
