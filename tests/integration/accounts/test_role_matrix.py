"""Who may call what: every kind of caller against every route and page of the app.

Each cell gets a case of its own, held by the Dublin team (EMEA). An allowed cell may still be
refused for the case's state (409) or its input (422), never for who is calling; a forbidden
cell gets 401 (no credentials a team route accepts), 403 (credentials that do not reach this
team or role) or, where the case's existence must not leak, 404. A page refuses an anonymous
visitor by sending them to sign in. A route missing from the tables fails the test, so a new
route cannot go unchecked.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.accounts.services import NewAccount, add_account
from service.accounts.tokens import create_token
from service.app import create_app
from service.settings import Settings
from tests.conftest import Clock
from tests.integration.conftest import OPS_KEY

Client = AsyncTestClient[Litestar]
Sessions = async_sessionmaker[AsyncSession]
PASSWORD = "correct horse battery staple"
TEAM, OTHER_TEAM = "dublin", "tokyo"  # EMEA and APAC
CSRF_FIELD = re.compile(r'name="_csrf_token" value="([^"]+)"')
REFUSED_FOR_WHO = {401, 403, 404}
OPS = {"X-Ops-Key": OPS_KEY}

ACCOUNTS: dict[str, NewAccount] = {
    "agent of the team": NewAccount("a@example.com", "agent", (TEAM,)),
    "agent of another team": NewAccount("b@example.com", "agent", (OTHER_TEAM,)),
    "lead of the region": NewAccount("lead-emea@example.com", "lead", region="EMEA"),
    "lead of another region": NewAccount("lead-apac@example.com", "lead", region="APAC"),
    "translator": NewAccount("t@example.com", "translator"),
    "ops": NewAccount("o@example.com", "ops"),
    "admin": NewAccount("root@example.com", "admin"),
}
RELAY_ROUTE = "/api/v1/inbound/email"
"""Takes only the mail relay's own secret: everyone else gets 401, whatever they carry."""
ON_THE_CASE = {"agent of the team", "lead of the region", "ops", "admin", "ops key"}
OPS_ROLES = {"ops", "admin", "ops key"}
TRANSLATORS = {"translator", *OPS_ROLES}
SIGNED_IN = set(ACCOUNTS)
SUPERVISORS = {"lead of the region", "lead of another region", "ops", "admin"}

