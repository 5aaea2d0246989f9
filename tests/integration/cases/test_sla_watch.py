"""The SLA watch on stored cases: warn at 80 %, escalate at 100 %, once, in the team's hours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.cases.sla_watch import WatchReport, case_calendar, watch
from service.db.models import Case, CaseEvent, OutboxMessage
from service.teams.directory import router_view
from tests.conftest import Clock

Client = AsyncTestClient[Litestar]
Sessions = async_sessionmaker[AsyncSession]

FILED_AT = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)  # Tue 11:00 Shanghai, 12:00 Tokyo
CRASH = "The app crashes every time I open the settings page, please fix it."


async def file(client: Client, text: str = CRASH, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "text": text,
        "contact": {"email": "lee@example.com"},
        "timezone": "Asia/Tokyo",
    }
    body.update(extra)
    response = await client.post("/api/v1/cases", json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def load(sessions: Sessions, reference: str) -> Case:
    async with sessions() as session:
        case = await session.scalar(select(Case).where(Case.reference == reference))
    assert case is not None
    return case


async def events(sessions: Sessions, case_id: int, kind: str) -> list[CaseEvent]:
    async with sessions() as session:
        rows = await session.scalars(
            select(CaseEvent)
            .where(CaseEvent.case_id == case_id, CaseEvent.kind == kind)
            .order_by(CaseEvent.id)
        )
        return list(rows.all())


async def outbox(sessions: Sessions, case_id: int, task: str | None = None) -> list[OutboxMessage]:
    async with sessions() as session:
        rows = (await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all()
    return [
        row
        for row in rows
        if row.payload.get("case_id") == case_id and (task is None or row.task == task)
    ]


def quiet(report: WatchReport) -> bool:
    return (report.warnings, report.breaches, report.references) == (0, 0, [])


async def test_first_response_warns_at_80_percent_then_breaches_once(
    client: Client, sessions: Sessions, clock: Clock
) -> None:
    assert clock.now == FILED_AT
    filed = await file(client)
    assert filed["team"] in {"shanghai", "taipei", "tokyo"}  # English in APAC, on duty now
    case = await load(sessions, filed["reference"])
    # One hour of first-response time, all of it inside Shanghai/Taipei/Tokyo hours.
    assert case.first_response_due == FILED_AT + timedelta(hours=1)
    assert case.first_response_warn_at == FILED_AT + timedelta(minutes=48)
    intake_rows = len(await outbox(sessions, case.id))

    before = await watch(sessions, now=FILED_AT + timedelta(minutes=47))
    assert quiet(before)
    assert await events(sessions, case.id, "sla_warning") == []

    warn_at = FILED_AT + timedelta(minutes=48)
    report = await watch(sessions, now=warn_at)
    assert (report.warnings, report.breaches, report.references) == (1, 0, [case.reference])
    (warning,) = await events(sessions, case.id, "sla_warning")
    assert warning.at == warn_at
    assert warning.data["clock"] == "first_response"
    assert warning.data["level"] == 0
    case = await load(sessions, filed["reference"])
    assert case.first_response_warned_at == warn_at
    assert case.first_response_breached_at is None
    assert case.escalation_level == 0
    (notify,) = [
        row
        for row in await outbox(sessions, case.id, "notify_team")
        if row.payload.get("event") == "sla_warning"
    ]
    assert notify.payload["team"] == filed["team"]
    assert notify.available_at == warn_at  # the team is on duty: at once

    assert quiet(await watch(sessions, now=warn_at))
    assert quiet(await watch(sessions, now=warn_at + timedelta(minutes=5)))
    assert len(await events(sessions, case.id, "sla_warning")) == 1

    due = FILED_AT + timedelta(hours=1)
    breach = await watch(sessions, now=due)
    assert (breach.warnings, breach.breaches, breach.references) == (0, 1, [case.reference])
    (breached,) = await events(sessions, case.id, "sla_breached")
    assert breached.at == due
    assert breached.data["clock"] == "first_response"
    assert breached.data["level"] == 1
    case = await load(sessions, filed["reference"])
    assert case.first_response_breached_at == due
    assert case.escalation_level == 1
    (escalation,) = await outbox(sessions, case.id, "escalate")
    assert escalation.payload["team"] == filed["team"]
    assert escalation.payload["event"] == "sla_breached"
    assert escalation.available_at == due

    assert quiet(await watch(sessions, now=due))
    assert quiet(await watch(sessions, now=due + timedelta(minutes=30)))
    assert len(await events(sessions, case.id, "sla_breached")) == 1
    assert len(await outbox(sessions, case.id)) == intake_rows + 2  # one warning, one escalation
    assert (await load(sessions, filed["reference"])).escalation_level == 1


async def test_a_reply_before_the_due_time_means_no_first_response_breach(
    client: Client, sessions: Sessions, clock: Clock, team_keys: dict[str, str]
) -> None:
    filed = await file(client)
    ref, team = filed["reference"], filed["team"]
    clock.now = FILED_AT + timedelta(minutes=30)
    replied = await client.post(
        f"/api/v1/cases/{ref}/replies",
        json={"agent": "mei", "body": "We are looking into the crash and will report back."},
        headers={"X-Api-Key": team_keys[team]},
    )
    assert replied.status_code == 201, replied.text
    case = await load(sessions, ref)
    assert case.first_responded_at == clock.now

    for minutes in (48, 60, 180):
        assert quiet(await watch(sessions, now=FILED_AT + timedelta(minutes=minutes)))
    case = await load(sessions, ref)
    assert case.first_response_warned_at is None
    assert case.first_response_breached_at is None
    assert case.escalation_level == 0
    assert await events(sessions, case.id, "sla_breached") == []
    assert await outbox(sessions, case.id, "escalate") == []

    # The resolution clock is still watched.
    assert case.resolution_warn_at is not None
    later = await watch(sessions, now=case.resolution_warn_at)
    assert (later.warnings, later.breaches) == (1, 0)
    (warning,) = await events(sessions, case.id, "sla_warning")
    assert warning.data["clock"] == "resolution"


async def test_a_breach_found_off_duty_is_sent_when_the_team_opens(
    client: Client, sessions: Sessions
) -> None:
    filed = await file(client)
    team = filed["team"]
    case = await load(sessions, filed["reference"])
    # Tue 11:00 UTC: 19:00-20:00 in Shanghai, Taipei and Tokyo, all closed; due was 04:00.
    night = datetime(2026, 11, 24, 11, 0, tzinfo=UTC)
    async with sessions() as session:
        _, profiles = await router_view(session)
    owner = next(p for p in profiles if p.key == team)
    assert not owner.calendar.is_open(night)
    opening = owner.calendar.next_open(night)
    assert opening > night
    assert opening == datetime(2026, 11, 25, 0 if team == "tokyo" else 1, 0, tzinfo=UTC)

    report = await watch(sessions, now=night)
    assert (report.warnings, report.breaches) == (0, 1)
    (breached,) = await events(sessions, case.id, "sla_breached")
    assert breached.at == night  # recorded when found ...
    (escalation,) = await outbox(sessions, case.id, "escalate")
    assert escalation.created_at == night
    assert escalation.available_at == opening  # ... but the reminder waits for working hours
    notified = [row.payload["event"] for row in await outbox(sessions, case.id, "notify_team")]
    assert notified == ["new_case"]  # past due: a breach only, no late warning first


async def test_waiting_on_the_customer_pauses_both_clocks(
    client: Client, sessions: Sessions, clock: Clock, team_keys: dict[str, str]
) -> None:
    filed = await file(client)
    ref, team = filed["reference"], filed["team"]
    key = {"X-Api-Key": team_keys[team]}
    original = await load(sessions, ref)
    assert original.first_response_warn_at is not None
    assert original.resolution_warn_at is not None

    t1 = FILED_AT + timedelta(minutes=20)
    clock.now = t1
    waiting = await client.post(
        f"/api/v1/cases/{ref}/status",
        json={"agent": "mei", "status": "waiting_on_customer", "note": "which app version?"},
        headers=key,
    )
    assert waiting.status_code == 200, waiting.text
    assert waiting.json()["status"] == "waiting_on_customer"
    assert (await load(sessions, ref)).paused_at == t1

    # Past the warning and the due time, while waiting: the watch leaves the case alone.
    for at in (
        original.first_response_warn_at,
        original.first_response_due,
        original.resolution_warn_at,
        original.resolution_due,
    ):
        assert quiet(await watch(sessions, now=at))

    t2 = FILED_AT + timedelta(hours=2)
    clock.now = t2
    resumed = await client.post(
        f"/api/v1/cases/{ref}/status", json={"agent": "mei", "status": "in_progress"}, headers=key
    )
    assert resumed.status_code == 200, resumed.text
    assert resumed.json()["status"] == "in_progress"

    case = await load(sessions, ref)
    async with sessions() as session:
        _, profiles = await router_view(session)
    calendar = case_calendar(case, profiles)
    fr_left = calendar.between(t1, original.first_response_due)
    res_left = calendar.between(t1, original.resolution_due)
    assert fr_left == timedelta(minutes=40)
    assert case.paused_at is None
    assert case.first_response_due == calendar.add(t2, fr_left) == t2 + timedelta(minutes=40)
    assert case.resolution_due == calendar.add(t2, res_left)
    assert case.first_response_due > original.first_response_due
    assert case.resolution_due > original.resolution_due
    assert case.first_response_warn_at is not None
    assert case.resolution_warn_at is not None
    assert t2 < case.first_response_warn_at < case.first_response_due
    assert case.first_response_warn_at > original.first_response_warn_at
    assert case.resolution_warn_at > original.resolution_warn_at

    # The original due time (and now, after it) breach nothing any more.
    assert quiet(await watch(sessions, now=original.first_response_due))
    assert quiet(await watch(sessions, now=t2))
    assert await events(sessions, case.id, "sla_breached") == []

    warned = await watch(sessions, now=case.first_response_warn_at)
    assert (warned.warnings, warned.breaches) == (1, 0)
    breached = await watch(sessions, now=case.first_response_due)
    assert (breached.warnings, breached.breaches) == (0, 1)
    (event,) = await events(sessions, case.id, "sla_breached")
    assert event.data["clock"] == "first_response"
    assert event.at == t2 + timedelta(minutes=40)


async def test_serious_complaint_is_escalated_at_intake(client: Client, sessions: Sessions) -> None:
    filed = await file(
        client,
        "There was a data leak: my personal data was exposed and I am taking legal action.",
    )
    case = await load(sessions, filed["reference"])
    assert case.severity == "serious"
    (escalated,) = await events(sessions, case.id, "escalated")
    assert escalated.at == FILED_AT
    assert "serious" in escalated.data["why"]
    (row,) = await outbox(sessions, case.id, "escalate")
    assert row.available_at == FILED_AT
    assert row.payload["team"] == filed["team"]  # the escalation reaches the owning team
    assert row.payload["why"] == escalated.data["why"]
    # Serious halves the budget: 30 minutes to first response.
    assert case.first_response_due == FILED_AT + timedelta(minutes=30)

    general = await file(client)
    other = await load(sessions, general["reference"])
    assert other.severity != "serious"
    assert await events(sessions, other.id, "escalated") == []
    assert await outbox(sessions, other.id, "escalate") == []


async def test_resolution_mails_now_and_asks_for_feedback_a_working_day_later(
    client: Client, sessions: Sessions, clock: Clock, team_keys: dict[str, str]
) -> None:
    filed = await file(client)
    ref, team = filed["reference"], filed["team"]
    resolved_at = FILED_AT + timedelta(minutes=45)
    clock.now = resolved_at
    resolved = await client.post(
        f"/api/v1/cases/{ref}/resolve",
        json={"agent": "mei", "summary": "Fixed in 4.2.1"},
        headers={"X-Api-Key": team_keys[team]},
    )
    assert resolved.status_code == 200, resolved.text
    case = await load(sessions, ref)
    assert case.resolved_at == resolved_at

    mails = {
        row.payload["kind"]: row
        for row in await outbox(sessions, case.id, "email_customer")
        if row.created_at == resolved_at
    }
    assert set(mails) == {"resolution", "feedback"}
    assert mails["resolution"].available_at == resolved_at
    feedback_at = mails["feedback"].available_at
    assert feedback_at > resolved_at
    async with sessions() as session:
        _, profiles = await router_view(session)
    calendar = case_calendar(case, profiles)
    assert calendar.between(resolved_at, feedback_at) == timedelta(hours=8)  # a working day
    (event,) = await events(sessions, case.id, "resolved")
    assert event.data["feedback_due"] == feedback_at.isoformat()

    # A resolved case is no longer watched, even long past its due times.
    assert quiet(await watch(sessions, now=case.resolution_due + timedelta(days=1)))


async def test_resolution_warning_after_a_pause_stays_at_80_percent(
    client: Client, sessions: Sessions, clock: Clock, team_keys: dict[str, str]
) -> None:
    filed = await file(client)
    ref, team = filed["reference"], filed["team"]
    key = {"X-Api-Key": team_keys[team]}
    original = await load(sessions, ref)
    assert original.resolution_warn_at is not None
    async with sessions() as session:
        _, profiles = await router_view(session)
    calendar = case_calendar(original, profiles)
    budget = calendar.between(FILED_AT, original.resolution_due)

    t1, t2 = FILED_AT + timedelta(minutes=20), FILED_AT + timedelta(hours=2)
    for at, status in ((t1, "waiting_on_customer"), (t2, "in_progress")):
        clock.now = at
        changed = await client.post(
            f"/api/v1/cases/{ref}/status", json={"agent": "mei", "status": status}, headers=key
        )
        assert changed.status_code == 200, changed.text
    case = await load(sessions, ref)
    assert case.resolution_warn_at is not None
    # The budget itself is kept: business time before the pause plus after it.
    used = calendar.between(FILED_AT, t1) + calendar.between(t2, case.resolution_due)
    assert used == budget
    # So is the warning: 80 % of the business time, pauses excluded.
    used_at_warning = calendar.between(FILED_AT, t1) + calendar.between(t2, case.resolution_warn_at)
    assert used_at_warning == budget * 0.8
