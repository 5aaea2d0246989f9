"""A team's calendar edited in the browser: the form's fields become the team's block of the team
file, checked by the same parser as a TOML import (routing/team_file.py), and each problem is
put back next to the field it came from; a preview shows the change hour by hour and as a diff."""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import msgspec

from routing.calendar import WEEKDAYS
from routing.coverage import week_start
from routing.coverage_grid import LanguageGrid, language_grid
from routing.model import TeamSpec
from routing.team_file import TeamFileError, dump_teams, parse_teams, profile

EDITED = ("timezone", "country", "subdivision", "seats", "holidays")
_WINDOW = re.compile(r"^\s*(\d{1,2}:\d{2})\s*[-–]\s*(\d{1,2}:\d{2})\s*$")
_KEY = re.compile(r'^\s*"?([A-Za-z_]+)"?\s*=')


class CalendarForm(msgspec.Struct, frozen=True):
    """What the editor's form holds: text fields as the person typed them."""

    timezone: str = ""
    country: str = ""
    subdivision: str = ""
    seats: str = "1"
    mon: str = ""
    tue: str = ""
    wed: str = ""
    thu: str = ""
    fri: str = ""
    sat: str = ""
    sun: str = ""
    holidays: str = ""
    """One date (YYYY-MM-DD) per line: closed, on top of the country's public holidays."""
    overrides: str = ""
    """One per line: ``START END extra|closure``, local ``YYYY-MM-DDTHH:MM``."""


def form_of(spec: TeamSpec) -> CalendarForm:
    days = {
        day: ", ".join(f"{start}-{end}" for start, end in spec.weekly.get(day, ()))
        for day in WEEKDAYS
    }
    return CalendarForm(
        timezone=spec.timezone,
        country=spec.country or "",
        subdivision=spec.subdivision or "",
        seats=str(spec.seats),
        holidays="\n".join(day.isoformat() for day in spec.holidays),
        overrides="\n".join(
            f"{s.start.isoformat(timespec='minutes')} {s.end.isoformat(timespec='minutes')} "
            f"{s.kind}"
            for s in spec.overrides
        ),
        **days,
    )


class CalendarProblems(ValueError):
    """The form's problems, by field (``mon`` … ``sun``, ``timezone``, …, ``calendar``)."""

    def __init__(self, problems: dict[str, list[str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in problems.items()))


def _lines(values: str) -> list[str]:
    return [line.strip() for line in values.splitlines() if line.strip()]


def _toml(stored: TeamSpec, form: CalendarForm) -> tuple[str, dict[str, list[str]]]:
    """The team's block with the form's fields in place of the stored ones, and the problems
    the form's own syntax has (a window not written as HH:MM-HH:MM, seats not a number, …)."""
    problems: dict[str, list[str]] = {}
    kept = []
    for line in dump_teams([stored]).splitlines():
        if line.strip() == "[team.weekly]":
            break
        key = _KEY.match(line)
        if not (key and key[1] in EDITED):
            kept.append(line)
    plain = [f"timezone = {json.dumps(form.timezone.strip())}"]
    plain += [
        f"{name} = {json.dumps(value.strip())}"
        for name, value in (("country", form.country), ("subdivision", form.subdivision))
        if value.strip()
    ]
    if form.seats.strip().isdigit():
        plain.append(f"seats = {int(form.seats)}")
    else:
        problems["seats"] = [f"not a whole number: {form.seats!r}"]
    holidays = _lines(form.holidays)
    if holidays:
        plain.append(f"holidays = {json.dumps(holidays)}")
    weekly = ["[team.weekly]"]
    for day in WEEKDAYS:
        windows = []
        for part in filter(None, (p.strip() for p in getattr(form, day).split(","))):
            found = _WINDOW.match(part)
            if found:
                windows.append([found[1], found[2]])
            else:
                problems.setdefault(day, []).append(f"{part!r} is not HH:MM-HH:MM")
        if windows:
            weekly.append(f"{day} = {json.dumps(windows)}")
    overrides = []
    for line in _lines(form.overrides):
        parts = line.split()
        if len(parts) != 3:
            problems.setdefault("overrides", []).append(f"{line!r}: write START END KIND")
            continue
        start, end, kind = parts
        overrides += [
            "[[team.overrides]]",
            f"start = {json.dumps(start)}",
            f"end = {json.dumps(end)}",
            f"kind = {json.dumps(kind)}",
        ]
    return "\n".join([*kept, *plain, *weekly, *overrides]) + "\n", problems


def _field_of(text: str, line: int | None) -> str:
    """The form field a problem on ``line`` of the generated block belongs to."""
    if line is None:
        return "calendar"
    lines = text.splitlines()[:line]
    if any(candidate.strip() == "[[team.overrides]]" for candidate in lines):
        return "overrides"
    key = _KEY.match(lines[-1]) if lines else None
    field = key[1] if key else "calendar"
    return field if field in (*EDITED, *WEEKDAYS) else "calendar"


def edited_spec(stored: TeamSpec, form: CalendarForm) -> TeamSpec:
    """The team as the form describes it; CalendarProblems when anything is wrong (nothing is
    saved then)."""
    text, problems = _toml(stored, form)  # the parts it could not read are left out
    try:
        (spec,) = parse_teams(text)
    except TeamFileError as refused:
        for problem in refused.problems:
            problems.setdefault(_field_of(text, problem.line), []).append(problem.message)
    if problems:
        raise CalendarProblems(problems)
    return spec


@dataclass(frozen=True)
class Preview:
    """What saving would change: the team's hours this week (before and after) and the diff of
    its block of the team file."""

    before: LanguageGrid
    after: LanguageGrid
    diff: list[str]
    zone: ZoneInfo

    def hours(self) -> list[list[str]]:
        """Each day's 24 hours on the team's clock: "opens", "closes", "open" or "closed"
        (an hour the clocks skip is "closed")."""
        rows = []
        for before, after in zip(self.before.days, self.after.days, strict=True):
            row = []
            for old, new in zip(
                before.by_local_hour(self.zone), after.by_local_hour(self.zone), strict=True
            ):
                was = any(not cell.gap for cell in old)
                now_open = any(not cell.gap for cell in new)
                row.append(
                    ("open" if was else "opens") if now_open else ("closes" if was else "closed")
                )
            rows.append(row)
        return rows


def preview(stored: TeamSpec, edited: TeamSpec, now: datetime) -> Preview:
    zone = profile(edited).calendar.zone
    monday = week_start(now.astimezone(zone).date().isoformat())
    language = next(iter(edited.languages))
    grids = [language_grid([profile(spec)], language, monday, zone) for spec in (stored, edited)]
    diff = list(
        difflib.unified_diff(
            dump_teams([stored]).splitlines(),
            dump_teams([edited]).splitlines(),
            "saved",
            "edited",
            lineterm="",
        )
    )
    return Preview(grids[0], grids[1], diff, zone)
