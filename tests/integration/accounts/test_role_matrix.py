"""Who may call what: every kind of caller against every team, ops and translator route.

An allowed cell may still be refused for the case's state (409) or its input (422), never for
who is calling (401, 403, 404); a forbidden cell gets 401 without credentials and 403 with
credentials that do not reach this team or role.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.accounts.services import NewAccount, add_account
from service.accounts.tokens import create_token
from tests.integration.conftest import OPS_KEY

Client = AsyncTestClient[Litestar]
PASSWORD = "correct horse battery staple"
REFUSED_FOR_WHO = {401, 403, 404}

# (method, path template, JSON body); {team} is the case's team, {ref} its reference.
ROUTES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "/api/v1/teams/{team}/queue", None),
    ("GET", "/api/v1/cases/{ref}/detail", None),
    ("POST", "/api/v1/cases/{ref}/claim", {"agent": "a"}),
    ("POST", "/api/v1/cases/{ref}/replies", {"body": "Hello", "agent": "a"}),
    ("POST", "/api/v1/cases/{ref}/status", {"status": "waiting_on_customer", "agent": "a"}),
    ("POST", "/api/v1/cases/{ref}/language", {"language": "ja", "agent": "a"}),
    ("POST", "/api/v1/cases/{ref}/resolve", {"summary": "Done", "agent": "a"}),
    ("GET", "/api/v1/ops/teams", None),
    ("GET", "/api/v1/locales/stats", None),
]
TEAM_ROUTES = {path for _, path, _ in ROUTES if "/ops/" not in path and "/locales/" not in path}

# caller -> which routes it may use; "anonymous" and "customer" send no team credentials.
ALLOWED: dict[str, Callable[[str], bool]] = {
    "anonymous": lambda path: False,
    "customer": lambda path: False,
    "agent of the team": lambda path: path in TEAM_ROUTES,
    "agent of another team": lambda path: False,
    "translator": lambda path: path == "/api/v1/locales/stats",
    "ops": lambda path: True,
}


async def _bearer(sessions: async_sessionmaker[AsyncSession], new: NewAccount) -> dict[str, str]:
    async with sessions() as session, session.begin():
        await add_account(session, new, PASSWORD)
        _, token = await create_token(session, new.email, "matrix")
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("caller", list(ALLOWED))
async def test_role_matrix(
    caller: str, client: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    filed = await client.post(
        "/api/v1/cases",
        json={"text": "My parcel never arrived.", "contact": {"email": "c@example.com"}},
    )
    case = filed.json()
    team, ref = case["team"], case["reference"]
    other = "tokyo" if team != "tokyo" else "dublin"
    headers = {
        "anonymous": dict[str, str](),
        "customer": {"Authorization": f"Bearer {case['access_token']}"},
        "agent of the team": await _bearer(sessions, NewAccount("a@example.com", "agent", (team,))),
        "agent of another team": await _bearer(
            sessions, NewAccount("b@example.com", "agent", (other,))
        ),
        "translator": await _bearer(sessions, NewAccount("t@example.com", "translator")),
        "ops": {"X-Ops-Key": OPS_KEY},
    }[caller]

    wrong: list[tuple[str, str, int]] = []
    for method, template, body in ROUTES:
        url = template.format(team=team, ref=ref)
        response = await client.request(method, url, json=body, headers=headers)
        allowed = ALLOWED[caller](template)
        if allowed and response.status_code in REFUSED_FOR_WHO:
            wrong.append((method, url, response.status_code))
        if not allowed:
            expected = 401 if caller in ("anonymous", "customer") else 403
            if response.status_code != expected:
                wrong.append((method, url, response.status_code))
    assert wrong == []
