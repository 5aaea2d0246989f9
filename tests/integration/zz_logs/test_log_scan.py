"""No personal data or secret in any log line: the e-mail addresses, complaint texts, names,
phone numbers, passwords and tokens a scenario feeds the service never appear in what it logs,
nor in the logs of the test run before it (this module runs after the browser and
integration tests)."""

from __future__ import annotations

import logging
import re

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.accounts.services import NewAccount, add_account
from service.accounts.tokens import create_token
from tests.conftest import RUN_LOGS

Client = AsyncTestClient[Litestar]
EMAIL = "ling.secret-customer@example.org"
NAME = "Ling Secretname"
PHONE = "+886 2 5555 0199"
TEXT = "Meine Bestellung 4711-GEHEIM ist nie angekommen und niemand antwortet."
PASSWORD = "a very private passphrase"
# Any e-mail address, a personal token, a token in a query string.
LEAKS = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+|mrd_pat_\w+|token=[\w-]{8,}")


async def test_a_scenario_with_personal_data_leaves_none_in_the_logs(
    client: Client, sessions: async_sessionmaker[AsyncSession], caplog: object
) -> None:
    async with sessions() as session, session.begin():
        await add_account(
            session, NewAccount("agent.secret@example.org", "agent", ("dublin",)), PASSWORD
        )
        _, personal = await create_token(session, "agent.secret@example.org", "scan")
    before = len(RUN_LOGS.lines)
    logging.getLogger("meridian.scan").info("scenario starts")  # the collector is listening
    filed = await client.post(
        "/api/v1/cases",
        json={"text": TEXT, "contact": {"email": EMAIL, "name": NAME, "phone": PHONE}},
    )
    token = filed.json()["access_token"]
    await client.get(f"/api/v1/cases/{filed.json()['reference']}?token={token}")
    await client.get(f"/cases/{filed.json()['reference']}?token={token}")
    await client.get("/api/v1/teams/dublin/queue", headers={"Authorization": f"Bearer {personal}"})
    await client.post("/login", data={"email": EMAIL, "password": PASSWORD})
    await client.post("/api/v1/cases", json={"text": TEXT + "\u0000", "contact": {"email": EMAIL}})

    scenario = RUN_LOGS.lines[before:]
    assert scenario, "the scenario logged nothing: the collector is not attached"
    secrets = (EMAIL, NAME, PHONE, TEXT, PASSWORD, token, personal, "agent.secret@example.org")
    assert [line for line in scenario if any(secret in line for secret in secrets)] == []


# aiosmtpd, the SMTP server the tests run in place of the mail provider, logs each envelope.
NOT_OURS = (" INFO mail.log: ", " WARNING mail.log: ")


def test_the_whole_run_logged_no_address_or_token() -> None:
    ours = [line for line in RUN_LOGS.lines if not any(tag in line for tag in NOT_OURS)]
    assert [line for line in ours if LEAKS.search(line)] == []
