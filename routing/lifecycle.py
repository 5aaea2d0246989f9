"""The case status machine: which action may move a case from which status."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

Status = Literal["received", "routed", "in_progress", "waiting_on_customer", "resolved", "closed"]
Action = Literal[
    "route",
    "claim",
    "reply",
    "wait_on_customer",
    "resume",
    "resolve",
    "close",
    "reopen",
    "hand_over",
    "release",
]

STATUSES: tuple[Status, ...] = (
    "received",
    "routed",
    "in_progress",
    "waiting_on_customer",
    "resolved",
    "closed",
)
OPEN_STATUSES: frozenset[Status] = frozenset(
    {"received", "routed", "in_progress", "waiting_on_customer"}
)

_TRANSITIONS: dict[Action, dict[Status, Status]] = {
    "route": {"received": "routed", "routed": "routed"},
    "claim": {"received": "in_progress", "routed": "in_progress", "in_progress": "in_progress"},
    "reply": {
        "received": "in_progress",
        "routed": "in_progress",
        "in_progress": "in_progress",
        "waiting_on_customer": "waiting_on_customer",
    },
    "wait_on_customer": {
        "routed": "waiting_on_customer",
        "in_progress": "waiting_on_customer",
    },
    "resume": {"waiting_on_customer": "in_progress"},
    "resolve": {
        "received": "resolved",
        "routed": "resolved",
        "in_progress": "resolved",
        "waiting_on_customer": "resolved",
    },
    "close": {"resolved": "closed"},
    "reopen": {"resolved": "in_progress"},
    # The agent lets go of the case; what the customer sees does not change.
    "release": {
        "routed": "routed",
        "in_progress": "in_progress",
        "waiting_on_customer": "waiting_on_customer",
    },
    # To another team, unclaimed (a transfer or a shift-end handoff): what the customer sees
    # never goes back; only a case no team had yet becomes "routed".
    "hand_over": {
        "received": "routed",
        "routed": "routed",
        "in_progress": "in_progress",
        "waiting_on_customer": "waiting_on_customer",
    },
}


REOPEN_WINDOW = timedelta(days=14)
"""How long after resolution a customer's message reopens the case (default)."""


def takes_customer_messages(
    status: str, resolved_at: datetime | None, now: datetime, window: timedelta = REOPEN_WINDOW
) -> bool:
    """Whether a case takes a message from its customer: while open, and once resolved for
    `window` more (the message reopens it); a closed case never."""
    if status == "resolved":
        return resolved_at is not None and now - resolved_at <= window
    return status in OPEN_STATUSES


class IllegalTransition(ValueError):
    """An action that the case's current status does not allow."""

    def __init__(self, action: str, status: str) -> None:
        allowed = sorted(_TRANSITIONS.get(action, {}))  # type: ignore[call-overload]
        super().__init__(
            f"cannot {action.replace('_', ' ')} a case that is {status.replace('_', ' ')}"
            f" (allowed from: {', '.join(allowed) or 'nothing'})"
        )
        self.action = action
        self.status = status


def transition(status: str, action: Action) -> Status:
    """The status after `action`, or IllegalTransition."""
    allowed = _TRANSITIONS[action]
    if status not in allowed:
        raise IllegalTransition(action, status)
    return allowed[status]


def is_open(status: str) -> bool:
    return status in OPEN_STATUSES
