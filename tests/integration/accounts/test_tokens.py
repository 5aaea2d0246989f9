"""Personal API tokens: Bearer on the JSON API, changes recorded under the account, revocation."""

from __future__ import annotations

from pathlib import Path

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.accounts.services import NewAccount, add_account
from service.accounts.tokens import create_token, revoke_token
from service.db.models import CaseEvent, PersonalToken
from tests.conftest import Clock
from tests.integration.cli.test_cli import meridian

Client = AsyncTestClient[Litestar]
Sessions = async_sessionmaker[AsyncSession]
PASSWORD = "correct horse battery staple"


async def _token(sessions: Sessions, email: str, teams: tuple[str, ...]) -> tuple[int, str]:
    async with sessions() as session, session.begin():
        await add_account(session, NewAccount(email, "agent", teams), PASSWORD)
        record, token = await create_token(session, email, "laptop")
    return record.id, token


async def _file(client: Client) -> dict[str, str]:
    filed = await client.post(
        "/api/v1/cases",
        json={"text": "我的帳號被鎖住了，請幫我處理。", "contact": {"email": "mei@example.com"}},
    )
    assert filed.status_code == 201, filed.text
    return dict(filed.json())


async def test_a_personal_token_acts_as_its_account(
    client: Client, sessions: Sessions, clock: Clock
) -> None:
    case = await _file(client)
    token_id, token = await _token(sessions, "wen@example.com", (case["team"],))
    bearer = {"Authorization": f"Bearer {token}"}

    queue = await client.get(f"/api/v1/teams/{case['team']}/queue", headers=bearer)
    assert queue.status_code == 200
    assert case["reference"] in [item["reference"] for item in queue.json()["cases"]]
    other = "dublin" if case["team"] != "dublin" else "tokyo"
    assert (await client.get(f"/api/v1/teams/{other}/queue", headers=bearer)).status_code == 403

    claimed = await client.post(
        f"/api/v1/cases/{case['reference']}/claim", json={"agent": "someone else"}, headers=bearer
    )
    assert claimed.status_code == 200, claimed.text
    assert claimed.json()["claimed_by"] == "wen@example.com"
    async with sessions() as session:
        actors = (await session.scalars(select(CaseEvent.actor))).all()
        used = await session.scalar(select(PersonalToken.last_used_at))
    assert "wen@example.com" in actors and "someone else" not in actors
    assert used == clock.now

    async with sessions() as session, session.begin():
        await revoke_token(session, token_id, clock.now)
    revoked = await client.get(f"/api/v1/teams/{case['team']}/queue", headers=bearer)
    assert revoked.status_code == 401
    assert revoked.headers["content-type"].startswith("application/problem+json")


async def test_a_team_key_must_name_the_agent(client: Client, team_keys: dict[str, str]) -> None:
    case = await _file(client)
    unnamed = await client.post(
        f"/api/v1/cases/{case['reference']}/claim",
        json={},
        headers={"X-Api-Key": team_keys[case["team"]]},
    )
    assert unnamed.status_code == 422
    assert unnamed.json()["errors"][0]["field"] == "agent"


def test_tokens_commands(tmp_path: Path) -> None:
    env = {
        "MERIDIAN_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'm.db'}",
        "MERIDIAN_VAR_DIR": str(tmp_path / "var"),
    }
    assert meridian("db", "upgrade", env=env).returncode == 0
    assert meridian("seed", env=env).returncode == 0
    created = meridian("tokens", "create", "agent-taipei@meridian.example", "--name", "ci", env=env)
    assert created.returncode == 0, created.stderr
    assert created.stdout.startswith("mrd_pat_")
    (listed,) = meridian(
        "tokens", "list", "agent-taipei@meridian.example", env=env
    ).stdout.splitlines()
    token_id, name, state, used = listed.split("\t")
    assert (name, state, used) == ("ci", "active", "never used")
    assert (
        meridian("tokens", "revoke", token_id, env=env).stdout == f"revoked token {token_id} (ci)\n"
    )
    assert (
        "\trevoked\t" in meridian("tokens", "list", "agent-taipei@meridian.example", env=env).stdout
    )
    unknown = meridian("tokens", "create", "nobody@example.com", env=env)
    assert unknown.returncode == 1 and "no account nobody@example.com" in unknown.stderr
