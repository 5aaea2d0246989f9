"""Follow-the-sun handoff: where each open case of an off-duty team goes, with a note.

Cases with the same routing facts get the same decision, so the router runs once per chunk of
such cases (load is updated between chunks, so equal teams share the work); only cases that
nobody on duty speaks are routed one by one, because whether to wait for the next speaker
depends on each case's first-response due time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from functools import lru_cache
from typing import NamedTuple

from routing.model import CaseFacts, RoutingDecision, TeamProfile
from routing.router import route

CHUNK = 20
"""Cases routed on one decision before the teams' loads are looked at again."""


class OpenCase(NamedTuple):
    """What the handoff needs to know of an open case (a tuple: thousands are built per batch)."""

    case_id: int
    team: str | None
    facts: CaseFacts
    status: str
    claimed_by: str | None
    first_response_due: datetime
    resolution_due: datetime
    first_responded_at: datetime | None
    last_reply: str | None = None
    """The team's last reply to the customer, for the receiving team to read."""
    last_note: str | None = None
    """The last internal note on the case."""


class Handoff(NamedTuple):
    """The outcome for one case: a move (to_team set) or a coverage gap (to_team None)."""

    case: OpenCase
    decision: RoutingDecision
    to_team: str | None
    note: str


def _group_key(case: OpenCase) -> tuple[object, ...]:
    facts = case.facts
    return (facts.language, facts.region, facts.tier, facts.severity, facts.category)


def _on_duty_decision(decision: RoutingDecision) -> bool:
    """A decision that needs no per-case due time: a speaker is on duty now."""
    return decision.team is not None and not (
        decision.wait_until or decision.needs_translation or decision.coverage_gap
    )


def plan_handoffs(
    cases: Sequence[OpenCase], teams: Sequence[TeamProfile], now: datetime
) -> list[Handoff]:
    """Decide every case's new owner; the teams' loads move with the cases."""
    profiles = {team.key: team for team in teams}
    groups: dict[tuple[object, ...], list[OpenCase]] = {}
    for case in cases:
        groups.setdefault(_group_key(case), []).append(case)
    chunks = [
        members[start : start + CHUNK]
        for members in groups.values()
        for start in range(0, len(members), CHUNK)
    ]
    plans: list[Handoff] = []
    for members in chunks:
        shared = route(members[0].facts, list(profiles.values()), now)
        if _on_duty_decision(shared):
            decisions = [(case, shared) for case in members]
        else:
            decisions = [
                (
                    case,
                    route(
                        case.facts,
                        list(profiles.values()),
                        now,
                        first_response_due=_wait_limit(case, now),
                    ),
                )
                for case in members
            ]
        moved: dict[tuple[str | None, str], int] = {}
        for case, decision in decisions:
            # With nobody on duty the case stays put, flagged; it moves at the next opening.
            moves = decision.team not in (None, case.team) and not decision.coverage_gap
            to_team = decision.team if moves else None
            if to_team is not None:
                moved[case.team, to_team] = moved.get((case.team, to_team), 0) + 1
            plans.append(
                Handoff(case, decision, to_team, handoff_note(case, decision, to_team, now))
            )
        for (from_team, to_team), count in moved.items():
            _shift_load(profiles, from_team, to_team, count)
    return plans


def _wait_limit(case: OpenCase, now: datetime) -> datetime:
    """How long a case may wait for a team that reads it rather than go to one that needs
    translation: until its next SLA deadline (the first response if still owed, else the
    resolution)."""
    due = case.first_response_due if case.first_responded_at is None else case.resolution_due
    return max(due, now)


def _shift_load(
    profiles: dict[str, TeamProfile], from_team: str | None, to_team: str, count: int
) -> None:
    new = profiles[to_team]
    profiles[to_team] = replace(new, open_cases=new.open_cases + count)
    old = profiles.get(from_team) if from_team else None
    if old is not None:
        profiles[old.key] = replace(old, open_cases=max(0, old.open_cases - count))


@lru_cache(maxsize=8192)
def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _left(due: datetime, now: datetime) -> str:
    seconds = int((due - now).total_seconds())
    return _span(seconds < 0, abs(seconds) // 60)


@lru_cache(maxsize=8192)
def _span(overdue: bool, minutes: int) -> str:
    """'in 1d 2h 05m' or 'overdue by 0h 40m' (100,000 notes at a shift end share few of them)."""
    sign = "overdue by " if overdue else "in "
    days, rest = divmod(minutes, 1_440)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{sign}{days}d {hours}h {minutes:02d}m"
    return f"{sign}{hours}h {minutes:02d}m"


def handoff_note(
    case: OpenCase, decision: RoutingDecision, to_team: str | None, now: datetime
) -> str:
    """What the receiving team reads first: what was done, what is pending, SLA time left.

    Built for every case of a handoff (100,000 at a shift end), so with as few pieces as may be.
    """
    done = f"status {case.status.replace('_', ' ')}"
    if case.claimed_by:
        done += f"; worked by {case.claimed_by}"
    pending = f"resolution due {_left(case.resolution_due, now)} ({_when(case.resolution_due)})"
    if case.first_responded_at:
        done += f"; first response sent {_when(case.first_responded_at)}"
    else:
        due = case.first_response_due
        pending = f"first response due {_left(due, now)} ({_when(due)}); {pending}"
    at = _when(now)
    if case.team is None:
        head = (
            f"Routed to {to_team} at {at}: no team had it yet."
            if to_team
            else f"Coverage gap at {at}: no team can take it yet."
        )
    elif to_team:
        head = f"Handed over from {case.team} to {to_team} at {at}: {case.team} is off duty."
    else:
        head = f"Coverage gap at {at}: {case.team} is off duty and no team can take it."
    note = f"{head} Done: {done}. Pending: {pending}."
    if case.last_reply:
        note += f" Last reply: \u201c{_excerpt(case.last_reply)}\u201d."
    if case.last_note:
        note += f" Last note: \u201c{_excerpt(case.last_note)}\u201d."
    if decision.needs_translation and to_team:
        note += f" Needs translation: nobody who reads {case.facts.language} opens in time."
    return f"{note} Routing: {decision.reason}"


EXCERPT_CHARS = 280


def _excerpt(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= EXCERPT_CHARS else flat[: EXCERPT_CHARS - 1] + "\u2026"
