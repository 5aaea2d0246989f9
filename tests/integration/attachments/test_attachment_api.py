"""The attachment API on both databases and both storages: a customer's evidence goes in with
the case's token and comes back cleaned; anything wrong is refused with nothing stored."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.app import create_app
from service.attachments.backends import storage_for
from service.attachments.storage import Storage
from service.cases.privacy import apply_retention
from service.db.models import Attachment, CaseEvent, OutboxMessage
from service.settings import Settings
from tests.conftest import Clock
from tests.integration.conftest import OPS_KEY
from workers.files import remove_files

Client = AsyncTestClient[Litestar]
Sessions = async_sessionmaker[AsyncSession]
SHARED = b"the same screenshot\n"
ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(8) + b"\x02\x00\x3e\x00" + bytes(200)


def jpeg_with_location() -> bytes:
    """A photo as a phone takes it: EXIF with the camera and where it was taken."""
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Model X"  # Model
    exif.get_ifd(0x8825).update({1: "N", 2: (52.0, 22.0, 12.0), 3: "E", 4: (4.0, 53.0, 0.0)})
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


@pytest.fixture
def settings(database_url: str, redis_url: str, attachments_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        redis_url=redis_url,
        ops_api_key=OPS_KEY,
        attachments_url=attachments_url,
        attachments_folder=tmp_path / "unused",
        attachment_max_bytes=64 * 1024,
        case_attachments_max_bytes=160 * 1024,
    )


@pytest.fixture
def app(settings: Settings, clock: Clock, sessions: Sessions) -> Litestar:
    return create_app(settings, clock=clock, drain_outbox=False)


@pytest.fixture
async def storage(settings: Settings) -> Any:
    store = storage_for(settings.attachments_url, settings.attachments_folder)
    yield store
    await store.close()


async def _file(client: Client, text: str = "The parcel arrived crushed.") -> tuple[str, str]:
    response = await client.post(
        "/api/v1/cases", json={"text": text, "contact": {"email": "ana@example.com"}}
    )
    assert response.status_code == 201, response.text
    body = response.json()
    return body["reference"], body["access_token"]


async def _upload(
    client: Client, reference: str, token: str | None, *files: tuple[str, bytes]
) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return await client.post(
        f"/api/v1/cases/{reference}/attachments",
        files=[("file", (name, content, "application/octet-stream")) for name, content in files],
        headers=headers,
    )


async def _rows(sessions: Sessions) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Attachment)) or 0)


async def test_a_photo_goes_in_with_the_token_and_comes_back_without_its_location(
    client: Client, storage: Storage
) -> None:
    reference, token = await _file(client)
    photo = jpeg_with_location()
    assert b"PhoneMaker" in photo

    created = await _upload(client, reference, token, ("../../Foto vom Paket.jpeg", photo))
    assert created.status_code == 201, created.text
    record = created.json()
    assert record["name"] == "Foto vom Paket.jpeg"
    assert record["media_type"] == "image/jpeg"

    url = f"/api/v1/cases/{reference}/attachments/{record['id']}"
    got = await client.get(url, headers={"Authorization": f"Bearer {token}"})
    assert got.status_code == 200
    assert got.headers["content-type"] == "image/jpeg"
    assert got.headers["content-disposition"].startswith("attachment;")
    assert got.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in got.headers["content-security-policy"]
    assert len(got.content) == record["size"]
    assert b"PhoneMaker" not in got.content and b"Exif" not in got.content
    cleaned = Image.open(io.BytesIO(got.content))
    assert cleaned.size == (64, 48) and not cleaned.getexif()
    assert len(await storage.keys()) == 1

    assert (await client.get(url)).status_code == 404
    assert (await client.get(url, headers={"Authorization": "Bearer guess"})).status_code == 404
    other_reference, other_token = await _file(client)
    foreign = f"/api/v1/cases/{other_reference}/attachments/{record['id']}"
    assert (
        await client.get(foreign, headers={"Authorization": f"Bearer {other_token}"})
    ).status_code == 404


async def test_the_team_reads_the_file_and_the_timeline_lists_it(
    client: Client, sessions: Sessions
) -> None:
    reference, token = await _file(client)
    created = await _upload(client, reference, token, ("notes.txt", b"Lieferschein 4711\n"))
    assert created.status_code == 201, created.text
    record = created.json()
    assert record["media_type"] == "text/plain"

    url = f"/api/v1/cases/{reference}/attachments/{record['id']}"
    as_ops = await client.get(url, headers={"X-Ops-Key": OPS_KEY})
    assert as_ops.status_code == 200 and as_ops.content == b"Lieferschein 4711\n"
    async with sessions() as session:
        event = await session.scalar(select(CaseEvent).where(CaseEvent.kind == "attachment_added"))
    assert event is not None and event.customer_visible
    assert event.data["name"] == "notes.txt" and event.data["size"] == record["size"]


@pytest.mark.parametrize(
    ("name", "content", "status", "code"),
    [
        ("photo.png", ELF, 415, "file_type_refused"),
        ("setup.exe", b"MZ\x90\x00" + bytes(300), 415, "file_type_refused"),
        ("photo.png", b"just some words\n", 422, "file_name_contradicts"),
        ("empty.txt", b"", 422, "file_empty"),
        ("big.txt", b"a" * (64 * 1024 + 1), 413, "file_too_large"),
        ("broken.png", b"\x89PNG\r\n\x1a\n" + bytes(40), 422, "file_unreadable"),
    ],
)
async def test_a_bad_file_is_refused_and_nothing_is_stored(
    client: Client,
    sessions: Sessions,
    storage: Storage,
    name: str,
    content: bytes,
    status: int,
    code: str,
) -> None:
    reference, token = await _file(client)
    refused = await _upload(client, reference, token, (name, content))
    assert refused.status_code == status, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["errors"][0]["code"] == code
    assert await _rows(sessions) == 0
    assert await storage.keys() == []


async def test_limits_per_case_and_someone_elses_case(
    client: Client, sessions: Sessions, storage: Storage
) -> None:
    reference, token = await _file(client)
    other_reference, _ = await _file(client)
    assert (await _upload(client, other_reference, token, ("a.txt", b"hello\n"))).status_code == 404
    assert (await _upload(client, reference, None, ("a.txt", b"hello\n"))).status_code == 404

    chunk = 60 * 1024
    two = await _upload(client, reference, token, ("a.txt", b"a" * chunk), ("b.txt", b"b" * chunk))
    assert two.status_code == 201 and len(two.json()) == 2
    over = await _upload(client, reference, token, ("c.txt", b"c" * chunk))  # 180 KiB > 160
    assert over.status_code == 413
    assert over.json()["errors"][0]["code"] == "case_files_too_large"
    assert await _rows(sessions) == 2
    assert len(await storage.keys()) == 2

    many = [(f"n{n}.txt", f"note {n}\n".encode()) for n in range(21)]
    fresh, fresh_token = await _file(client)
    too_many = await _upload(client, fresh, fresh_token, *many)
    assert too_many.status_code == 422
    assert too_many.json()["errors"][0]["code"] == "too_many_files"
    assert await _rows(sessions) == 2


async def test_a_truncated_upload_is_a_problem_and_stores_nothing(
    client: Client, sessions: Sessions, storage: Storage
) -> None:
    reference, token = await _file(client)
    body = b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\nabc'
    response = await client.post(
        f"/api/v1/cases/{reference}/attachments",
        content=body,
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "multipart/form-data; boundary=xyz",
        },
    )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    assert await _rows(sessions) == 0
    assert await storage.keys() == []


async def _run_removals(sessions: Sessions, storage: Storage, settings: Settings) -> None:
    async with sessions() as session:
        ids = (
            await session.scalars(
                select(OutboxMessage.id).where(OutboxMessage.task == "remove_files")
            )
        ).all()
    ctx = {"sessions": sessions, "attachments": storage, "settings": settings}
    for outbox_id in ids:
        assert await remove_files(ctx, outbox_id) == "done"


async def _two_cases_sharing_a_file(client: Client) -> tuple[str, str, list[Any], str]:
    """A case with a.txt (a screenshot another case holds too, as c.txt) and b.txt: its
    reference, token and file records, and the other case's reference."""
    reference, token = await _file(client)
    mine = await _upload(client, reference, token, ("a.txt", SHARED), ("b.txt", b"only mine\n"))
    assert mine.status_code == 201, mine.text
    other, other_token = await _file(client)
    assert (await _upload(client, other, other_token, ("c.txt", SHARED))).status_code == 201
    return reference, token, mine.json(), other


