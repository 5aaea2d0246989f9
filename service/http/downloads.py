"""How a stored file goes out: as a download that no browser runs, sniffs or frames."""

from __future__ import annotations

import asyncio
from urllib.parse import quote

from litestar import Response

from service.attachments import images, kinds
from service.attachments.storage import Storage
from service.common.errors import NotFound
from service.db.models import Attachment

SANDBOX = "default-src 'none'; img-src 'self'; media-src 'self'; sandbox"


def _disposition(name: str) -> str:
    fallback = name.encode("ascii", "replace").decode().replace('"', "_").replace("?", "_")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"


async def _bytes(storage: Storage, row: Attachment) -> bytes:
    try:
        return await storage.get(row.sha256)
    except KeyError:
        raise NotFound(f"the file {row.id} is no longer stored") from None


async def file_response(
    storage: Storage, row: Attachment, *, thumbnail: bool = False
) -> Response[bytes]:
    """The file's bytes with its real type, or a PNG thumbnail of an image."""
    content, media_type, name = await _bytes(storage, row), row.media_type, row.name
    if thumbnail and media_type in kinds.IMAGES:
        content = await asyncio.to_thread(images.thumbnail, content)
        media_type, name = "image/png", f"thumbnail-{name}.png"
    return Response(
        content,
        media_type=media_type,
        headers={
            "Content-Disposition": _disposition(name),
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": SANDBOX,
            "Cache-Control": "private, no-store",
        },
    )
