"""Jobs that tell people: team webhooks, escalations to the lead, customer e-mail."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import asdict
from datetime import UTC, datetime
from email.utils import parseaddr
from typing import Any

from arq import Retry
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from service.cases.access import reply_address
from service.db.models import Case, OutboxMessage, Team
from service.notify import customer_mail
from service.notify.mail_drop import drop
from service.notify.smtp import DEFAULT_SENDER, SmtpSettings, build_message, send
from service.notify.webhook import deliver
from service.notify.webhook_policy import destination_problem
from service.settings import Settings
from workers.once import run_once

log = logging.getLogger("meridian.worker")


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
    refused = await destination_problem(
        team.webhook_url, allow_loopback_http=settings.dev_http_webhooks
    )
    if refused is not None:  # not retried: the URL has to change first
        log.warning("webhook of %s refused: %s", team.key, refused)
        return {**body, "delivered": "refused", "why_refused": refused}
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

    return await run_once(ctx, "notify_team", outbox_id, perform)


async def escalate(ctx: dict[str, Any], outbox_id: int) -> str:
    """Escalate to the team lead: the team's webhook with an escalation event, and a log line."""

    async def perform(ctx: dict[str, Any], session: AsyncSession, message: OutboxMessage) -> Any:
        team = await session.get(Team, message.payload.get("team") or "")
        result = await _post_to_team(ctx, session, message, "escalation")
        return None if result is None else {**result, "lead": team.lead_email if team else None}

    return await run_once(ctx, "escalate", outbox_id, perform)


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
            now=datetime.now(UTC),
        )
        if email is None:
            return {"kind": kind, "reference": case.reference, "sent": "skipped"}
        smtp: SmtpSettings | None = ctx.get("smtp")
        sender = smtp.sender if smtp else DEFAULT_SENDER
        domain = parseaddr(sender)[1].rpartition("@")[2] or "meridian.invalid"
        mime = build_message(
            **asdict(email),  # subject, text, html, lang, direction
            to=case.contact_email,
            idempotency_key=f"outbox-{message.id}",
            secret=settings.secret_key,
            reply_to_reference=case.reference,
            reply_to=reply_address(case.reference, settings.secret_key, domain),
            sender=sender,
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

    return await run_once(ctx, "email_customer", outbox_id, perform)