# (method, path as the app names it, who may, JSON body); {ref} is the cell's case.
API: list[tuple[str, str, set[str], dict[str, Any] | None]] = [
    ("GET", "/api/v1/teams/{team:str}/queue", ON_THE_CASE, None),
    ("GET", "/api/v1/cases/{reference:str}/detail", ON_THE_CASE, None),
    ("POST", "/api/v1/cases/{reference:str}/claim", ON_THE_CASE, {"agent": "a"}),
    ("POST", "/api/v1/cases/{reference:str}/release", ON_THE_CASE, {"agent": "a"}),
    ("POST", "/api/v1/cases/{reference:str}/assign", ON_THE_CASE, {"to": "a@example.com"}),
    ("POST", "/api/v1/cases/{reference:str}/replies", ON_THE_CASE, {"body": "Hi", "agent": "a"}),
    ("POST", "/api/v1/cases/{reference:str}/notes", ON_THE_CASE, {"text": "Hm", "agent": "a"}),
    (
        "POST",
        "/api/v1/cases/{reference:str}/status",
        ON_THE_CASE,
        {"status": "waiting_on_customer", "agent": "a"},
    ),
    ("POST", "/api/v1/cases/{reference:str}/language", ON_THE_CASE, {"language": "fr"}),
    ("POST", "/api/v1/cases/{reference:str}/transfer", ON_THE_CASE, {"team": "dubai"}),
    ("POST", "/api/v1/cases/{reference:str}/resolve", ON_THE_CASE, {"summary": "Done"}),
    ("POST", "/api/v1/cases/{reference:str}/reopen", ON_THE_CASE, {"agent": "a"}),
    ("POST", "/api/v1/cases/{reference:str}/revoke-links", ON_THE_CASE, {"agent": "a"}),
    ("GET", "/api/v1/ops/teams", OPS_ROLES, None),
    ("PUT", "/api/v1/ops/teams", OPS_ROLES, None),
    ("GET", "/api/v1/ops/teams.toml", OPS_ROLES, None),
    ("GET", "/api/v1/ops/teams/{key:str}", OPS_ROLES, None),
    ("PUT", "/api/v1/ops/teams/{key:str}", OPS_ROLES, None),
    ("POST", "/api/v1/ops/teams/{key:str}/rotate-key", OPS_ROLES, None),
    ("GET", "/api/v1/ops/teams/{key:str}/shifts.ics", OPS_ROLES, None),
    ("DELETE", "/api/v1/ops/teams/{key:str}", OPS_ROLES, None),
    ("GET", "/api/v1/ops/coverage", OPS_ROLES, None),
    ("GET", "/api/v1/ops/on-duty", OPS_ROLES, None),
    ("GET", "/api/v1/ops/waiting", OPS_ROLES, None),
    ("GET", "/api/v1/locales/stats", TRANSLATORS, None),
    ("POST", RELAY_ROUTE, set(), None),
    # A customer's own case: only with its token; anyone else is told it does not exist.
    ("GET", "/api/v1/cases/{reference:str}", {"customer"}, None),
    ("POST", "/api/v1/cases/{reference:str}/survey", {"customer"}, {"score": 5}),
    ("POST", "/api/v1/cases/{reference:str}/messages", {"customer"}, {"text": "Any news?"}),
    ("GET", "/api/v1/cases/{reference:str}/export", {"customer"}, None),
    ("POST", "/api/v1/cases/{reference:str}/erase", {"customer"}, None),
    # Files: the customer with the token, and staff on the case.
    ("POST", "/api/v1/cases/{reference:str}/attachments", {"customer", *ON_THE_CASE}, None),
    (
        "GET",
        "/api/v1/cases/{reference:str}/attachments/{attachment_id:str}",
        {"customer", *ON_THE_CASE},
        None,
    ),
    ("DELETE", "/api/v1/cases/{reference:str}/attachments/{attachment_id:str}", ON_THE_CASE, None),
]
CASE_ACTIONS = ("claim", "release", "assign", "status", "language", "reply", "preview")
CASE_ACTIONS += ("notes", "transfer", "resolve", "reopen", "revoke-links")
FORM_OF_ACTION = {
    "assign": {"to": "a@example.com"},
    "status": {"status": "waiting_on_customer"},
    "language": {"language": "fr"},
    "reply": {"body": "Hello"},
    "preview": {"body": "Hello"},
    "notes": {"text": "A note"},
    "transfer": {"team": "dubai"},
    "resolve": {"summary": "Done"},
}
# (method, path as the app names it, who may, form body)
PAGES: list[tuple[str, str, set[str], dict[str, str] | None]] = [
    ("GET", "/team", SIGNED_IN, None),
    ("GET", "/team/cases/{reference:str}", ON_THE_CASE, None),
    *(
        ("POST", f"/team/cases/{{reference:str}}/{action}", ON_THE_CASE, FORM_OF_ACTION.get(action))
        for action in CASE_ACTIONS
    ),
    ("GET", "/team/cases/{reference:str}/files/{attachment_id:str}", ON_THE_CASE, None),
    ("POST", "/team/cases/{reference:str}/files/{attachment_id:str}/remove", ON_THE_CASE, None),
    ("GET", "/team/file", SIGNED_IN, None),
    ("POST", "/team/file", SIGNED_IN, {"channel": "phone", "text": ""}),
    ("GET", "/team/account", SIGNED_IN, None),
    ("POST", "/team/account/language", SIGNED_IN, {"locale": "de"}),
    ("POST", "/team/account/presence", SIGNED_IN, {"presence": "away"}),
    ("POST", "/team/account/tokens", SIGNED_IN, {"name": "matrix"}),
    ("POST", "/team/account/tokens/{token_id:int}/revoke", SIGNED_IN, None),
    ("GET", "/ops/coverage", SUPERVISORS, None),
    ("GET", "/ops/coverage.csv", SUPERVISORS, None),
    ("GET", "/ops/staffing", SUPERVISORS, None),
    ("GET", "/translate", {"translator", "ops", "admin"}, None),
    ("GET", "/ops/teams", {"ops", "admin"}, None),
    ("GET", "/ops/teams/file", {"ops", "admin"}, None),
    ("POST", "/ops/teams/file", {"ops", "admin"}, {"text": "", "action": "preview"}),
    ("GET", "/ops/teams/{key:str}/calendar", {"ops", "admin"}, None),
    ("POST", "/ops/teams/{key:str}/calendar", {"ops", "admin"}, {"action": "preview"}),
    ("GET", "/dashboard", SUPERVISORS, None),
    ("GET", "/dashboard/charts/{chart:str}", SUPERVISORS, None),
    ("GET", "/dashboard/tables/{table:str}", SUPERVISORS, None),
    ("GET", "/admin/accounts", {"admin"}, None),
    ("POST", "/admin/accounts", {"admin"}, {"email": "n@example.com", "role": "translator"}),
    ("POST", "/admin/accounts/{email:str}/disable", {"admin"}, None),
    ("POST", "/admin/accounts/{email:str}/password", {"admin"}, None),
]
# Open to everyone: intake, the customer's pages (their token checked inside), sign-in, docs.
PUBLIC = {
    ("POST", "/api/v1/cases"),
    ("GET", "/health"),
    ("GET", "/"),
    ("POST", "/"),
    ("GET", "/cases/{reference:str}"),
    ("POST", "/cases/{reference:str}/survey"),
    ("POST", "/cases/{reference:str}/messages"),
    ("POST", "/cases/{reference:str}/erase"),
    ("GET", "/login"),
    ("POST", "/login"),
    ("POST", "/logout"),
    ("GET", "/static/{file_path:path}"),
    ("GET", "/api-docs/assets/{file_path:path}"),
    ("GET", "/schema"),
    ("GET", "/schema/{path:str}"),
    ("GET", "/schema/openapi.json"),
    ("GET", "/schema/swagger"),
    ("GET", "/schema/oauth2-redirect.html"),
}