async def test_erasure_deletes_the_files_and_keeps_name_size_and_hash(
    client: Client, sessions: Sessions, storage: Storage, settings: Settings
) -> None:
    reference, token, mine, other = await _two_cases_sharing_a_file(client)
    assert len(await storage.keys()) == 2

    erased = await client.post(
        f"/api/v1/cases/{reference}/erase", headers={"Authorization": f"Bearer {token}"}
    )
    assert erased.status_code == 200, erased.text
    await _run_removals(sessions, storage, settings)
    assert len(await storage.keys()) == 1  # the other case's copy stays
    async with sessions() as session:
        rows = (await session.scalars(select(Attachment).order_by(Attachment.name))).all()
    removed = [row for row in rows if row.removed_at is not None]
    assert [(row.name, row.size) for row in removed] == [("a.txt", len(SHARED)), ("b.txt", 10)]
    assert all(len(row.sha256) == 64 for row in removed)
    kept = f"/api/v1/cases/{other}/attachments/{mine[0]['id']}"
    assert (await client.get(kept, headers={"X-Ops-Key": OPS_KEY})).status_code == 404


async def test_retention_deletes_the_files_of_cases_resolved_long_ago(
    client: Client,
    sessions: Sessions,
    storage: Storage,
    settings: Settings,
    clock: Clock,
) -> None:
    reference, token = await _file(client)
    assert (await _upload(client, reference, token, ("a.txt", b"proof\n"))).status_code == 201
    resolved = await client.post(
        f"/api/v1/cases/{reference}/resolve",
        json={"agent": "mei", "summary": "Refunded."},
        headers={"X-Ops-Key": OPS_KEY},
    )
    assert resolved.status_code == 200, resolved.text
    clock.advance(timedelta(days=400))
    assert await apply_retention(sessions, clock.now, days=365) == 1
    await _run_removals(sessions, storage, settings)
    assert await storage.keys() == []


