"""Attachment storage back ends for the tests: a private folder, and a bucket on moto's S3
server running in this process on loopback (nothing remote is contacted); and a case to put
files on."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import boto3
import pytest
from moto.server import ThreadedMotoServer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.attachments.storage import FolderStorage, Storage
from service.db.models import Case, utcnow
from tests.support.synthetic import insert_open_cases


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3_environment(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    """The AWS_* variables pointed at the local server (no profile, no config file, no instance
    metadata), and a fresh bucket; returns its name."""
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_endpoint)
    bucket = f"meridian-test-{uuid.uuid4().hex[:12]}"
    boto3.client("s3").create_bucket(Bucket=bucket)
    return bucket


@pytest.fixture(params=["folder", "s3"], ids=["folder", "s3"])
def attachments_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A MERIDIAN_ATTACHMENTS_URL for each back end: a new folder, or `cases/` in a new bucket."""
    if request.param == "folder":
        return f"file://{tmp_path / 'attachments'}"
    bucket = request.getfixturevalue("s3_environment")
    return f"s3://{bucket}/cases"


@pytest.fixture
async def folder_storage(tmp_path: Path) -> AsyncIterator[Storage]:
    store = FolderStorage(tmp_path / "attachments")
    yield store
    await store.close()


@pytest.fixture
async def case_id(sessions: async_sessionmaker[AsyncSession]) -> int:
    """An open case of the Shanghai team, in progress with an agent."""
    async with sessions() as session, session.begin():
        await insert_open_cases(session, 1, "shanghai", utcnow())
        return int(await session.scalar(select(Case.id)) or 0)
