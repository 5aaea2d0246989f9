"""arq tasks. Each is idempotent: arq delivers at least once, a TaskRun row makes it once.

External effects (webhooks, e-mail) carry an idempotency key derived from the outbox row, so a
retry after a crash between sending and recording is recognisable by the receiver.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from arq import Retry
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service import customer_mail
from service.db.models import Case, OutboxMessage, TaskRun, Team
from service.handoff import hand_off
from service.mail.drop import drop
from service.mail.outbound import DEFAULT_SENDER, SmtpSettings, build_message, send
from service.notify.webhook import deliver
from service.outbox import drain
from service.settings import Settings
from service.sla_clock import watch
from service.teams import router_view

log = logging.getLogger("meridian.worker")
Perform = Callable[[dict[str, Any], AsyncSession, OutboxMessage], Awaitable[dict[str, Any] | None]]


def _now() -> datetime:
    return datetime.now(UTC)


async def _run_once(ctx: dict[str, Any], task: str, outbox_id: int, perform: Perform) -> str:
    """Perform the outbox message's effect unless it already ran, then record that it ran."""
    sessions: async_sessionmaker[AsyncSession] = ctx["sessions"]
    key = f"{task}:{outbox_id}"
    async with sessions() as session:
        if await session.get(TaskRun, key) is not None:
            return "duplicate"
        message = await session.get(OutboxMessage, outbox_id)
        result = await perform(ctx, session, message) if message else None
    result = result if result is not None else {"missing": True}
    try:
        async with sessions() as session, session.begin():
            session.add(TaskRun(key=key, at=_now(), result=result))
    except IntegrityError:
        return "duplicate"
    log.info(json.dumps({"event": task, "outbox_id": outbox_id, **result}, default=str))
    return "missing" if result.get("missing") else "done"


async def _references(session: AsyncSession, payload: dict[str, Any]) -> list[str]:
    ids = payload.get("case_ids") or [payload["case_id"]]
    rows = await session.scalars(select(Case.reference).where(Case.id.in_(ids)).order_by(Case.id))
    return list(rows.all())


async def _post_to_team(
    ctx: dict[str, Any], session: AsyncSession, message: OutboxMessage, event: str
) -> dict[str, Any] | None:
    """The team's webhook, if it has one; a failed delivery makes arq try again later."""
    payload = message.payload
    team = await session.get(Team, payload.get("team")) if payload.get("team") else None
    body = {
        "event": event,
        "team": payload.get("team"),
        "cases": await _references(session, payload),
        "why": payload.get("why"),
        "at": message.created_at.isoformat(),
    }
    if team is None or not team.webhook_url:
        return {**body, "delivered": "log"}
    settings: Settings = ctx["settings"]
    delivery = await deliver(
        team.webhook_url,
        body,
        secret=settings.webhook_secret.encode(),
        idempotency_key=f"outbox-{message.id}",
        attempts=2,
    )
    if not delivery.ok:
        log.warning("webhook to %s failed: %s", team.key, delivery.error or delivery.status)
        raise Retry(defer=ctx.get("job_try", 1) * 30)
    return {**body, "delivered": "webhook", "status": delivery.status}


async def notify_team(ctx: dict[str, Any], outbox_id: int) -> str:
    """Tell a team about new, handed-over or replied-to cases (webhook, else a log line)."""

    async def perform(ctx: dict[str, Any], session: AsyncSession, message: OutboxMessage) -> Any:
        return await _post_to_team(ctx, session, message, message.payload.get("event", "case"))

    return await _run_once(ctx, "notify_team", outbox_id, perform)


async def escalate(ctx: dict[str, Any], outbox_id: int) -> str:
    """Escalate to the team lead: the team's webhook with an escalation event, and a log line."""

    async def perform(ctx: dict[str, Any], session: AsyncSession, message: OutboxMessage) -> Any:
        team = await session.get(Team, message.payload.get("team") or "")
        result = await _post_to_team(ctx, session, message, "escalation")
        return None if result is None else {**result, "lead": team.lead_email if team else None}

    return await _run_once(ctx, "escalate", outbox_id, perform)


