"""The attachment storage contract, on a private folder and on an S3-compatible bucket."""

from __future__ import annotations

import hashlib
import stat
from collections.abc import AsyncIterator
from pathlib import Path

import boto3
import pytest

from service.attachments.backends import storage_for
from service.attachments.storage import Storage
from service.outbox.embedded_redis import free_port


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
async def storage(attachments_url: str, tmp_path: Path) -> AsyncIterator[Storage]:
    opened = storage_for(attachments_url, tmp_path / "unused")
    try:
        yield opened
    finally:
        await opened.close()
    assert not (tmp_path / "unused").exists()


async def test_put_then_get_returns_the_same_bytes(storage: Storage) -> None:
    data = bytes(range(256)) * 40 + b"\x00 end"
    await storage.put(digest(data), data)
    assert await storage.get(digest(data)) == data


async def test_putting_the_same_key_twice_keeps_one_copy(storage: Storage) -> None:
    data = b"%PDF-1.7 the same attachment, uploaded twice"
    await storage.put(digest(data), data)
    await storage.put(digest(data), data)
    assert await storage.get(digest(data)) == data
    assert await storage.keys() == [digest(data)]


async def test_getting_a_missing_key_raises_key_error(storage: Storage) -> None:
    await storage.put(digest(b"present"), b"present")
    missing = digest(b"never stored")
    with pytest.raises(KeyError) as raised:
        await storage.get(missing)
    assert raised.value.args == (missing,)


async def test_delete_removes_and_deleting_again_is_quiet(storage: Storage) -> None:
    kept, dropped = b"kept", b"dropped"
    await storage.put(digest(kept), kept)
    await storage.put(digest(dropped), dropped)
    await storage.delete(digest(dropped))
    with pytest.raises(KeyError):
        await storage.get(digest(dropped))
    await storage.delete(digest(dropped))
    await storage.delete(digest(b"never stored"))
    assert await storage.keys() == [digest(kept)]
    assert await storage.get(digest(kept)) == kept


async def test_keys_lists_exactly_what_is_stored(storage: Storage) -> None:
    assert await storage.keys() == []
    contents = [f"attachment {n}".encode() for n in range(7)]
    for data in contents:
        await storage.put(digest(data), data)
    assert await storage.keys() == sorted(digest(data) for data in contents)


INVALID_KEYS = [
    "../etc/passwd",
    digest(b"upper").upper(),
    digest(b"short")[:63],
    digest(b"long") + "0",
    "",
]


@pytest.mark.parametrize("key", INVALID_KEYS, ids=["traversal", "uppercase", "63", "65", "empty"])
async def test_invalid_keys_are_refused_before_any_io(
    key: str, attachments_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The bucket's endpoint now leads nowhere: any request would fail with a connection error,
    # not a ValueError. The folder must not even be created.
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    storage = storage_for(attachments_url, tmp_path / "unused")
    try:
        with pytest.raises(ValueError, match="SHA-256"):
            await storage.put(key, b"data")
        with pytest.raises(ValueError, match="SHA-256"):
            await storage.get(key)
        with pytest.raises(ValueError, match="SHA-256"):
            await storage.delete(key)
    finally:
        await storage.close()
    assert not (tmp_path / "attachments").exists()
    assert not (tmp_path / "unused").exists()


async def test_folder_files_are_private_and_complete(tmp_path: Path) -> None:
    root = tmp_path / "attachments"
    storage = storage_for(f"file://{root}", tmp_path / "unused")
    data = b"\x89PNG private scan of a receipt"
    key = digest(data)
    try:
        await storage.put(key, data)
        await storage.put(key, data)
    finally:
        await storage.close()
    path = root / key[:2] / key
    assert path.read_bytes() == data
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert sorted(p.name for p in root.rglob("*") if p.is_file()) == [key]
    assert list(root.rglob(".part-*")) == []


async def test_s3_keys_are_only_those_under_the_prefix(s3_environment: str, tmp_path: Path) -> None:
    bucket = s3_environment
    outside = digest(b"someone else's object")
    s3 = boto3.client("s3")
    for name in (outside, f"other/{outside}", f"cases-old/{outside}", f"cases/deeper/{outside}"):
        s3.put_object(Bucket=bucket, Key=name, Body=b"not ours")
    storage = storage_for(f"s3://{bucket}/cases", tmp_path / "unused")
    data = b"ours"
    try:
        assert await storage.keys() == []
        await storage.put(digest(data), data)
        assert await storage.keys() == [digest(data)]
        with pytest.raises(KeyError):
            await storage.get(outside)
    finally:
        await storage.close()
    assert s3.get_object(Bucket=bucket, Key=f"cases/{digest(data)}")["Body"].read() == data


async def test_s3_objects_are_private_octet_streams(s3_environment: str, tmp_path: Path) -> None:
    bucket = s3_environment
    storage = storage_for(f"s3://{bucket}/cases", tmp_path / "unused")
    data = b"<html>not to be served as a page</html>"
    try:
        await storage.put(digest(data), data)
    finally:
        await storage.close()
    s3 = boto3.client("s3")
    name = f"cases/{digest(data)}"
    assert s3.head_object(Bucket=bucket, Key=name)["ContentType"] == "application/octet-stream"
    grantees = [grant["Grantee"] for grant in s3.get_object_acl(Bucket=bucket, Key=name)["Grants"]]
    assert grantees, "moto reported no grants at all"
    assert [grantee for grantee in grantees if "URI" in grantee] == []