@pytest.fixture
def app(
    database_url: str, redis_url: str, clock: Clock, sessions: Sessions, tmp_path: Path
) -> Litestar:
    """The app with the mail relay's route switched on (it answers 503 while it has no secret)."""
    settings = Settings(
        database_url=database_url,
        redis_url=redis_url,
        ops_api_key=OPS_KEY,
        inbound_email_secret="relay-secret",
        attachments_folder=tmp_path / "attachments",
    )
    return create_app(settings, clock=clock, drain_outbox=False)


def test_every_route_of_the_app_is_in_the_matrix(app: Litestar) -> None:
    routes = {
        (method, route.path)
        for route in app.routes
        for method in getattr(route, "methods", ())
        if method not in ("HEAD", "OPTIONS")
    }
    listed = {(m, p) for m, p, _, _ in API} | {(m, p) for m, p, _, _ in PAGES} | PUBLIC
    assert routes - listed == set(), "routes nobody checked"
    assert listed - routes == set(), "checked routes the app does not have"


async def _add_accounts(sessions: async_sessionmaker[AsyncSession]) -> dict[str, tuple[int, str]]:
    """Every account, and a personal token of each (its id and the token)."""
    tokens = {}
    async with sessions() as session, session.begin():
        for caller, new in ACCOUNTS.items():
            await add_account(session, new, PASSWORD)
            record, token = await create_token(session, new.email, "matrix")
            tokens[caller] = (record.id, token)
    return tokens


