"""E-mail intake: relayed RFC 5322 messages become new cases or replies on the sender's case."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.app import create_app
from service.cases.access import reply_address
from service.db.models import Case, CaseEvent, OutboxMessage, Reply, TaskRun
from service.inbound.parse import MAX_MESSAGE_BYTES, parse_inbound
from service.inbound.receive import CLAIM_EXPIRY, delivery_key
from service.settings import Settings
from tests.conftest import Clock
from tests.integration.conftest import OPS_KEY

Client = AsyncTestClient[Litestar]
SECRET = "s3cret"
SECRET_KEY = "inbound-test-secret-key"
"""The app's secret key: it keys the reply addresses of the e-mails it sends."""
OPS = {"X-Ops-Key": OPS_KEY}
SIMPLIFIED = "我的账户被锁定了，已经三天无法登录，请尽快帮我处理。"
TRADITIONAL = "我的帳號被鎖住了，已經三天無法登入，請儘快幫我處理。"
JAPANESE = "先月の請求書の金額が間違っています。二重に請求されているようです。確認してください。"


@pytest.fixture
async def relay(
    database_url: str, redis_url: str, clock: Clock, sessions: async_sessionmaker[AsyncSession]
) -> AsyncIterator[Client]:
    """A client of an app whose inbound e-mail secret is SECRET."""
    settings = Settings(
        database_url=database_url,
        redis_url=redis_url,
        inbound_email_secret=SECRET,
        ops_api_key=OPS_KEY,
        secret_key=SECRET_KEY,
    )
    app = create_app(settings, clock=clock, drain_outbox=False)
    async with AsyncTestClient(app=app) as client:
        yield client


def message(
    text: str,
    *,
    sender: str = "Mei Lin <mei@example.tw>",
    subject: str = "",
    charset: str = "utf-8",
    message_id: str | None = None,
    to: str = "care@meridian.example",
    headers: dict[str, str] | None = None,
) -> bytes:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = to
    for name, value in (headers or {}).items():
        mail[name] = value
    mail["Subject"] = subject
    mail["Message-ID"] = message_id or make_msgid(domain="mail.example")
    mail.set_content(text, charset=charset)
    return mail.as_bytes()


async def deliver(
    client: Client,
    raw: bytes,
    *,
    secret: str | None = SECRET,
    content_type: str = "message/rfc822",
) -> httpx.Response:
    headers = {"Content-Type": content_type}
    if secret is not None:
        headers["X-Inbound-Secret"] = secret
    return await client.post("/api/v1/inbound/email", content=raw, headers=headers)


def reply_to(reference: str) -> str:
    """The reply address of the e-mails the app sent about `reference`."""
    return reply_address(reference, SECRET_KEY, "meridian.example")


async def detail(client: Client, reference: str) -> dict[str, Any]:
    response = await client.get(f"/api/v1/cases/{reference}/detail", headers=OPS)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def filed_by_email(client: Client, **mail: Any) -> str:
    response = await deliver(client, message(TRADITIONAL, subject="帳號問題", **mail))
    assert response.status_code == 201, response.text
    return str(response.json()["reference"])


