"""Control characters and over-deep JSON are refused before any handler reads them: a clear
4xx problem naming the field, nothing stored, on both databases."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.db.models import Case
from service.http.clean_input import json_depth

Client = AsyncTestClient[Litestar]
GOOD = {"text": "My parcel never arrived.", "contact": {"email": "c@example.com"}}


async def _cases(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Case)) or 0)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**GOOD, "text": "My parcel\u0000 never arrived."}, "text"),
        ({**GOOD, "text": "\u0000\u0000"}, "text"),
        ({**GOOD, "contact": {"email": "c@example.com", "name": "Mei\u0007"}}, "contact.name"),
        ({**GOOD, "contact": {"email": "c@example.com", "phone": "+886\u001b2"}}, "contact.phone"),
        ({**GOOD, "timezone": "Asia/Taipei\u0000"}, "timezone"),
    ],
)
async def test_control_characters_in_json_are_refused_naming_the_field(
    client: Client, sessions: async_sessionmaker[AsyncSession], body: dict[str, Any], field: str
) -> None:
    response = await client.post("/api/v1/cases", json=body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert await _cases(sessions) == 0


async def test_tabs_and_new_lines_are_fine(client: Client) -> None:
    body = {**GOOD, "text": "Line one.\r\n\tLine two: my parcel never arrived."}
    assert (await client.post("/api/v1/cases", json=body)).status_code == 201


@pytest.mark.parametrize("opening", ["[", '{"a":'])
async def test_deeply_nested_json_is_a_400_not_a_500(client: Client, opening: str) -> None:
    closing = "]" if opening == "[" else "}"
    nested = opening * 1000 + "1" + closing * 1000
    for path in ("/api/v1/cases", "/api/v1/cases/MRD-000000/survey"):
        response = await client.post(
            path, content=nested, headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 400, response.text
        assert response.json()["type"].endswith("/too-deep")


async def test_control_characters_in_a_form_or_path_are_refused(client: Client) -> None:
    form = await client.post("/", data={"text": "Broken\u0000 parcel", "email": "c@example.com"})
    assert form.status_code == 422
    assert form.json()["errors"][0]["field"] == "text"
    path = await client.get("/api/v1/cases/MRD-00%000")
    assert path.status_code == 422
    assert path.json()["errors"][0]["field"] == "reference"


def test_json_depth_skips_brackets_inside_strings() -> None:
    assert json_depth('{"a": "[[[[[", "b": [1, {"c": 2}]}') == 3
    assert json_depth("[]") == 1
