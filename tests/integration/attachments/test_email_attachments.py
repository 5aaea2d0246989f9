"""Attachments of relayed e-mail: kept on the new case or on the case a reply threads onto;
a refused file is left out and named in the case's history."""

from __future__ import annotations

from collections.abc import AsyncIterator
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.app import create_app
from service.attachments.backends import storage_for
from service.db.models import CaseEvent
from service.settings import Settings
from tests.conftest import Clock
from tests.integration.attachments.test_attachment_api import ELF, jpeg_with_location
from tests.integration.conftest import OPS_KEY
from tests.integration.inbound.test_inbound_api import SECRET, SECRET_KEY, deliver, reply_to

Client = AsyncTestClient[Litestar]
OPS = {"X-Ops-Key": OPS_KEY}
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
async def relay(
    database_url: str,
    redis_url: str,
    clock: Clock,
    sessions: async_sessionmaker[AsyncSession],
    attachments_url: str,
    tmp_path: Path,
) -> AsyncIterator[tuple[Client, Settings]]:
    settings = Settings(
        database_url=database_url,
        redis_url=redis_url,
        inbound_email_secret=SECRET,
        ops_api_key=OPS_KEY,
        secret_key=SECRET_KEY,
        attachments_url=attachments_url,
        attachments_folder=tmp_path / "unused",
    )
    app = create_app(settings, clock=clock, drain_outbox=False)
    async with AsyncTestClient(app=app) as client:
        yield client, settings


def mail_with_files(
    text: str, *files: tuple[str, str, bytes], to: str = "care@example.com"
) -> bytes:
    mail = EmailMessage()
    mail["From"] = "Ana Souza <ana@example.com.br>"
    mail["To"] = to
    mail["Subject"] = "Fatura errada"
    mail["Message-ID"] = make_msgid(domain="mail.example")
    mail.set_content(text)
    for name, media_type, content in files:
        maintype, subtype = media_type.split("/")
        mail.add_attachment(content, maintype=maintype, subtype=subtype, filename=name)
    return mail.as_bytes()


async def test_an_emailed_complaint_keeps_its_pdf_and_photo_and_leaves_out_a_program(
    relay: tuple[Client, Settings], sessions: async_sessionmaker[AsyncSession]
) -> None:
    client, settings = relay
    raw = mail_with_files(
        "A fatura de novembro foi cobrada duas vezes. Segue o comprovante em anexo.",
        ("comprovante.pdf", "application/pdf", PDF),
        ("foto.jpg", "image/jpeg", jpeg_with_location()),
        ("fatura.pdf", "application/octet-stream", ELF),
    )
    filed = await deliver(client, raw)
    assert filed.status_code == 201, filed.text
    reference = filed.json()["reference"]

    detail = (await client.get(f"/api/v1/cases/{reference}/detail", headers=OPS)).json()
    files = {file["name"]: file for file in detail["files"]}
    assert set(files) == {"comprovante.pdf", "foto.jpg"}
    assert files["comprovante.pdf"]["media_type"] == "application/pdf"
    assert all(file["added_by"] == "email" for file in files.values())
    pdf = await client.get(
        f"/api/v1/cases/{reference}/attachments/{files['comprovante.pdf']['id']}", headers=OPS
    )
    assert pdf.content == PDF
    photo = await client.get(
        f"/api/v1/cases/{reference}/attachments/{files['foto.jpg']['id']}", headers=OPS
    )
    assert b"PhoneMaker" not in photo.content

    async with sessions() as session:
        refused = await session.scalar(
            select(CaseEvent).where(CaseEvent.kind == "attachments_refused")
        )
    assert refused is not None and not refused.customer_visible
    assert refused.data["files"] == [{"name": "fatura.pdf", "code": "file_type_refused"}]
    storage = storage_for(settings.attachments_url, settings.attachments_folder)
    try:
        assert len(await storage.keys()) == 2
    finally:
        await storage.close()


async def test_a_reply_by_email_puts_its_files_on_the_case(relay: tuple[Client, Settings]) -> None:
    client, _ = relay
    filed = await deliver(client, mail_with_files("A fatura de novembro foi cobrada duas vezes."))
    reference = filed.json()["reference"]
    answer = mail_with_files(
        "Aqui está o extrato do banco.",
        ("extrato.pdf", "application/pdf", PDF),
        to=reply_to(reference),
    )
    threaded = await deliver(client, answer)
    assert threaded.status_code == 200, threaded.text
    assert threaded.json()["threaded"] is True
    detail = (await client.get(f"/api/v1/cases/{reference}/detail", headers=OPS)).json()
    assert [file["name"] for file in detail["files"]] == ["extrato.pdf"]
