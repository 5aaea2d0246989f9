"""The team workspace: the inbox of a signed-in agent's teams and the case page where they
claim, reply and resolve. Pages are in the account's own language."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Annotated, Any
from urllib.parse import quote

import msgspec
from litestar import Request, Response, get, post
from litestar.datastructures import State, UploadFile
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template
from redis.exceptions import RedisError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from routing.lifecycle import OPEN_STATUSES, STATUSES
from service.accounts.services import SUPERVISING_ROLES, caller_for, team_members
from service.attachments.files import (
    FILE_REFUSALS,
    Limits,
    adding,
    attachment_of,
    problem_code,
    remove_file,
    stored_first,
)
from service.cases import casework, language_override, presence
from service.cases.access import case_for_team
from service.cases.queues import QueueFilter, queues
from service.common.errors import Conflict, InvalidInput
from service.common.validation import check_text
from service.db.models import Account, Case, Team
from service.http.dependencies import (
    AppSettings,
    AttachmentStorage,
    DbSession,
    Now,
    NudgeOutbox,
    SessionFactory,
)
from service.http.downloads import file_response
from service.http.uploads import UPLOAD_MAX_BODY_BYTES as UPLOAD_BODY
from service.http.uploads import checked, form_with_files
from service.i18n.negotiation import SUPPORTED, language_tag
from service.notify import customer_mail
from service.settings import Settings
from service.web.workspace import (
    Form,
    SignedIn,
    WorkspaceController,
    back_to,
    render_workspace,
)

REFRESH_SECONDS = 5
"""How often an open inbox or case page fetches itself again (static/live.js)."""
INBOX = "/team/"
OVERRIDE_LANGUAGES = tuple(language_tag(locale) for locale in SUPPORTED)


def _case_path(reference: str) -> str:
    return f"/team/cases/{quote(reference)}"


@dataclass
class ReplyForm:
    body: str = ""


class ResolveForm(msgspec.Struct):
    summary: str = ""


@dataclass
class NoteForm:
    text: str = ""


class TransferForm(msgspec.Struct):
    team: str = ""
    back: str = ""
    """"inbox" when the form is on the inbox (a lead's reassignment)."""


class AssignForm(msgspec.Struct):
    to: str = ""


class StatusForm(msgspec.Struct):
    status: str = ""


class LanguageForm(msgspec.Struct):
    language: str = ""


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
        return back_to(INBOX if to_inbox else _case_path(reference), refused.kind)
    if to_inbox or not work.caller.may_act_for(changed.team):
        return back_to(INBOX, "done")  # moved out of this person's reach: back to the inbox
    return back_to(_case_path(reference), "done")


async def _apply_with_files(
    request: Request[Any, Any, Any],
    work: casework.CaseWork,
    reference: str,
    action: Callable[..., Awaitable[None]],
    posted_files: list[UploadFile],
    *,
    internal: bool,
) -> Redirect:
    """`action` (a reply or a note, given `attach`) and the files posted with it, in one
    transaction; a refused file refuses both."""
    state = request.app.state
    limits = Limits.of(state.settings)
    try:
        files = await checked(request, posted_files)
    except FILE_REFUSALS as refused:
        return back_to(_case_path(reference), problem_code(refused) or refused.kind)
    attach = adding(files, limits, by=work.actor(), internal=internal)
    try:
        async with stored_first(state.sessions, state.attachments, files):
            return await _apply(work, reference, partial(action, attach=attach))
    except FILE_REFUSALS as refused:  # too many or too large for the case
        return back_to(_case_path(reference), problem_code(refused) or refused.kind)


async def _others_looking(state: State, reference: str, email: str, now: datetime) -> list[str]:
    """Other agents with this case open; nobody when Redis cannot say."""
    try:
        return await presence.looking_at(await state.arq.pool(), reference, email, now)
    except (RedisError, OSError):
        return []


Work = NamedDependency[casework.CaseWork]


class TeamPages(WorkspaceController):
    """The inbox and the case page."""

    path = "/team"
    dependencies = {  # noqa: RUF012
        **WorkspaceController.dependencies,
        "work": Provide(provide_case_work),
    }

    @get("/", name="team-inbox")
    async def inbox(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        account: SignedIn,
        now: Now,
        notice: Annotated[str | None, QueryParameter()] = None,
        status: Annotated[str | None, QueryParameter()] = None,
        language: Annotated[str | None, QueryParameter()] = None,
        mine: Annotated[str | None, QueryParameter()] = None,
        q: Annotated[str | None, QueryParameter()] = None,
    ) -> Template:
        """The open cases of the account's teams (a lead's: every team of the region), most
        urgent first, filtered and searched; leads and ops can reassign a case from here."""
        wanted = QueueFilter(
            status=status if status in OPEN_STATUSES else None,
            language=language or None,
            claimed_by=account.email if mine else None,
            search=q or None,
        )
        teams = await _team_keys(db_session, account)
        found = await queues(db_session, teams, now, wanted)
        languages = await db_session.scalars(
            select(Case.language)
            .where(Case.team_key.in_(teams), Case.status.in_(OPEN_STATUSES))
            .distinct()
        )
        return await render_workspace(
            request,
            db_session,
            account,
            "team_inbox.html",
            queues=found,
            now=now,
            notice=notice,
            wanted=wanted,
            statuses=[s for s in STATUSES if s in OPEN_STATUSES],
            languages=sorted(languages.all()),
            can_reassign=account.role in SUPERVISING_ROLES,
            refresh_seconds=REFRESH_SECONDS,
        )

    @get("/cases/{reference:str}", name="team-case")
    async def case_page(
        self,
        request: Request[Any, Any, Any],
        reference: FromPath[str],
        db_session: DbSession,
        account: SignedIn,
        state: State,
        settings: AppSettings,
        now: Now,
        notice: Annotated[str | None, QueryParameter()] = None,
    ) -> Template:
        return await self._case_page(
            request, reference, db_session, account, state, settings, now, notice=notice
        )

    async def _case_page(
        self,
        request: Request[Any, Any, Any],
        reference: str,
        session: AsyncSession,
        account: Account,
        state: State,
        settings: Settings,
        now: datetime,
        *,
        notice: str | None = None,
        draft: str = "",
    ) -> Template:
        case = await case_for_team(session, await caller_for(session, account), reference)
        detail = await casework.agent_view(session, case)
        preview = None
        if draft:
            base_url = settings.public_base_url
            preview = await customer_mail.reply_preview(session, case, draft, base_url=base_url)
        return await render_workspace(
            request,
            session,
            account,
            "team_case.html",
            case=detail,
            notice=notice,
            draft=draft,
            preview=preview,
            others=await _others_looking(state, case.reference, account.email, now),
            colleagues=await team_members(session, case.team_key or ""),
            override_languages=OVERRIDE_LANGUAGES,
            refresh_seconds=REFRESH_SECONDS,
            now=now,
        )

    @post("/cases/{reference:str}/claim", name="team-claim")
    async def claim(self, reference: FromPath[str], work: Work) -> Redirect:
        return await _apply(work, reference, partial(casework.claim, agent=work.actor()))

    @post("/cases/{reference:str}/release", name="team-release")
    async def release(self, reference: FromPath[str], work: Work) -> Redirect:
        action = partial(casework.release, agent=work.actor(), supervisor=work.caller.supervisor)
        return await _apply(work, reference, action)

    @post("/cases/{reference:str}/assign", name="team-assign")
    async def assign(
        self, reference: FromPath[str], data: Form[AssignForm], work: Work
    ) -> Redirect:
        action = partial(
            casework.assign, agent=work.actor(), to=data.to, supervisor=work.caller.supervisor
        )
        return await _apply(work, reference, action)

    @post("/cases/{reference:str}/status", name="team-status")
    async def set_status(
        self, reference: FromPath[str], data: Form[StatusForm], work: Work
    ) -> Redirect:
        if data.status not in ("waiting_on_customer", "in_progress"):
            return back_to(_case_path(reference), "illegal-transition")
        action = partial(casework.set_status, status=data.status, agent=work.actor(), note=None)
        return await _apply(work, reference, action)

    @post("/cases/{reference:str}/language", name="team-language")
    async def override_language(
        self, reference: FromPath[str], data: Form[LanguageForm], work: Work
    ) -> Redirect:
        action = partial(
            language_override.override_language, language=data.language, agent=work.actor()
        )
        return await _apply(work, reference, action)

    @post("/cases/{reference:str}/reply", name="team-reply", request_max_body_size=UPLOAD_BODY)
    async def reply(
        self, request: Request[Any, Any, Any], reference: FromPath[str], work: Work
    ) -> Redirect:
        """A reply to the customer, with files they will see on their status page."""
        data, files = await form_with_files(request, ReplyForm)
        if check_text(data.body):
            return back_to(_case_path(reference), "empty-reply")
        action = partial(casework.reply, agent=work.actor(), body=data.body.strip())
        return await _apply_with_files(request, work, reference, action, files, internal=False)

    @post(
        "/cases/{reference:str}/preview",
        name="team-preview",
        status_code=200,
        request_max_body_size=UPLOAD_BODY,
    )
    async def preview(
        self,
        request: Request[Any, Any, Any],
        reference: FromPath[str],
        db_session: DbSession,
        account: SignedIn,
        state: State,
        settings: AppSettings,
        now: Now,
    ) -> Template:
        """The case page with the draft reply kept and shown as the customer will receive it
        (files chosen are not kept: a browser cannot fill a file input again)."""
        data, _ = await form_with_files(request, ReplyForm)
        notice = "empty-reply" if check_text(data.body) else None
        return await self._case_page(
            request,
            reference,
            db_session,
            account,
            state,
            settings,
            now,
            notice=notice,
            draft=data.body.strip(),
        )

    @post("/cases/{reference:str}/notes", name="team-note", request_max_body_size=UPLOAD_BODY)
    async def add_note(
        self, request: Request[Any, Any, Any], reference: FromPath[str], work: Work
    ) -> Redirect:
        """An internal note, with files only the teams see."""
        data, files = await form_with_files(request, NoteForm)
        if check_text(data.text):
            return back_to(_case_path(reference), "empty-note")
        action = partial(casework.add_note, agent=work.actor(), text=data.text.strip())
        return await _apply_with_files(request, work, reference, action, files, internal=True)

    @get("/cases/{reference:str}/files/{attachment_id:str}", name="team-file")
    async def file(
        self,
        reference: FromPath[str],
        attachment_id: FromPath[str],
        db_session: DbSession,
        account: SignedIn,
        attachments: AttachmentStorage,
        thumbnail: Annotated[bool, QueryParameter()] = False,
    ) -> Response[bytes]:
        """A file of the case (or a small PNG of an image) for the team's case page."""
        case = await case_for_team(db_session, await caller_for(db_session, account), reference)
        row = await attachment_of(db_session, case, attachment_id, with_internal=True)
        return await file_response(attachments, row, thumbnail=thumbnail)

    @post("/cases/{reference:str}/files/{attachment_id:str}/remove", name="team-remove-file")
    async def remove_one_file(
        self, reference: FromPath[str], attachment_id: FromPath[str], work: Work
    ) -> Redirect:
        action = partial(remove_file, attachment_id=attachment_id, by=work.actor())
        return await _apply(work, reference, action)

    @post("/cases/{reference:str}/transfer", name="team-transfer")
    async def transfer(
        self, reference: FromPath[str], data: Form[TransferForm], work: Work
    ) -> Redirect:
        action = partial(casework.transfer, agent=work.actor(), team=data.team)
        return await _apply(work, reference, action, to_inbox=data.back == "inbox")

    @post("/cases/{reference:str}/resolve", name="team-resolve")
    async def resolve(
        self, reference: FromPath[str], data: Form[ResolveForm], work: Work
    ) -> Redirect:
        if check_text(data.summary):
            return back_to(_case_path(reference), "empty-summary")
        action = partial(casework.resolve, agent=work.actor(), summary=data.summary)
        return await _apply(work, reference, action)

    @post("/cases/{reference:str}/revoke-links", name="team-revoke-links")
    async def revoke_links(self, reference: FromPath[str], work: Work) -> Redirect:
        action = partial(casework.revoke_customer_links, agent=work.actor())
        return await _apply(work, reference, action)

    @post("/cases/{reference:str}/reopen", name="team-reopen")
    async def reopen(self, reference: FromPath[str], work: Work) -> Redirect:
        return await _apply(work, reference, partial(casework.reopen, agent=work.actor()))
