"""Handoff planning (pure): destinations, load sharing, gaps and the note agents read first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from routing.calendar import Calendar
from routing.handoff import OpenCase, handoff_note, plan_handoffs
from routing.model import CaseFacts, RoutingDecision, TeamProfile

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # Tuesday


def team(
    key: str,
    zone: str,
    hours: tuple[str, str],
    languages: dict[str, str],
    region: str = "EMEA",
    open_cases: int = 0,
) -> TeamProfile:
    calendar = Calendar(zone, {day: [hours] for day in WEEKDAYS})
    return TeamProfile(
        key=key,
        region=region,
        languages=languages,
        calendar=calendar,  # type: ignore[arg-type]
        seats=1,
        open_cases=open_cases,
    )


def case(number: int, owner: str = "shanghai", language: str = "en") -> OpenCase:
    return OpenCase(
        case_id=number,
        team=owner,
        facts=CaseFacts(language=language, region="EMEA", opened_at=NOW - timedelta(hours=1)),
        status="in_progress",
        claimed_by="li",
        first_response_due=NOW + timedelta(minutes=40),
        resolution_due=NOW + timedelta(days=2, hours=3),
        first_responded_at=None,
    )


SHANGHAI = team(
    "shanghai", "Asia/Shanghai", ("09:00", "18:00"), {"en": "fluent", "zh-Hans": "native"}, "APAC"
)
DUBLIN = team("dublin", "Europe/Dublin", ("08:00", "18:00"), {"en": "native"})
CORK = team("cork", "Europe/Dublin", ("08:00", "18:00"), {"en": "native"})


def test_cases_go_to_the_on_duty_speaker_and_equal_teams_share_them() -> None:
    plans = plan_handoffs([case(n) for n in range(100)], [SHANGHAI, DUBLIN, CORK], NOW)
    destinations = [plan.to_team for plan in plans]
    assert set(destinations) == {"dublin", "cork"}
    assert abs(destinations.count("dublin") - destinations.count("cork")) <= 20


def test_nobody_on_duty_leaves_the_case_with_a_gap() -> None:
    closed = team("tokyo", "Asia/Tokyo", ("09:00", "18:00"), {"en": "fluent"}, "APAC")
    [plan] = plan_handoffs([case(1)], [SHANGHAI, closed], NOW)
    assert plan.to_team is None and plan.decision.coverage_gap
    assert plan.note.startswith("Coverage gap at 2026-11-24 10:00 UTC: shanghai is off duty")


def test_unspoken_language_moves_with_a_translation_flag() -> None:
    [plan] = plan_handoffs([case(1, language="zh-Hans")], [SHANGHAI, DUBLIN], NOW)
    assert plan.to_team == "dublin" and plan.decision.needs_translation


def test_note_says_what_was_done_what_is_pending_and_time_left() -> None:
    decision = RoutingDecision(team="dublin", reason="on duty; speaks en")
    note = handoff_note(case(7), decision, "dublin", NOW)
    assert note == (
        "Handed over from shanghai to dublin at 2026-11-24 10:00 UTC: shanghai is off duty. "
        "Done: status in progress; worked by li. "
        "Pending: first response due in 0h 40m (2026-11-24 10:40 UTC); "
        "resolution due in 2d 3h 00m (2026-11-26 13:00 UTC). Routing: on duty; speaks en"
    )
    overdue = handoff_note(case(7), decision, "dublin", NOW + timedelta(hours=1))
    assert "first response due overdue by 0h 20m" in overdue


# Tuesday 10:00 UTC: Shanghai has closed; Dublin (English only) is on duty; Shanghai reopens
# Wednesday 09:00 local (01:00 UTC). A Chinese case that has had its first reply may wait for
# Shanghai if its resolution is due after that; otherwise Dublin takes it and needs translation.
WAIT_OR_TRANSLATE = [
    (timedelta(days=2), "shanghai", False),  # due Thursday: waits for Shanghai (stays)
    (timedelta(hours=16), "shanghai", False),  # due 02:00 UTC, after Shanghai opens at 01:00
    (timedelta(hours=12), "dublin", True),  # due 22:00 UTC, before Shanghai opens
    (timedelta(hours=4), "dublin", True),
]


@pytest.mark.parametrize(("due_in", "owner", "needs_translation"), WAIT_OR_TRANSLATE)
def test_a_handoff_waits_for_a_team_that_reads_the_case_until_its_next_deadline(
    due_in: timedelta, owner: str, needs_translation: bool
) -> None:
    answered = case(1, language="zh-Hans")._replace(
        first_responded_at=NOW - timedelta(minutes=30), resolution_due=NOW + due_in
    )
    [plan] = plan_handoffs([answered], [SHANGHAI, DUBLIN], NOW)
    assert (plan.decision.team, plan.decision.needs_translation) == (owner, needs_translation)
    assert ("Needs translation" in plan.note) == needs_translation


def test_the_note_quotes_the_last_reply_and_note() -> None:
    worked = case(1)._replace(last_reply="We have refunded you.", last_note="Check on Friday.")
    [plan] = plan_handoffs([worked], [SHANGHAI, DUBLIN], NOW)
    assert "Last reply: \u201cWe have refunded you.\u201d." in plan.note
    assert "Last note: \u201cCheck on Friday.\u201d." in plan.note