async def test_the_team_removes_one_file_and_its_bytes_go_unless_another_case_holds_them(
    client: Client, sessions: Sessions, storage: Storage, settings: Settings
) -> None:
    reference, token, (mine, only), _ = await _two_cases_sharing_a_file(client)
    base = f"/api/v1/cases/{reference}/attachments"
    customer = {"Authorization": f"Bearer {token}"}

    refused = await client.delete(f"{base}/{mine['id']}", headers=customer)
    assert refused.status_code == 401, refused.text
    unknown = await client.delete(f"{base}/no-such-file", headers={"X-Ops-Key": OPS_KEY})
    assert unknown.status_code == 404
    assert unknown.headers["content-type"].startswith("application/problem+json")
    for file in (mine, only):
        removed = await client.delete(f"{base}/{file['id']}", headers={"X-Ops-Key": OPS_KEY})
        assert removed.status_code == 204, removed.text
    await _run_removals(sessions, storage, settings)

    assert len(await storage.keys()) == 1  # the other case's copy of the screenshot stays
    assert (await client.get(f"{base}/{mine['id']}", headers=customer)).status_code == 404
    status = (await client.get(f"/api/v1/cases/{reference}", headers=customer)).json()
    texts = [entry["text"] for entry in status["timeline"]]
    assert "File removed: a.txt" in texts and "File removed: b.txt" in texts
    async with sessions() as session:
        rows = (await session.scalars(select(Attachment).order_by(Attachment.name))).all()
    assert [(row.name, row.removed_at is not None) for row in rows] == [
        ("a.txt", True),
        ("b.txt", True),
        ("c.txt", False),
    ]