async def email_customer(ctx: dict[str, Any], outbox_id: int) -> str:
    """Send the customer an e-mail in their language (SMTP when configured, else an .eml file)."""

    async def perform(ctx: dict[str, Any], session: AsyncSession, message: OutboxMessage) -> Any:
        case = await session.get(Case, message.payload["case_id"])
        if case is None:
            return None
        settings: Settings = ctx["settings"]
        kind = message.payload["kind"]
        email = await customer_mail.render(
            session,
            case,
            kind,
            message.payload,
            base_url=settings.public_base_url,
            secret_key=settings.secret_key,
        )
        if email is None:
            return {"kind": kind, "reference": case.reference, "sent": "skipped"}
        smtp: SmtpSettings | None = ctx.get("smtp")
        mime = build_message(
            to=case.contact_email,
            subject=email.subject,
            text=email.text,
            html=email.html,
            lang=email.lang,
            direction=email.direction,
            idempotency_key=f"outbox-{message.id}",
            reply_to_reference=case.reference,
            sender=smtp.sender if smtp else DEFAULT_SENDER,
        )
        if smtp is None:
            name = f"{message.id:08d}-{case.reference}-{kind}"
            path = await asyncio.to_thread(drop, settings.mail_dir, mime, name)
            return {"kind": kind, "reference": case.reference, "sent": "file", "file": str(path)}
        try:
            await send(smtp, mime)
        except Exception as exc:  # SMTP errors of any kind: try again later
            log.warning("e-mail for %s failed: %s", case.reference, exc)
            raise Retry(defer=ctx.get("job_try", 1) * 30) from exc
        return {"kind": kind, "reference": case.reference, "sent": "smtp", "lang": email.lang}

    return await _run_once(ctx, "email_customer", outbox_id, perform)


async def handoff_team(ctx: dict[str, Any], team: str, shift_end: str) -> int:
    """At a team's shift end: hand its open cases to the teams on duty."""
    report = await hand_off(
        ctx["sessions"], now=max(_now(), datetime.fromisoformat(shift_end)), team=team
    )
    log.info(
        json.dumps(
            {
                "event": "handoff",
                "team": team,
                "moved": report.moved,
                "gaps": report.gaps,
                "to": report.by_team,
            }
        )
    )
    return report.moved


async def sweep_handoffs(ctx: dict[str, Any]) -> int:
    """Safety net every minute: any open case owned by an off-duty team moves now."""
    report = await hand_off(ctx["sessions"], now=_now())
    return report.moved


async def schedule_handoffs(ctx: dict[str, Any]) -> int:
    """Defer a handoff job to each on-duty team's next shift end (de-duplicated by job id)."""
    now = _now()
    scheduled = 0
    async with ctx["sessions"]() as session:
        _, profiles = await router_view(session)
    for team in profiles:
        if not team.calendar.is_open(now):
            continue
        try:
            shift_end = team.calendar.next_close(now)
        except ValueError:  # open round the clock
            continue
        job = await ctx["redis"].enqueue_job(
            "handoff_team",
            team.key,
            shift_end.isoformat(),
            _job_id=f"handoff:{team.key}:{shift_end.isoformat()}",
            _defer_until=shift_end,
        )
        scheduled += job is not None
    return scheduled


async def watch_sla(ctx: dict[str, Any]) -> int:
    """Warn at 80 % and escalate at 100 % of every SLA clock."""
    report = await watch(ctx["sessions"], now=_now())
    return report.warnings + report.breaches


async def drain_outbox(ctx: dict[str, Any]) -> int:
    """Safety net: whatever an API process could not hand over is drained here."""
    return await drain(ctx["sessions"], ctx["queue"], now=_now())
