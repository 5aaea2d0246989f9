"""Abuse limits: one client's public submissions are counted in Redis (shared by every API
process) and refused with 429 past the limit; one address gets a capped number of
acknowledgement e-mails; without Redis the limit fails open and complaints are still taken."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.app import create_app
from service.db.models import OutboxMessage
from service.http.rate_limits import parse_rate
from service.outbox.embedded_redis import free_port
from service.settings import Settings
from tests.conftest import Clock

Client = AsyncTestClient[Litestar]
Sessions = async_sessionmaker[AsyncSession]
PROXY = "testclient"  # the test client's address, trusted here as a reverse proxy


def _complaint(email: str = "c@example.com") -> dict[str, object]:
    return {"text": "My parcel never arrived.", "contact": {"email": email}}


async def _client(settings: Settings, clock: Clock) -> AsyncIterator[Client]:
    app = create_app(settings, clock=clock, drain_outbox=False)
    async with AsyncTestClient(app=app) as client:
        yield client


@pytest.fixture
async def limited(
    database_url: str, redis_url: str, clock: Clock, sessions: Sessions
) -> AsyncIterator[Client]:
    settings = Settings(
        database_url=database_url,
        redis_url=redis_url,
        intake_rate_limit="5/minute",
        trusted_proxies=frozenset({PROXY}),
        acknowledgements_per_hour=2,
    )
    async for client in _client(settings, clock):
        yield client


async def test_a_client_past_the_limit_gets_429_with_retry_after(limited: Client) -> None:
    me = {"X-Forwarded-For": f"2001:db8::{uuid.uuid4().hex[:4]}, 10.0.0.1"}
    statuses = [
        (await limited.post("/api/v1/cases", json=_complaint(), headers=me)).status_code
        for _ in range(7)
    ]
    assert statuses == [201] * 5 + [429] * 2
    refused = await limited.post("/api/v1/cases", json=_complaint(), headers=me)
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["type"].endswith("/rate-limited")
    assert int(refused.headers["retry-after"]) > 0

    # The complaint form says so in the visitor's language.
    page = await limited.post(
        "/?lang=de",
        data={"text": "Mein Paket ist nie angekommen.", "email": "c@example.com", "lang": "de"},
        headers={**me, "Accept-Language": "de"},
    )
    assert page.status_code == 429
    assert page.headers["content-type"].startswith("text/html")
    assert '<html lang="de"' in page.text

    # Another client, and reading, are not limited.
    other = {"X-Forwarded-For": f"2001:db8::{uuid.uuid4().hex[:4]}:1"}
    assert (
        await limited.post("/api/v1/cases", json=_complaint(), headers=other)
    ).status_code == 201
    assert (await limited.get("/health", headers=me)).status_code in (200, 503)


async def test_one_address_gets_a_capped_number_of_acknowledgements(
    limited: Client, sessions: Sessions
) -> None:
    for index in range(4):  # each from its own client: the per-client limit is not the point
        client = {"X-Forwarded-For": f"2001:db8:1::{uuid.uuid4().hex[:4]}:{index}"}
        filed = await limited.post(
            "/api/v1/cases", json=_complaint("victim@example.com"), headers=client
        )
        assert filed.status_code == 201, filed.text  # every complaint is still filed
    async with sessions() as session:
        acks = (
            await session.scalars(
                select(OutboxMessage).where(OutboxMessage.task == "email_customer")
            )
        ).all()
    assert len([a for a in acks if a.payload.get("kind") == "acknowledgement"]) == 2


async def test_without_redis_the_limit_fails_open(
    database_url: str, clock: Clock, sessions: Sessions
) -> None:
    settings = Settings(
        database_url=database_url,
        redis_url=f"redis://127.0.0.1:{free_port()}/0",  # nothing listens there
        intake_rate_limit="1/minute",
    )
    async for client in _client(settings, clock):
        for _ in range(3):
            assert (await client.post("/api/v1/cases", json=_complaint())).status_code == 201


@pytest.mark.parametrize(
    ("text", "rate"),
    [("30/minute", ("minute", 30)), ("5/second", ("second", 5)), ("0", None), ("off", None)],
)
def test_parse_rate(text: str, rate: object) -> None:
    assert parse_rate(text) == rate


@pytest.mark.parametrize("text", ["30", "-1/minute", "30/fortnight", "x/minute"])
def test_parse_rate_refuses_nonsense(text: str) -> None:
    with pytest.raises(ValueError, match="30/minute"):
        parse_rate(text)
