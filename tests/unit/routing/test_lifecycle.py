"""The case status machine, table-driven: every action from every status."""

from __future__ import annotations

import pytest

from routing.lifecycle import (
    OPEN_STATUSES,
    STATUSES,
    IllegalTransition,
    is_open,
    transition,
)

ALLOWED = {
    ("received", "route"): "routed",
    ("routed", "route"): "routed",
    ("received", "claim"): "in_progress",
    ("routed", "claim"): "in_progress",
    ("in_progress", "claim"): "in_progress",
    ("received", "reply"): "in_progress",
    ("routed", "reply"): "in_progress",
    ("in_progress", "reply"): "in_progress",
    ("waiting_on_customer", "reply"): "waiting_on_customer",
    ("routed", "wait_on_customer"): "waiting_on_customer",
    ("in_progress", "wait_on_customer"): "waiting_on_customer",
    ("waiting_on_customer", "resume"): "in_progress",
    ("received", "resolve"): "resolved",
    ("routed", "resolve"): "resolved",
    ("in_progress", "resolve"): "resolved",
    ("waiting_on_customer", "resolve"): "resolved",
    ("resolved", "close"): "closed",
    ("resolved", "reopen"): "in_progress",
    ("received", "hand_over"): "routed",
    ("routed", "hand_over"): "routed",
    ("in_progress", "hand_over"): "in_progress",
    ("waiting_on_customer", "hand_over"): "waiting_on_customer",
    ("routed", "release"): "routed",
    ("in_progress", "release"): "in_progress",
    ("waiting_on_customer", "release"): "waiting_on_customer",
}
ACTIONS = sorted({action for _, action in ALLOWED})


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("action", ACTIONS)
def test_every_action_from_every_status(status: str, action: str) -> None:
    expected = ALLOWED.get((status, action))
    if expected is None:
        with pytest.raises(IllegalTransition) as raised:
            transition(status, action)  # type: ignore[arg-type]
        assert status.replace("_", " ") in str(raised.value)
    else:
        assert transition(status, action) == expected  # type: ignore[arg-type]


def test_open_statuses() -> None:
    assert {s for s in STATUSES if is_open(s)} == set(OPEN_STATUSES)
    assert not is_open("resolved") and not is_open("closed")
