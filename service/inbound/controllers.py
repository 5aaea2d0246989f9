"""Inbound e-mail: mail relays post each raw customer message here."""

from __future__ import annotations

import hmac
from typing import Any

from litestar import Request, Response, post
from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler
from litestar.openapi import ResponseSpec
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from service.attachments.files import Limits
from service.common.errors import Unauthenticated, Unavailable
from service.http.dependencies import (
    AppSettings,
    AttachmentStorage,
    Now,
    NudgeOutbox,
    SessionFactory,
)
from service.http.guards import require_raw_message
from service.inbound.parse import MAX_MESSAGE_BYTES
from service.inbound.receive import FileShelf, InboundOutcome, receive_email


async def require_relay_secret(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """Guard: X-Inbound-Secret must equal the configured secret (503 while none is set)."""
    expected: str | None = connection.app.state.settings.inbound_email_secret
    if not expected:
        raise Unavailable(
            "inbound e-mail is not configured",
            kind="inbound-email-not-configured",
            title="Inbound e-mail is not configured",
        )
    given = connection.headers.get("x-inbound-secret", "")
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise Unauthenticated("send the relay's shared secret in X-Inbound-Secret")


@post(
    "/api/v1/inbound/email",
    guards=[require_relay_secret, require_raw_message],
    request_max_body_size=MAX_MESSAGE_BYTES,
    operation_id="receiveEmail",
    summary="Receive a customer e-mail from the mail relay",
    tags=["inbound"],
    responses={
        HTTP_200_OK: ResponseSpec(
            InboundOutcome, description="A reply threaded onto its case, or a repeated message"
        )
    },
)
async def receive_inbound_email(
    request: Request[Any, Any, Any],
    sessions: SessionFactory,
    settings: AppSettings,
    attachments: AttachmentStorage,
    now: Now,
    nudge_outbox: NudgeOutbox,
) -> Response[InboundOutcome]:
    """A new case (201), a reply threaded onto its case by its reply address (200), or a
    repeat (200)."""
    state = request.app.state
    received = await receive_email(
        sessions,
        await request.body(),
        now=now,
        secret_key=settings.secret_key,
        files=FileShelf(
            attachments,
            Limits.of(settings),
            state.scanner,
            state.quarantine,
        ),
        reopen_window=settings.reopen_window,
    )
    if not received.outcome.duplicate:
        nudge_outbox()
    status = HTTP_201_CREATED if received.created else HTTP_200_OK
    return Response(received.outcome, status_code=status)
