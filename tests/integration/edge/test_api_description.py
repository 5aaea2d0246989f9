"""The OpenAPI document lists the problem responses each route gives and the credentials it
takes; a real refusal matches what the document says."""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

Client = AsyncTestClient[Litestar]
PROBLEM_JSON = "application/problem+json"


async def _document(client: Client) -> dict[str, Any]:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    return dict(response.json())


async def test_every_api_operation_documents_its_problems(client: Client) -> None:
    document = await _document(client)
    operations = [
        (path, method, operation)
        for path, item in document["paths"].items()
        if path.startswith("/api/")
        for method, operation in item.items()
    ]
    assert len(operations) > 30
    for path, method, operation in operations:
        invalid = operation["responses"].get("422")
        assert invalid is not None, (method, path)
        assert PROBLEM_JSON in invalid["content"], (method, path)
    assert {"personalToken", "caseToken", "teamKey", "opsKey", "relaySecret"} <= set(
        document["components"]["securitySchemes"]
    )


async def test_a_refusal_matches_its_documentation(client: Client) -> None:
    document = await _document(client)
    claim = document["paths"]["/api/v1/cases/{reference}/claim"]["post"]
    assert {"401", "403", "404", "409", "415"} <= set(claim["responses"])
    assert {"personalToken": []} in claim["security"]
    assert "429" in document["paths"]["/api/v1/cases"]["post"]["responses"]

    refused = await client.post("/api/v1/cases/MRD-000000/claim", json={})
    assert refused.status_code == 401
    assert refused.headers["content-type"].startswith(PROBLEM_JSON)
    schema = document["components"]["schemas"]["Problem"]
    assert set(schema["required"]) <= set(refused.json())
