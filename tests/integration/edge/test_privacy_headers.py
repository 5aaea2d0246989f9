"""What leaves the service besides the answer: no cache keeps a personal response, access lines
lose their query strings, and SQL errors never show their parameters."""

from __future__ import annotations

import logging

from litestar import Litestar
from litestar.testing import AsyncTestClient

from service.common.logs import WithoutQueryStrings
from service.db.engine import create_engine

Client = AsyncTestClient[Litestar]


async def test_responses_with_a_token_or_personal_data_are_not_stored(client: Client) -> None:
    filed = await client.post(
        "/api/v1/cases",
        json={"text": "My parcel never arrived.", "contact": {"email": "c@example.com"}},
    )
    assert filed.headers["cache-control"] == "no-store"
    token = filed.json()["access_token"]
    status = await client.get(f"/api/v1/cases/{filed.json()['reference']}?token={token}")
    assert status.headers["cache-control"] == "no-store"
    page = await client.get(f"/cases/{filed.json()['reference']}?token={token}")
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["referrer-policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]


async def test_shared_assets_may_be_cached(client: Client) -> None:
    style = await client.get("/static/meridian.css")
    assert style.status_code == 200
    assert "no-store" not in style.headers["cache-control"]


def test_access_lines_lose_their_query_strings() -> None:
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/cases/MRD-7K3F92?token=secret-token", "1.1", 200),
        None,
    )
    assert WithoutQueryStrings().filter(record)
    assert "secret-token" not in record.getMessage()
    assert "/cases/MRD-7K3F92" in record.getMessage()


def test_sql_parameters_are_hidden_from_errors_and_logs() -> None:
    engine = create_engine("sqlite+aiosqlite:///:memory:")
    assert engine.sync_engine.hide_parameters is True
