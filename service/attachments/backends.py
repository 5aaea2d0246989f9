"""The attachment storage a deployment asked for."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from service.attachments.s3_storage import S3Storage
from service.attachments.storage import FolderStorage, Storage


def storage_for(url: str | None, default_folder: Path) -> Storage:
    """`s3://bucket/prefix` (credentials and endpoint from the usual AWS_* variables), a
    `file:///path`, or the default folder when `url` is empty."""
    if not url:
        return FolderStorage(default_folder)
    parts = urlsplit(url)
    if parts.scheme == "file":
        return FolderStorage(Path(parts.path))
    if parts.scheme == "s3" and parts.netloc:
        return S3Storage(bucket=parts.netloc, prefix=parts.path.strip("/"))
    raise ValueError("MERIDIAN_ATTACHMENTS_URL must be s3://bucket/prefix or file:///path")


def quarantine_for(url: str | None, default_folder: Path) -> Storage:
    """Where files that carry malware are kept for inspection, never served: `quarantine/`
    beside the attachments (a folder in the folder, a prefix under the bucket's prefix)."""
    parts = urlsplit(url or "")
    if parts.scheme == "s3" and parts.netloc:
        prefix = "/".join(filter(None, [parts.path.strip("/"), "quarantine"]))
        return S3Storage(bucket=parts.netloc, prefix=prefix)
    folder = Path(parts.path) if parts.scheme == "file" else default_folder
    return FolderStorage(folder / "quarantine")
