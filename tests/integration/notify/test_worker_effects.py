"""A real arq worker's side effects: customer e-mail over SMTP, signed team webhooks, handoffs.

Real Redis, a local aiosmtpd sink and a local HTTP receiver on 127.0.0.1.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
import threading
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from arq import Retry
from arq.connections import ArqRedis, RedisSettings
from arq.constants import default_queue_name
from arq.jobs import Job, JobStatus
from arq.worker import Worker
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.cases.access import reply_token_matches
from service.db.models import OutboxMessage, TaskRun, Team
from service.inbound.parse import parse_inbound
from service.notify.mail_drop import latest
from service.notify.smtp import SmtpSettings
from service.notify.webhook import verify
from service.outbox.arq_connection import ArqConnection
from service.outbox.embedded_redis import free_port
from service.outbox.store import drain
from service.settings import Settings
from service.teams.directory import router_view
from tests.conftest import Clock
from tests.integration.notify.test_smtp_outbound import CollectingHandler
from tests.integration.notify.test_webhook import Recorded, Script, ScriptedReceiver
from workers.handoff import schedule_handoffs
from workers.notify import notify_team
from workers.settings import WorkerSettings

Client = AsyncTestClient[Litestar]
Sessions = async_sessionmaker[AsyncSession]

PUBLIC_URL = "https://help.meridian.example"
WEBHOOK_SECRET = "team-webhook-secret-for-tests"
LINK = re.compile(r"/cases/(MRD-[0-9A-Z]{6})\?token=([A-Za-z0-9_-]+)")
TUESDAY_0900 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # Dublin on duty


@pytest.fixture
def smtp_server() -> Iterator[tuple[CollectingHandler, SmtpSettings]]:
    handler = CollectingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield handler, SmtpSettings(host="127.0.0.1", port=controller.port)
    finally:
        controller.stop()


@pytest.fixture
def receiver() -> Iterator[tuple[Script, str]]:
    script = Script()
    server = ScriptedReceiver(script)
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        yield script, f"http://127.0.0.1:{server.server_address[1]}/hooks/meridian"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
async def queue(redis_url: str) -> AsyncIterator[ArqConnection]:
    connection = ArqConnection(redis_url)
    await (await connection.pool()).flushdb()
    yield connection
    await connection.close()


@pytest.fixture
def worker_settings(app: Litestar) -> Settings:
    """The app's settings (same secret key for links) with a public URL and webhook secret; the
    test receivers listen on loopback, so plain http there is allowed (the development flag)."""
    settings: Settings = app.state.settings
    return dataclasses.replace(
        settings,
        public_base_url=PUBLIC_URL,
        webhook_secret=WEBHOOK_SECRET,
        dev_http_webhooks=True,
    )


def make_ctx(
    sessions: Sessions, queue: ArqConnection, settings: Settings, smtp: SmtpSettings | None
) -> dict[str, Any]:
    return {"sessions": sessions, "arq": queue, "settings": settings, "smtp": smtp}


def make_worker(redis_url: str, values: dict[str, Any], **options: Any) -> Worker:
    """A burst worker whose context holds `values` (sessions, queue, settings, smtp)."""

    async def startup(ctx: dict[Any, Any]) -> None:
        ctx.update(values)

    return Worker(
        functions=WorkerSettings.functions,
        redis_settings=RedisSettings.from_dsn(redis_url),
        on_startup=startup,
        burst=True,
        poll_delay=0,
        handle_signals=False,
        **options,
    )


async def run_worker(redis_url: str, ctx: dict[str, Any], **options: Any) -> Worker:
    worker = make_worker(redis_url, ctx, **options)
    try:
        await worker.main()
    finally:
        await worker.close()
    return worker


async def file(client: Client, text: str, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"text": text, "contact": {"email": "customer@example.com"}}
    body.update(extra)
    response = await client.post("/api/v1/cases", json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def outbox_row(sessions: Sessions, task: str) -> OutboxMessage:
    async with sessions() as session:
        (row,) = (
            await session.scalars(select(OutboxMessage).where(OutboxMessage.task == task))
        ).all()
    return row


async def set_webhook(sessions: Sessions, team: str, url: str) -> None:
    async with sessions() as session, session.begin():
        await session.execute(update(Team).where(Team.key == team).values(webhook_url=url))


def assert_signed(request: Recorded) -> dict[str, Any]:
    timestamp = int(request.headers["X-Meridian-Timestamp"])
    signature = request.headers["X-Meridian-Signature"]
    assert verify(WEBHOOK_SECRET.encode(), signature, timestamp, request.body, now=timestamp)
    assert not verify(b"some-other-secret", signature, timestamp, request.body, now=timestamp)
    payload: dict[str, Any] = json.loads(request.body)
    return payload


@pytest.mark.parametrize(
    ("text", "timezone", "lang", "direction", "greeting", "subject_word"),
    [
        (
            "Mein Konto ist gesperrt und ich kann mich seit gestern nicht mehr anmelden. "
            "Bitte helfen Sie mir.",
            "Europe/Berlin",
            "de",
            "ltr",
            "Sehr geehrte Kundin, sehr geehrter Kunde,",
            "Beschwerde",
        ),
        (
            "لا أستطيع تسجيل الدخول إلى حسابي منذ أمس، أرجو المساعدة.",
            "Asia/Dubai",
            "ar",
            "rtl",
            "عزيزنا العميل،",
            "شكواكم",
        ),
    ],
    ids=["german", "arabic"],
)
async def test_customer_gets_an_acknowledgement_in_their_language(
    client: Client,
    sessions: Sessions,
    clock: Clock,
    redis_url: str,
    queue: ArqConnection,
    worker_settings: Settings,
    smtp_server: tuple[CollectingHandler, SmtpSettings],
    text: str,
    timezone: str,
    lang: str,
    direction: str,
    greeting: str,
    subject_word: str,
) -> None:
    handler, smtp = smtp_server
    clock.now = TUESDAY_0900
    filed = await file(client, text, timezone=timezone)
    ref = filed["reference"]
    assert filed["language"] == lang
    assert await drain(sessions, queue, now=clock.now) == 2  # acknowledgement + team notice

    worker = await run_worker(redis_url, make_ctx(sessions, queue, worker_settings, smtp))
    assert (worker.jobs_complete, worker.jobs_failed, worker.jobs_retried) == (2, 0, 0)

    (received,) = handler.received
    assert received.rcpt_tos == ["customer@example.com"]
    message = received.parsed()
    assert message["Content-Language"] == lang
    assert ref in message["Subject"]
    assert subject_word in message["Subject"]
    plain = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert isinstance(plain, EmailMessage)
    assert isinstance(html, EmailMessage)
    plain_text, html_text = plain.get_content(), html.get_content()
    assert plain_text.startswith(greeting)
    assert ref in plain_text
    assert f'<html lang="{lang}" dir="{direction}">' in html_text

    links = LINK.findall(plain_text)
    assert links and all(link == links[0] for link in links)
    link_ref, token = links[0]
    assert link_ref == ref
    assert f"{PUBLIC_URL}/cases/{ref}?token={token}" in plain_text
    assert f"/cases/{ref}?token={token}" in html_text
    status = await client.get(f"/api/v1/cases/{ref}", params={"token": token})
    assert status.status_code == 200, status.text
    assert status.json()["reference"] == ref
    forged = "L" + "0" * 40
    assert forged != token
    wrong = await client.get(f"/api/v1/cases/{ref}", params={"token": forged})
    assert wrong.status_code == 404

    async with sessions() as session:
        runs = {run.key: run.result for run in (await session.scalars(select(TaskRun))).all()}
    ack = await outbox_row(sessions, "email_customer")
    assert runs[f"email_customer:{ack.id}"]["sent"] == "smtp"
    assert runs[f"email_customer:{ack.id}"]["lang"] == lang


async def test_without_smtp_the_acknowledgement_is_an_eml_file_a_developer_can_open(
    client: Client,
    sessions: Sessions,
    clock: Clock,
    redis_url: str,
    queue: ArqConnection,
    worker_settings: Settings,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock.now = TUESDAY_0900
    filed = await file(client, "Mein Paket ist seit zwei Wochen nicht angekommen.")
    await drain(sessions, queue, now=clock.now)
    settings = dataclasses.replace(worker_settings, mail_dir=tmp_path / "mail")

    with caplog.at_level(logging.INFO, logger="meridian.worker"):
        worker = await run_worker(redis_url, make_ctx(sessions, queue, settings, None))
    assert (worker.jobs_complete, worker.jobs_failed) == (2, 0)

    (eml,) = (tmp_path / "mail").glob("*.eml")
    assert filed["reference"] in eml.name
    assert eml.stat().st_mode & 0o777 == 0o600
    message = BytesParser(policy=default).parsebytes(eml.read_bytes())
    assert message["To"] == "customer@example.com"
    assert message["Content-Language"] == "de"
    assert filed["reference"] in message["Subject"]
    # The customer's answer goes to the case's own reply address, the only way it threads.
    reply_to = message["Reply-To"]
    assert reply_to.startswith(f"reply+{filed['reference'].lower()}.")
    parsed = parse_inbound(f"From: customer@example.com\nTo: {reply_to}\n\nDanke.\n".encode())
    assert parsed.reply_to_case is not None
    assert reply_token_matches(*parsed.reply_to_case, settings.secret_key)
    plain = message.get_body(("plain",))
    assert isinstance(plain, EmailMessage)
    assert filed["reference"] in plain.get_content()
    assert b"\r\n" in eml.read_bytes()  # SMTP line endings, as a server would receive it
    assert any(str(eml) in record.getMessage() for record in caplog.records)
    (listed,) = latest(tmp_path / "mail")
    assert (listed.path, listed.to, listed.lang) == (eml, "customer@example.com", "de")


async def test_team_webhook_gets_one_signed_post_per_new_case(
    client: Client,
    sessions: Sessions,
    clock: Clock,
    redis_url: str,
    queue: ArqConnection,
    worker_settings: Settings,
    receiver: tuple[Script, str],
) -> None:
    script, url = receiver
    clock.now = TUESDAY_0900
    filed = await file(client, "The app crashes every time I open the settings page.")
    team = filed["team"]
    await set_webhook(sessions, team, url)
    assert await drain(sessions, queue, now=clock.now) == 2

    ctx = make_ctx(sessions, queue, worker_settings, None)
    worker = await run_worker(redis_url, ctx)
    assert (worker.jobs_complete, worker.jobs_failed, worker.jobs_retried) == (2, 0, 0)

    notice = await outbox_row(sessions, "notify_team")
    (request,) = script.received
    assert request.headers["Idempotency-Key"] == f"outbox-{notice.id}"
    assert request.headers["Content-Type"] == "application/json"
    payload = assert_signed(request)
    assert payload["cases"] == [filed["reference"]]
    assert payload["event"] == "new_case"
    assert payload["team"] == team

    # A redelivery of the same job: recorded as run, nothing posted again.
    assert await notify_team(ctx, notice.id) == "duplicate"
    assert len(script.received) == 1
    async with sessions() as session:
        run = await session.get(TaskRun, f"notify_team:{notice.id}")
    assert run is not None
    assert run.result["delivered"] == "webhook"
    assert run.result["status"] == 200


async def test_a_webhook_to_a_loopback_address_is_refused_at_send_time(
    client: Client,
    sessions: Sessions,
    clock: Clock,
    redis_url: str,
    queue: ArqConnection,
    worker_settings: Settings,
    receiver: tuple[Script, str],
) -> None:
    # A URL stored before the rules (or behind their back) is checked again before sending.
    script, url = receiver
    clock.now = TUESDAY_0900
    filed = await file(client, "The app crashes every time I open the settings page.")
    await set_webhook(sessions, filed["team"], url)
    await drain(sessions, queue, now=clock.now)
    production = dataclasses.replace(worker_settings, dev_http_webhooks=False)

    worker = await run_worker(redis_url, make_ctx(sessions, queue, production, None))

    assert (worker.jobs_complete, worker.jobs_failed, worker.jobs_retried) == (2, 0, 0)
    assert script.received == []
    notice = await outbox_row(sessions, "notify_team")
    async with sessions() as session:
        run = await session.get(TaskRun, f"notify_team:{notice.id}")
    assert run is not None and run.result["delivered"] == "refused"


async def test_failing_webhook_is_retried_and_not_recorded(
    client: Client,
    sessions: Sessions,
    clock: Clock,
    redis_url: str,
    queue: ArqConnection,
    worker_settings: Settings,
    receiver: tuple[Script, str],
) -> None:
    script, url = receiver
    clock.now = TUESDAY_0900
    filed = await file(client, "The app crashes every time I open the settings page.")
    await set_webhook(sessions, filed["team"], url)
    script.responses = [(500, {})] * 2  # both attempts of the delivery fail
    assert await drain(sessions, queue, now=clock.now) == 2
    notice = await outbox_row(sessions, "notify_team")

    ctx = make_ctx(sessions, queue, worker_settings, None)
    worker = await run_worker(redis_url, ctx, max_burst_jobs=2)
    assert worker.jobs_retried == 1
    assert (worker.jobs_complete, worker.jobs_failed) == (1, 0)  # the e-mail (logged)
    assert len(script.received) == 2
    assert {r.headers["Idempotency-Key"] for r in script.received} == {f"outbox-{notice.id}"}

    async with sessions() as session:
        assert await session.get(TaskRun, f"notify_team:{notice.id}") is None
    pool = await queue.pool()
    job = Job(f"outbox-{notice.id}", pool)
    assert await job.status() == JobStatus.deferred  # back in the queue, later

    # Called directly while the receiver still fails: arq Retry, still not recorded.
    script.responses = [(500, {})] * 2
    with pytest.raises(Retry):
        await notify_team(ctx, notice.id)
    async with sessions() as session:
        assert await session.get(TaskRun, f"notify_team:{notice.id}") is None

    # Once the receiver recovers the retry goes through, with the same idempotency key.
    assert await notify_team(ctx, notice.id) == "done"
    assert len(script.received) == 5
    assert script.received[-1].headers["Idempotency-Key"] == f"outbox-{notice.id}"
    assert assert_signed(script.received[-1])["cases"] == [filed["reference"]]
    assert await notify_team(ctx, notice.id) == "duplicate"
    assert len(script.received) == 5


async def test_serious_complaint_escalation_reaches_the_team_webhook(
    client: Client,
    sessions: Sessions,
    clock: Clock,
    redis_url: str,
    queue: ArqConnection,
    worker_settings: Settings,
    receiver: tuple[Script, str],
) -> None:
    script, url = receiver
    clock.now = TUESDAY_0900
    filed = await file(
        client, "There was a data leak: my personal data was exposed to other customers."
    )
    await set_webhook(sessions, filed["team"], url)
    assert await drain(sessions, queue, now=clock.now) == 3  # ack, team notice, escalation

    worker = await run_worker(redis_url, make_ctx(sessions, queue, worker_settings, None))
    assert (worker.jobs_complete, worker.jobs_failed) == (3, 0)
    events = {assert_signed(request)["event"]: request for request in script.received}
    assert "new_case" in events
    escalation = await outbox_row(sessions, "escalate")
    assert "escalation" in events  # the team hears of the serious complaint at once
    assert events["escalation"].headers["Idempotency-Key"] == f"outbox-{escalation.id}"
    payload = json.loads(events["escalation"].body)
    assert payload["cases"] == [filed["reference"]]
    assert payload["team"] == filed["team"]
    assert "serious" in payload["why"]


async def _open_teams(sessions: Sessions, at: datetime) -> dict[str, datetime]:
    """Teams on duty at `at`, with the end of their current shift."""
    async with sessions() as session:
        _, teams = await router_view(session)
    return {team.key: team.calendar.next_close(at) for team in teams if team.calendar.is_open(at)}


async def _handoff_jobs(pool: ArqRedis) -> dict[str, float]:
    members = await pool.zrange(default_queue_name, 0, -1, withscores=True)
    return {name.decode(): score for name, score in members if name.decode().startswith("handoff:")}


async def test_schedule_handoffs_defers_one_job_per_on_duty_team(
    sessions: Sessions, queue: ArqConnection
) -> None:
    pool = await queue.pool()
    ctx = {"sessions": sessions, "redis": pool}
    # schedule_handoffs reads the real clock: compare with the teams on duty just before and
    # just after, and try again in the (rare) case a shift began or ended in between.
    for _ in range(3):
        await pool.flushdb()
        started = datetime.now(UTC)
        before = await _open_teams(sessions, started)
        first = await schedule_handoffs(ctx)
        second = await schedule_handoffs(ctx)
        after = await _open_teams(sessions, datetime.now(UTC))
        if before == after:
            break
    else:
        pytest.fail("the teams on duty kept changing between runs")

    assert before  # the sample teams leave no hour of the week uncovered
    jobs = await _handoff_jobs(pool)
    expected = {
        f"handoff:{team}:{shift_end.isoformat()}": shift_end for team, shift_end in before.items()
    }
    assert set(jobs) == set(expected)
    assert first == len(expected)
    assert second == 0  # de-duplicated by job id: nothing new
    for job_id, shift_end in expected.items():
        assert jobs[job_id] == pytest.approx(shift_end.timestamp() * 1000)
        assert await pool.zscore(default_queue_name, job_id) == jobs[job_id]
        job = Job(job_id, pool)
        assert await job.status() == JobStatus.deferred
        info = await job.info()
        assert info is not None
        assert info.function == "handoff_team"
        team, _, end = job_id.removeprefix("handoff:").partition(":")
        assert info.args == (team, end)
        assert datetime.fromisoformat(end) == expected[job_id] > started
