"""Accounts: the `meridian users` commands, first accounts, sign-in throttling and CSRF."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.accounts import throttle
from service.accounts.services import NewAccount, add_account
from service.db.models import Account
from tests.integration.cli.test_cli import meridian

PASSWORD = "correct horse battery staple"
CSRF_FIELD = re.compile(r'name="_csrf_token" value="([^"]+)"')
Client = AsyncTestClient[Litestar]


def test_users_commands_add_list_and_disable(tmp_path: Path) -> None:
    env = {
        "MERIDIAN_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'm.db'}",
        "MERIDIAN_VAR_DIR": str(tmp_path / "var"),
    }
    assert meridian("db", "upgrade", env=env).returncode == 0
    seeded = meridian("seed", env=env)
    first = tmp_path / "var" / "first-accounts.txt"
    assert first.stat().st_mode & 0o777 == 0o600
    # The database the commands created holds personal data: only its owner may read it.
    assert (tmp_path / "m.db").stat().st_mode & 0o077 == 0
    passwords = [line.split()[-1] for line in first.read_text().splitlines()]
    assert len(passwords) == 10 and not any(p in seeded.stdout for p in passwords)
    assert "first accounts created" in seeded.stdout

    added = meridian(
        "users",
        "add",
        "Mei@Example.com",
        "--role",
        "agent",
        "--team",
        "taipei",
        "--language",
        "zh-TW=native",
        "--language",
        "en=fluent",
        "--capacity",
        "8",
        "--password-stdin",
        stdin=PASSWORD + "\n",
        env=env,
    )
    assert added.returncode == 0, added.stderr
    assert added.stdout == "added mei@example.com (agent)\n"
    again = meridian(
        "users",
        "add",
        "mei@example.com",
        "--team",
        "taipei",
        "--password-stdin",
        stdin=PASSWORD + "\n",
        env=env,
    )
    assert again.returncode == 1 and "exists already" in again.stderr
    bad = meridian(
        "users",
        "add",
        "x@example.com",
        "--team",
        "nowhere",
        "--language",
        "ja=superb",
        "--password-stdin",
        stdin="short\n",
        env=env,
    )
    assert bad.returncode == 1
    assert "password: must be at least 12 characters" in bad.stderr
    assert "teams: no team nowhere" in bad.stderr
    assert "languages: ja=superb" in bad.stderr

    listed = meridian("users", "list", env=env).stdout.splitlines()
    mei = "mei@example.com\tagent\ttaipei\t-\t{}\tzh-TW=native,en=fluent\t8\tavailable"
    assert mei.format("active") in listed
    assert meridian("users", "disable", "mei@example.com", env=env).returncode == 0
    assert mei.format("disabled") in meridian("users", "list", env=env).stdout.splitlines()


async def test_passwords_are_stored_as_argon2_hashes(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        await add_account(session, NewAccount("wen@example.com", "agent", ("taipei",)), PASSWORD)
    async with sessions() as session:
        stored = await session.scalar(select(Account.password_hash))
    assert stored is not None and stored.startswith("$argon2id$") and PASSWORD not in stored
    assert PasswordHasher().verify(stored, PASSWORD)


async def _sign_in_form(client: Client) -> str:
    page = await client.get("/login")
    assert page.status_code == 200
    found = CSRF_FIELD.search(page.text)
    assert found is not None
    return found.group(1)


@pytest.fixture
async def agent(sessions: async_sessionmaker[AsyncSession], redis_url: str) -> str:
    async with sessions() as session, session.begin():
        await add_account(session, NewAccount("wen@example.com", "agent", ("taipei",)), PASSWORD)
    from redis.asyncio import Redis

    redis = Redis.from_url(redis_url)
    await redis.delete(*throttle._keys("wen@example.com", "testclient"))
    await redis.aclose()
    return "wen@example.com"


async def test_a_form_without_its_csrf_token_is_refused(client: Client, agent: str) -> None:
    await _sign_in_form(client)
    refused = await client.post("/login", data={"email": agent, "password": PASSWORD})
    assert refused.status_code == 403
    after = await client.get("/team/", follow_redirects=False)
    assert after.status_code == 303 and after.headers["location"] == "/login"


async def test_ten_failures_lock_sign_in_with_retry_after(client: Client, agent: str) -> None:
    token = await _sign_in_form(client)
    for _ in range(throttle.MAX_FAILURES):
        wrong = await client.post(
            "/login", data={"_csrf_token": token, "email": agent, "password": "wrong password"}
        )
        assert wrong.status_code == 401
        assert "Wrong email or password." in wrong.text
    locked = await client.post(
        "/login", data={"_csrf_token": token, "email": agent, "password": PASSWORD}
    )
    assert locked.status_code == 429
    assert 0 < int(locked.headers["retry-after"]) <= throttle.WINDOW_SECONDS
    assert "Too many failed attempts" in locked.text


async def test_sign_in_then_out(client: Client, agent: str) -> None:
    token = await _sign_in_form(client)
    client.cookies.delete("session")
    client.cookies.set("session", "planted-by-someone-else", domain="testserver.local")
    signed_in = await client.post(
        "/login",
        data={"_csrf_token": token, "email": agent, "password": PASSWORD},
        follow_redirects=False,
    )
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/team"
    issued = client.cookies.get("session", domain="testserver.local")
    assert issued not in (None, "planted-by-someone-else", "null")
    inbox = await client.get("/team/")
    assert inbox.status_code == 200 and "Team inbox" in inbox.text
    token = CSRF_FIELD.search(inbox.text)
    assert token is not None
    out = await client.post("/logout", data={"_csrf_token": token.group(1)}, follow_redirects=False)
    assert out.status_code == 303
    after = await client.get("/team/", follow_redirects=False)
    assert after.status_code == 303 and after.headers["location"] == "/login"


async def test_the_workspace_speaks_the_account_language(
    client: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with sessions() as session, session.begin():
        await add_account(
            session, NewAccount("aoi@example.com", "agent", ("tokyo",), locale="ja"), PASSWORD
        )
    token = await _sign_in_form(client)
    await client.post(
        "/login", data={"_csrf_token": token, "email": "aoi@example.com", "password": PASSWORD}
    )
    inbox = await client.get("/team/")
    assert inbox.status_code == 200
    assert '<html lang="ja"' in inbox.text
    assert "チーム受信トレイ" in inbox.text and "Team inbox" not in inbox.text