async def counts(sessions: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    async with sessions() as session:
        return {
            model.__tablename__: int(await session.scalar(select(func.count()).select_from(model)))
            for model in (Case, CaseEvent, Reply, OutboxMessage, TaskRun)
        }


@pytest.mark.parametrize(
    ("text", "charset", "language", "teams"),
    [
        (SIMPLIFIED, "gb2312", "zh-Hans", {"shanghai"}),
        (TRADITIONAL, "big5", "zh-Hant", {"shanghai", "taipei"}),
        (JAPANESE, "utf-8", "ja", {"tokyo"}),
    ],
    ids=["gb2312", "big5", "utf-8"],
)
async def test_a_new_message_files_a_case_routed_by_its_language(
    relay: Client, text: str, charset: str, language: str, teams: set[str]
) -> None:
    raw = message(text, sender="Customer Name <Customer@Example.COM>", charset=charset)

    response = await deliver(relay, raw)

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["threaded"] is False
    assert (body["language"], body["status"]) == (language, "routed")
    assert body["team"] in teams
    case = await detail(relay, body["reference"])
    assert case["channel"] == "email"
    assert case["contact"] == {
        "email": "Customer@example.com",
        "name": "Customer Name",
        "phone": None,
    }
    assert case["text"] == text
    assert case["language"] == language


async def test_the_subject_heads_the_text_unless_it_is_generic(relay: Client) -> None:
    specific = await deliver(relay, message(JAPANESE, subject="請求書の金額について"))
    generic = await deliver(relay, message(JAPANESE, subject="Re: Complaint"))

    assert (await detail(relay, specific.json()["reference"]))["text"] == (
        f"請求書の金額について\n\n{JAPANESE}"
    )
    assert (await detail(relay, generic.json()["reference"]))["text"] == JAPANESE


async def test_a_reply_from_the_contact_resumes_a_case_waiting_on_them(
    relay: Client, sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    reference = await filed_by_email(relay)
    steps = [
        ("claim", {"agent": "wen"}),
        ("status", {"agent": "wen", "status": "waiting_on_customer"}),
    ]
    for action, body in steps:
        changed = await relay.post(f"/api/v1/cases/{reference}/{action}", json=body, headers=OPS)
        assert changed.status_code == 200, changed.text
    resolution_due_before = (await detail(relay, reference))["resolution_due"]
    clock.advance(timedelta(hours=1))  # the customer answers an hour later, in business hours
    answer = "我已經按照您的說明重設密碼，但仍然無法登入。"

    response = await deliver(
        relay,
        message(
            answer,
            sender="MEI@example.tw",
            subject=f"Re: [{reference}] 帳號問題",
            to=reply_to(reference),
        ),
    )

    assert response.status_code == 200, response.text
    case_team = (await detail(relay, reference))["team"]
    assert response.json() == {
        "reference": reference,
        "threaded": True,
        "status": "in_progress",
        "language": "zh-Hant",
        "team": case_team,
        "duplicate": False,
    }
    case = await detail(relay, reference)
    assert case["replies"][-1] == {
        "at": case["replies"][-1]["at"],
        "author": "customer",
        "team": None,
        "body": answer,
    }
    assert case["resolution_due"] > resolution_due_before  # the hour waiting did not count
    reply_event = case["events"][-1]
    assert reply_event["kind"] == "customer_reply"
    assert reply_event["data"]["resumed"] is True
    async with sessions() as session:
        stored = await session.scalar(select(Case).where(Case.reference == reference))
        assert stored is not None and stored.paused_at is None
        outbox = (await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all()
    assert outbox[-1].task == "notify_team"
    assert outbox[-1].payload == {
        "case_id": stored.id,
        "team": case_team,
        "event": "customer_reply",
    }


async def test_the_customer_sees_their_reply_on_their_timeline_in_their_language(
    relay: Client,
) -> None:
    filed = await relay.post(
        "/api/v1/cases",
        json={
            "text": "Meine Bestellung ist beschädigt angekommen und niemand beantwortet meine"
            " E-Mails. Bitte kümmern Sie sich schnell darum.",
            "contact": {"email": "jonas@example.de", "name": "Jonas"},
            "timezone": "Europe/Berlin",
        },
        headers={"Accept-Language": "de-DE,de;q=0.9"},
    )
    assert filed.status_code == 201, filed.text
    reference, token = filed.json()["reference"], filed.json()["access_token"]
    assert filed.json()["reply_locale"] == "de"
    answer = "Die Bestellnummer lautet 4711.\nDas Paket kam am Montag."

    replied = await deliver(
        relay,
        message(
            answer,
            sender="Jonas <jonas@example.de>",
            subject=f"AW: [{reference}] Bestellung",
            to=reply_to(reference),
        ),
    )
    assert replied.status_code == 200, replied.text
    assert replied.json()["threaded"] is True

    status = await relay.get(f"/api/v1/cases/{reference}", params={"token": token})
    assert status.status_code == 200, status.text
    entries = [e for e in status.json()["timeline"] if e["kind"] == "customer_reply"]
    assert len(entries) == 1
    assert entries[0]["text"] == "Ihre Antwort"  # the German wording, not "You replied"
    assert entries[0]["body"].strip() == answer

    page = await relay.get(f"/cases/{reference}", params={"token": token})
    assert page.status_code == 200, page.text
    assert 'class="timeline-customer_reply"' in page.text
    assert "Ihre Antwort" in page.text and "Die Bestellnummer lautet 4711." in page.text


async def test_a_reply_to_a_resolved_case_reopens_it(relay: Client) -> None:
    reference = await filed_by_email(relay)
    resolved = await relay.post(
        f"/api/v1/cases/{reference}/resolve",
        json={"agent": "wen", "summary": "Fixed."},
        headers=OPS,
    )
    assert resolved.json()["status"] == "resolved"

    response = await deliver(
        relay, message("問題又出現了。", subject=f"Re: {reference}", to=reply_to(reference))
    )

    assert response.status_code == 200, response.text
    assert response.json()["status"] == "in_progress"
    assert (await detail(relay, reference))["events"][-1]["data"]["reopened"] is True


async def test_a_reply_to_a_closed_case_files_a_new_one(
    relay: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    reference = await filed_by_email(relay)
    async with sessions() as session, session.begin():
        case = await session.scalar(select(Case).where(Case.reference == reference))
        assert case is not None
        case.status = "closed"

    response = await deliver(
        relay, message("還是不能登入。", subject=f"Re: [{reference}]", to=reply_to(reference))
    )

    assert response.status_code == 201, response.text
    assert response.json()["reference"] != reference
    assert (await detail(relay, reference))["replies"] == []


@pytest.mark.parametrize(
    "forgery",
    [
        {"sender": "Mei Lin <mei@example.tw>"},  # the contact's From:, the reference in the subject
        {"sender": "someone.else@example.tw"},
        {"to": "reply+{reference}.000000000000000000000000@meridian.example"},  # a guessed token
        {"headers": {"Authentication-Results": "mx.example; spf=pass; dmarc=fail"}},
    ],
    ids=["forged-from", "other-sender", "guessed-token", "dmarc-fail"],
)
async def test_a_reply_without_the_case_reply_address_is_not_threaded(
    relay: Client, forgery: dict[str, Any]
) -> None:
    reference = await filed_by_email(relay)
    mail: dict[str, Any] = {"subject": f"Re: [{reference}]", "to": "care@meridian.example"}
    if "headers" in forgery:  # the right address, but the relay says the sender is forged
        mail["to"] = reply_to(reference)
    mail.update(
        {k: v.format(reference=reference.lower()) if k == "to" else v for k, v in forgery.items()}
    )

    response = await deliver(relay, message("請把這個案件的資料寄給我。", **mail))

    assert response.status_code == 201, response.text
    assert response.json()["threaded"] is False
    assert response.json()["reference"] != reference
    assert (await detail(relay, reference))["replies"] == []


async def test_a_reply_to_the_case_reply_address_is_threaded_whatever_the_subject(
    relay: Client,
) -> None:
    reference = await filed_by_email(relay)
    response = await deliver(
        relay, message("謝謝，問題已經解決了。", subject="Thanks", to=reply_to(reference))
    )
    assert response.status_code == 200, response.text
    assert response.json()["threaded"] is True and response.json()["reference"] == reference


async def test_an_unknown_reference_files_a_new_case(relay: Client) -> None:
    response = await deliver(relay, message(TRADITIONAL, subject="Re: [MRD-000000] 帳號問題"))

    assert response.status_code == 201, response.text
    assert response.json()["reference"] != "MRD-000000"


@pytest.mark.parametrize("threaded", [False, True], ids=["new-case", "reply"])
async def test_a_repeated_delivery_stores_nothing_new(
    relay: Client, sessions: async_sessionmaker[AsyncSession], threaded: bool
) -> None:
    reference = await filed_by_email(relay)
    to = reply_to(reference) if threaded else "care@meridian.example"
    raw = message(
        "我還在等您的回覆。", subject="帳號問題", to=to, message_id="<retry-1@mail.example.tw>"
    )
    first = await deliver(relay, raw)
    assert first.status_code == (200 if threaded else 201), first.text
    stored = await counts(sessions)

    again = await deliver(relay, raw)

    assert again.status_code == 200, again.text
    assert again.json() == {**first.json(), "duplicate": True}
    assert await counts(sessions) == stored


async def test_the_same_message_id_from_another_sender_is_a_new_message(relay: Client) -> None:
    message_id = "<same-id@mail.example>"
    first = await deliver(relay, message(TRADITIONAL, message_id=message_id))
    other = await deliver(relay, message(TRADITIONAL, sender="x@example.tw", message_id=message_id))

    assert other.status_code == 201, other.text
    assert other.json()["reference"] != first.json()["reference"]


async def test_a_delivery_still_in_the_works_is_retried_later_and_taken_over_when_stale(
    relay: Client, sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    raw = message(TRADITIONAL, message_id="<slow@mail.example.tw>")
    key = delivery_key(parse_inbound(raw))
    assert key is not None
    async with sessions() as session, session.begin():  # an earlier delivery, not finished
        session.add(TaskRun(key=key, at=clock.now, result={}))

    busy = await deliver(relay, raw)
    assert busy.status_code == 503, busy.text
    assert busy.json()["type"].endswith("/delivery-in-progress")
    assert busy.headers["retry-after"] == "30"

    clock.advance(CLAIM_EXPIRY + timedelta(seconds=1))
    taken_over = await deliver(relay, raw)
    assert taken_over.status_code == 201, taken_over.text
    assert (await deliver(relay, raw)).json()["duplicate"] is True


async def test_a_rejected_message_leaves_no_claim_behind(
    relay: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    raw = message(TRADITIONAL, sender="mei@example.invalid", message_id="<bad@example.invalid>")

    rejected = await deliver(relay, raw)

    assert rejected.status_code == 422, rejected.text
    assert rejected.json()["errors"][0]["field"] == "contact.email"
    assert (await counts(sessions))["task_runs"] == 0


@pytest.mark.parametrize("secret", [None, "wrong", ""])
async def test_the_relay_secret_is_required(relay: Client, secret: str | None) -> None:
    response = await deliver(relay, message(TRADITIONAL), secret=secret)

    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_without_a_configured_secret_inbound_email_is_unavailable(client: Client) -> None:
    response = await deliver(client, message(TRADITIONAL))

    assert response.status_code == 503
    assert response.json()["detail"] == "inbound e-mail is not configured"


async def test_a_message_that_cannot_be_read_is_422_naming_the_reason(
    relay: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    garbage = b"\x00\xff not an e-mail at all"

    response = await deliver(relay, garbage, content_type="application/octet-stream")

    assert response.status_code == 422
    assert response.json()["type"].endswith("/invalid-email")
    assert "From" in response.json()["detail"]
    assert (await counts(sessions))["cases"] == 0


async def test_another_content_type_is_415(relay: Client) -> None:
    response = await deliver(relay, message(TRADITIONAL), content_type="text/plain")

    assert response.status_code == 415
    assert response.json()["type"].endswith("/unsupported-media-type")


async def test_a_message_over_one_mebibyte_is_413(relay: Client) -> None:
    padding = "帳號" * (MAX_MESSAGE_BYTES // 4)
    raw = message(f"{TRADITIONAL}\n{padding}")
    assert len(raw) > MAX_MESSAGE_BYTES

    response = await deliver(relay, raw)

    assert response.status_code == 413
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_a_large_message_within_the_limit_is_accepted(relay: Client) -> None:
    """The route's own limit (1 MiB) applies, not the app's 64 KiB."""
    attachment = EmailMessage()
    attachment["From"] = "mei@example.tw"
    attachment["Subject"] = "帳號問題"
    attachment.set_content(TRADITIONAL)
    attachment.add_attachment(b"\x89PNG" + bytes(200_000), maintype="image", subtype="png")

    response = await deliver(relay, attachment.as_bytes())

    assert response.status_code == 201, response.text
