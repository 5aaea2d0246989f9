"""Attachment endpoints: the customer (with the case's token) and the case's team add files to
a case and read them back; the team removes one."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Any

import msgspec
from litestar import Controller, Request, Response, delete, get, post
from litestar.di import Provide
from litestar.params import FromPath
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT
from sqlalchemy.ext.asyncio import AsyncSession

from service.attachments.files import Limits, attach, attachment_of, remove_file
from service.cases.access import case_for_customer, case_for_team
from service.cases.controllers import Work, provide_case_work
from service.common.errors import invalid
from service.db.models import Case
from service.http.dependencies import (
    AppSettings,
    AttachmentStorage,
    DbSession,
    Now,
    SessionFactory,
    authenticate,
    customer_token,
    is_staff,
)
from service.http.downloads import file_response
from service.http.params import TokenQuery
from service.http.uploads import UPLOAD_FIELD, UPLOAD_MAX_BODY_BYTES, checked, posted_files
from service.settings import Settings


class Attached(msgspec.Struct, kw_only=True):
    id: str
    name: str
    size: int
    media_type: str


class AttachmentController(Controller):
    path = "/api/v1/cases/{reference:str}/attachments"
    tags = ["attachments"]

    async def _case(
        self,
        request: Request[Any, Any, Any],
        reference: str,
        db_session: AsyncSession,
        settings: Settings,
        now: datetime,
        token: str | None,
    ) -> tuple[Case, str, bool]:
        """The case, who is asking ("customer" or the agent) and whether they see internal
        files."""
        if is_staff(request):
            caller = await authenticate(request)
            case = await case_for_team(db_session, caller, reference)
            return case, caller.recorded_as, True
        case = await case_for_customer(
            db_session,
            reference,
            customer_token(request, token),
            secret_key=settings.secret_key,
            now=now,
        )
        return case, "customer", False

    @post(
        "/",
        status_code=HTTP_201_CREATED,
        request_max_body_size=UPLOAD_MAX_BODY_BYTES,
        operation_id="addAttachments",
        summary="Add files to a case (multipart, each part named `file`) with the case's token",
    )
    async def add(
        self,
        request: Request[Any, Any, Any],
        reference: FromPath[str],
        db_session: DbSession,
        sessions: SessionFactory,
        settings: AppSettings,
        attachments: AttachmentStorage,
        now: Now,
        token: TokenQuery = None,
    ) -> Attached | list[Attached]:
        """One file answers with its record, several with a list of them. The body is read
        only once the caller may add files to the case."""
        case, by, _ = await self._case(request, reference, db_session, settings, now, token)
        await db_session.close()
        limits = Limits.of(settings)
        files = await checked(request, await posted_files(request, UPLOAD_FIELD))
        if not files:
            raise invalid("file", "send one or more files in multipart parts named `file`")
        rows = await attach(sessions, attachments, case.id, files, limits, by=by, now=now)
        records = [
            Attached(id=r.id, name=r.name, size=r.size, media_type=r.media_type) for r in rows
        ]
        return records[0] if len(records) == 1 else records

    @get(
        "/{attachment_id:str}",
        operation_id="getAttachment",
        summary="A file of the case, as a download (with the case's token)",
        media_type="application/octet-stream",
    )
    async def read(
        self,
        request: Request[Any, Any, Any],
        reference: FromPath[str],
        attachment_id: FromPath[str],
        db_session: DbSession,
        settings: AppSettings,
        attachments: AttachmentStorage,
        now: Now,
        token: TokenQuery = None,
    ) -> Response[bytes]:
        case, _, staff = await self._case(request, reference, db_session, settings, now, token)
        row = await attachment_of(db_session, case, attachment_id, with_internal=staff)
        return await file_response(attachments, row)

    @delete(
        "/{attachment_id:str}",
        status_code=HTTP_204_NO_CONTENT,
        operation_id="removeAttachment",
        summary="Take a file off the case (the case's team and ops; its history keeps the name)",
        dependencies={"work": Provide(provide_case_work, sync_to_thread=False)},
    )
    async def remove(
        self, reference: FromPath[str], attachment_id: FromPath[str], work: Work
    ) -> None:
        """Staff on the case only (401 without staff credentials): the customer cannot take
        evidence back once sent."""
        by = work.caller.recorded_as
        await work.apply(reference, partial(remove_file, attachment_id=attachment_id, by=by))
