"""Inbound e-mail: mail relays post each raw customer message here."""

from __future__ import annotations

import hmac
from typing import Any

from litestar import Request, Response, post
from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from service.api.deps import now_of, sessions_of
from service.inbound import InboundOutcome, receive_email
from service.mail.inbound import MAX_MESSAGE_BYTES
from service.problems import Problem

RAW_MESSAGE_TYPES = frozenset({"message/rfc822", "application/octet-stream"})


def require_relay_secret(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """Guard: X-Inbound-Secret must equal the configured secret (503 while none is set)."""
    expected: str | None = connection.app.state.settings.inbound_email_secret
    if not expected:
        raise Problem(
            503,
            "inbound-email-not-configured",
            "inbound e-mail is not configured",
            title="Inbound e-mail is not configured",
        )
    given = connection.headers.get("x-inbound-secret", "")
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise Problem(
            401,
            "unauthorized",
            "send the relay's shared secret in X-Inbound-Secret",
            title="Unauthorized",
        )


def require_raw_message(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """Guard: the body must be declared as a raw message (415 otherwise)."""
    media_type = connection.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in RAW_MESSAGE_TYPES:
        raise Problem(
            415,
            "unsupported-media-type",
            "send the raw message as message/rfc822 or application/octet-stream"
            f" (got {media_type or 'no content type'})",
            title="Unsupported media type",
        )


@post(
    "/api/v1/inbound/email",
    guards=[require_relay_secret, require_raw_message],
    request_max_body_size=MAX_MESSAGE_BYTES,
    operation_id="receiveEmail",
    summary="Receive a customer e-mail from the mail relay",
    tags=["inbound"],
)
async def receive_inbound_email(request: Request[Any, Any, Any]) -> Response[InboundOutcome]:
    """A new case (201), a reply threaded onto the sender's case (200), or a repeat (200)."""
    received = await receive_email(sessions_of(request), await request.body(), now=now_of(request))
    if not received.outcome.duplicate:
        request.app.state.outbox_nudge.set()
    status = HTTP_201_CREATED if received.created else HTTP_200_OK
    return Response(received.outcome, status_code=status)
