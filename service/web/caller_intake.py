"""An agent files a complaint for a caller (phone) or a chat customer: routed like any other,
acknowledged to the customer in their language, with the agent recorded as who filed it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

from litestar import Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from routing.language.tags import canonical_tag
from service.accounts.services import caller_for
from service.attachments.files import (
    FILE_REFUSALS,
    CaseStep,
    Limits,
    adding,
    problem_code,
    stored_first,
)
from service.cases.intake import file_case
from service.cases.language_override import override_language
from service.cases.schemas import Contact, IntakeRequest
from service.common.errors import InvalidInput
from service.db.models import Account, Case
from service.http.dependencies import (
    AppSettings,
    AttachmentStorage,
    Now,
    NudgeOutbox,
    SessionFactory,
)
from service.http.uploads import UPLOAD_MAX_BODY_BYTES, checked, form_with_files
from service.i18n import messages
from service.i18n.negotiation import SUPPORTED, language_tag
from service.web.pages import FieldError, field_errors, file_input
from service.web.workspace import SignedIn, WorkspaceController, back_to, render_workspace

CALLER_CHANNELS = ("phone", "chat")


@dataclass
class CallerForm:
    """The form as posted; every field may be missing or empty."""

    channel: str = "phone"
    email: str = ""
    name: str = ""
    phone: str = ""
    language: str = ""
    """A BCP 47 tag chosen by the agent, or empty: detected from the text."""
    text: str = ""


def _choosing_language(tag: str, agent: str) -> CaseStep:
    """The step that sets the language the agent chose (routing and replies follow it)."""

    async def step(session: AsyncSession, case: Case, now: datetime) -> None:
        if tag and canonical_tag(tag) != case.language:
            await override_language(session, case, now, language=tag, agent=agent)

    return step


class CallerIntakePage(WorkspaceController):
    path = "/team/file"

    async def _page(
        self,
        request: Request[Any, Any, Any],
        sessions: SessionFactory,
        account: Account,
        form: CallerForm,
        errors: list[FieldError],
    ) -> Template:
        async with sessions() as session:
            return await render_workspace(
                request,
                session,
                account,
                "team_file.html",
                422 if errors else 200,
                form=form,
                errors=errors,
                error_of={error.control: error.text for error in errors if error.control},
                channels=CALLER_CHANNELS,
                languages=[language_tag(locale) for locale in SUPPORTED],
                **file_input(request, account.locale),
            )

    @get("/", name="team-file-complaint")
    async def form(
        self, request: Request[Any, Any, Any], sessions: SessionFactory, account: SignedIn
    ) -> Template:
        return await self._page(request, sessions, account, CallerForm(), [])

    @post("/", name="team-file-complaint-send", request_max_body_size=UPLOAD_MAX_BODY_BYTES)
    async def file(
        self,
        request: Request[Any, Any, Any],
        sessions: SessionFactory,
        settings: AppSettings,
        attachments: AttachmentStorage,
        account: SignedIn,
        now: Now,
        nudge_outbox: NudgeOutbox,
    ) -> Template | Redirect:
        """File the complaint; the agent lands on the case if their team has it."""
        data, posted_files = await form_with_files(request, CallerForm)
        locale = account.locale
        if data.channel not in CALLER_CHANNELS:
            data.channel = "phone"
        if data.language and canonical_tag(data.language) is None:
            data.language = ""
        limits = Limits.of(settings)
        try:
            files = await checked(request, posted_files)
        except FILE_REFUSALS as refused:
            error = FieldError("files", messages.error_text(locale, problem_code(refused) or ""))
            return await self._page(request, sessions, account, data, [error])
        complaint = IntakeRequest(
            text=data.text,
            contact=Contact(
                email=data.email.strip(),
                name=data.name.strip() or None,
                phone=data.phone.strip() or None,
            ),
            locale=data.language or None,
            channel=data.channel,  # type: ignore[arg-type]
        )
        attach = adding(files, limits, by=account.email)
        choose = _choosing_language(data.language, account.email)

        async def with_case(session: AsyncSession, case: Case, at: datetime) -> None:
            await attach(session, case, at)
            await choose(session, case, at)

        try:
            async with stored_first(sessions, attachments, files):
                filed = await file_case(
                    sessions,
                    complaint,
                    accept_language=None,
                    now=now,
                    acknowledgements_per_hour=settings.acknowledgement_cap,
                    with_case=with_case,
                    filed_by=account.email,
                )
        except InvalidInput as invalid:
            errors = field_errors(locale, invalid.errors or [])
            return await self._page(request, sessions, account, data, errors)
        nudge_outbox()
        async with sessions() as session:
            caller = await caller_for(session, account)
        reference = filed.case.reference
        if caller.may_act_for(filed.case.team_key):
            return back_to(f"/team/cases/{quote(reference)}", "filed")
        return back_to("/team/", "filed-elsewhere", reference=reference)
