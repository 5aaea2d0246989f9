"""Files posted in a multipart form, read into the attachment service's terms."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Sequence
from typing import Any, TypeVar

from litestar import Request
from litestar.datastructures import UploadFile

from service.attachments.files import CheckedFile, Limits, Upload, check_files, scan

UPLOAD_MAX_BODY_BYTES = 64 * 1024 * 1024
"""One upload request: the files of a case (50 MiB by default) and the multipart framing."""
Form = TypeVar("Form")
FILES_FIELD = "files"
"""The file input of the pages' forms."""
UPLOAD_FIELD = "file"
"""The multipart parts of the attachments API (one part per file)."""


async def posted_files(request: Request[Any, Any, Any], field: str) -> list[UploadFile]:
    """The files of a multipart body's parts named `field` (none when it is not multipart)."""
    if request.content_type[0] != "multipart/form-data":
        return []
    posted = await request.form()
    return [part for part in posted.getall(field, []) if isinstance(part, UploadFile)]


async def form_with_files(
    request: Request[Any, Any, Any], form: type[Form]
) -> tuple[Form, list[UploadFile]]:
    """A multipart page form: its text fields as the dataclass `form` (anything missing or not
    text is empty) and the files of its `files` input. Read by hand because a browser sends an
    empty file input as a part with no file name, which a typed body would refuse."""
    posted = await request.form()
    values = {
        field.name: value if isinstance(value := posted.get(field.name, ""), str) else ""
        for field in dataclasses.fields(form)  # type: ignore[arg-type]
    }
    return form(**values), await posted_files(request, FILES_FIELD)


async def read_uploads(files: Sequence[UploadFile]) -> list[Upload]:
    """The posted files; the empty part a browser sends for a file input left empty is none."""
    uploads = [Upload(name=file.filename or "", content=await file.read()) for file in files]
    return [upload for upload in uploads if upload.name or upload.content]


async def checked(
    request: Request[Any, Any, Any], files: Sequence[UploadFile]
) -> list[CheckedFile]:
    """Every posted file checked and cleaned off the event loop (images are redrawn), within
    the settings' limits, and scanned for malware."""
    state = request.app.state
    limits = Limits.of(state.settings)
    clean = await asyncio.to_thread(check_files, await read_uploads(files), limits)
    await scan(clean, state.scanner, state.quarantine)
    return clean