async def _dublin_case(client: Client) -> dict[str, Any]:
    filed = await client.post(
        "/api/v1/cases",
        json={"text": "My parcel never arrived.", "contact": {"email": "c@example.com"}},
    )
    case = dict(filed.json())
    attached = await client.post(
        f"/api/v1/cases/{case['reference']}/attachments",
        files={"file": ("proof.txt", b"Delivery note 4711\n", "text/plain")},
        headers={"Authorization": f"Bearer {case['access_token']}"},
    )
    assert attached.status_code == 201, attached.text
    case["attachment_id"] = attached.json()["id"]
    if case["team"] != TEAM:
        moved = await client.post(
            f"/api/v1/cases/{case['reference']}/transfer",
            json={"team": TEAM, "agent": "ops"},
            headers=OPS,
        )
        assert moved.status_code == 200, moved.text
    return case


def _url(template: str, case: dict[str, Any], token_id: int = 0) -> str:
    values = {
        "{team:str}": TEAM,
        "{reference:str}": case["reference"],
        "{key:str}": "manila",
        "{email:str}": "b@example.com",
        "{token_id:int}": str(token_id),
        "{chart:str}": "sla.svg",
        "{table:str}": "csat.csv",
        "{attachment_id:str}": case["attachment_id"],
    }
    for placeholder, value in values.items():
        template = template.replace(placeholder, value)
    return template


def _misjudged(caller: str, allowed: bool, status: int, *, anonymous_code: int) -> bool:
    if allowed:
        return status in REFUSED_FOR_WHO
    if caller in ("anonymous", "customer"):
        return status not in (anonymous_code, 404)
    return status not in (403, 404)


@pytest.mark.parametrize("caller", ["anonymous", "customer", *ACCOUNTS, "ops key"])
async def test_json_routes(
    caller: str, client: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    tokens = await _add_accounts(sessions)
    wrong: list[tuple[str, str, int]] = []
    for method, template, allowed, body in API:
        case = await _dublin_case(client)
        headers = {
            "anonymous": {},
            "customer": {"Authorization": f"Bearer {case['access_token']}"},
            "ops key": OPS,
        }.get(caller, {"Authorization": f"Bearer {tokens[caller][1] if caller in tokens else ''}"})
        response = await client.request(method, _url(template, case), json=body, headers=headers)
        if template == RELAY_ROUTE:
            if response.status_code != 401:
                wrong.append((method, template, response.status_code))
        elif _misjudged(caller, caller in allowed, response.status_code, anonymous_code=401):
            wrong.append((method, template, response.status_code))
    assert wrong == []


async def _signed_in(client: Client, email: str | None) -> str:
    """Sign `client` in as `email` (or stay anonymous); the CSRF token its forms carry."""
    page = await client.get("/login")
    token = CSRF_FIELD.search(page.text)
    assert token is not None
    if email:
        form = {"_csrf_token": token.group(1), "email": email, "password": PASSWORD}
        signed_in = await client.post("/login", data=form, follow_redirects=False)
        assert signed_in.status_code == 303, signed_in.text
    return token.group(1)


@pytest.mark.parametrize("caller", ["anonymous", *ACCOUNTS])
async def test_pages(
    caller: str, client: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    tokens = await _add_accounts(sessions)
    account = ACCOUNTS.get(caller)
    csrf = await _signed_in(client, account.email if account else None)
    wrong: list[tuple[str, str, int]] = []
    for method, template, allowed, form in PAGES:
        case = await _dublin_case(client)
        own_token = tokens[caller][0] if caller in tokens else 0
        response = await client.request(
            method,
            _url(template, case, token_id=own_token),
            data={"_csrf_token": csrf, **(form or {})} if method == "POST" else None,
            follow_redirects=False,
        )
        status = response.status_code
        if caller == "anonymous":
            sent_to_sign_in = status == 303 and response.headers["location"] == "/login"
            if not sent_to_sign_in:
                wrong.append((method, template, status))
        elif _misjudged(caller, caller in allowed, status, anonymous_code=303) or (
            caller in allowed and status >= 500
        ):
            wrong.append((method, template, status))
    assert wrong == []
