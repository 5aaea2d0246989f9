"""The team file (TOML): parse and validate with line numbers, dump, build calendars and profiles.

Format: one ``[[team]]`` table per team with ``key``, ``name``, ``region``, ``timezone``,
``languages`` (tag -> native|fluent|basic) and optional ``country``, ``subdivision``, ``seats``,
``serves``, ``tiers``, ``overflow``, ``public_name``, ``holidays``, ``webhook_url``,
``lead_email``; a ``[team.weekly]`` table of
``mon``..``sun`` window lists and optional ``[[team.overrides]]`` tables (``start``/``end`` as
local wall-clock ``YYYY-MM-DDTHH:MM`` in the team's zone, or with a UTC offset; ``kind`` extra or
closure).  tomllib reports no positions, so problem lines are found by scanning the text.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache, lru_cache, partial
from typing import Any, cast

import holidays as holiday_data

from routing.calendar import (
    MINUTES_PER_DAY,
    WEEKDAYS,
    Calendar,
    Shift,
    Window,
    load_zone,
    parse_window,
)
from routing.language.tags import canonical_tag
from routing.model import TIERS, Proficiency, TeamProfile, TeamSpec, Tier

PROFICIENCIES: tuple[Proficiency, ...] = ("native", "fluent", "basic")
DEFAULT_PUBLIC_NAME = "default"
"""Key of the customer-facing name shown in languages the team file does not name."""
FIELDS = frozenset(
    {
        "key",
        "name",
        "region",
        "timezone",
        "country",
        "subdivision",
        "seats",
        "serves",
        "tiers",
        "languages",
        "holidays",
        "webhook_url",
        "lead_email",
        "overflow",
        "public_name",
        "weekly",
        "overrides",
    }
)
_KEY = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_TOML_LINE = re.compile(r"at line (\d+)")
_WEEK_MINUTES = 7 * MINUTES_PER_DAY


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a team file; ``line`` is 1-based, None when unknown."""

    line: int | None
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


class TeamFileError(ValueError):
    """A team file with problems; ``problems`` lists them all, in file order."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.line or 0, p.message))
        super().__init__("\n".join(str(problem) for problem in self.problems))


class _Lines:
    """Finds the line of a team's fields in the file text (1-based)."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.team_starts = self._headers(r"\[\[\s*team\s*\]\]", 0, len(self.lines))

    def _headers(self, pattern: str, first: int, last: int) -> list[int]:
        regex = re.compile(rf"\s*{pattern}")
        return [i for i in range(first, last) if regex.match(self.lines[i])]

    def _block(self, team: int) -> tuple[int, int]:
        if team >= len(self.team_starts):
            return 0, len(self.lines)
        end = self.team_starts[team + 1] if team + 1 < len(self.team_starts) else len(self.lines)
        return self.team_starts[team], end

    def find(self, team: int, field: str, needle: str | None = None, override: int = -1) -> int:
        """Line of ``needle`` at or after ``field`` in the team's block, else of the field."""
        first, last = self._block(team)
        if override >= 0:
            headers = self._headers(r"\[\[\s*team\.overrides\s*\]\]", first, last)
            if override < len(headers):
                first = headers[override]
                following = [h for h in headers if h > first]
                last = following[0] if following else last
        field_regex = re.compile(rf'\s*"?{re.escape(field)}"?\s*=')
        start = next((i for i in range(first, last) if field_regex.match(self.lines[i])), None)
        if start is None:
            return first + 1
        if needle is not None:
            for i in range(start, last):
                if needle in self.lines[i]:
                    return i + 1
        return start + 1


class _TeamReader:
    """Validates one ``[[team]]`` table, collecting problems."""

    def __init__(self, raw: Mapping[str, Any], index: int, lines: _Lines) -> None:
        self.raw, self.index, self.lines = raw, index, lines
        self.problems: list[Problem] = []

    def problem(
        self, field: str, message: str, needle: str | None = None, override: int = -1
    ) -> None:
        line = self.lines.find(self.index, field, needle, override)
        self.problems.append(Problem(line, message))

    def text(self, field: str, *, required: bool = False) -> str | None:
        value = self.raw.get(field)
        if value is None or value == "":
            if required:
                self.problem(field, f"team {self.label}: missing {field}")
            return None
        if not isinstance(value, str):
            self.problem(field, f"team {self.label}: {field} must be a string")
            return None
        return value

    @property
    def label(self) -> str:
        key = self.raw.get("key")
        return repr(key) if isinstance(key, str) else f"#{self.index + 1}"

    def strings(self, field: str) -> list[str]:
        value = self.raw.get(field, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problem(field, f"team {self.label}: {field} must be a list of strings")
            return []
        return value

    def read(self) -> TeamSpec | None:
        for field in self.raw:
            if field not in FIELDS:
                self.problem(field, f"team {self.label}: unknown field {field!r}")
        key = self.text("key", required=True)
        if key is not None and not _KEY.fullmatch(key):
            self.problem("key", f"team key {key!r} must be a slug of a-z, 0-9 and '-'")
        name = self.text("name", required=True)
        region = self.text("region", required=True)
        timezone = self.text("timezone", required=True)
        if timezone is not None:
            try:
                load_zone(timezone)
            except ValueError as error:
                self.problem("timezone", f"team {self.label}: {error}")
        country, subdivision = self.place()
        languages = self.languages()
        weekly = self.weekly()
        overrides = self.overrides()
        if not any(weekly.values()) and not any(s.kind == "extra" for s in overrides):
            self.problem("key", f"team {self.label}: no opening hours (weekly or extra overrides)")
        spec_holidays = self.holidays()
        seats = self.raw.get("seats", 1)
        if not isinstance(seats, int) or isinstance(seats, bool) or seats < 1:
            self.problem("seats", f"team {self.label}: seats must be a whole number of at least 1")
        tiers = self.strings("tiers")
        for tier in tiers:
            if tier not in TIERS:
                message = f"team {self.label}: unknown tier {tier!r} (expected {', '.join(TIERS)})"
                self.problem("tiers", message, f'"{tier}"')
        overflow = self.raw.get("overflow", False)
        if not isinstance(overflow, bool):
            self.problem("overflow", f"team {self.label}: overflow must be true or false")
        public_names = self.public_names()
        if self.problems:
            return None
        assert key and name and region and timezone
        return TeamSpec(
            key=key,
            name=name,
            region=region,
            timezone=timezone,
            languages=languages,
            weekly=weekly,
            country=country,
            subdivision=subdivision,
            holidays=spec_holidays,
            overrides=overrides,
            seats=seats,
            serves=tuple(self.strings("serves")),
            tiers=cast(tuple[Tier, ...], tuple(tiers)),
            webhook_url=self.text("webhook_url"),
            lead_email=self.text("lead_email"),
            overflow=overflow,
            public_names=public_names,
        )

    def public_names(self) -> dict[str, str]:
        """``public_name``: one name, or a table of names by catalog with a ``default``."""
        value = self.raw.get("public_name")
        if value is None:
            return {}
        if isinstance(value, str) and value.strip():
            return {DEFAULT_PUBLIC_NAME: value.strip()}
        if (
            isinstance(value, dict)
            and value
            and all(
                isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in value.items()
            )
        ):
            return {k: v.strip() for k, v in value.items()}
        message = (
            f"team {self.label}: public_name must be a name, or a table of names by language"
            ' ({ default = "…", de = "…" })'
        )
        self.problem("public_name", message)
        return {}

    def place(self) -> tuple[str | None, str | None]:
        country = self.text("country")
        subdivision = self.text("subdivision")
        if country is None:
            if subdivision is not None:
                self.problem("subdivision", f"team {self.label}: subdivision without a country")
            return None, None
        supported = holiday_data.list_supported_countries()
        if country not in supported:
            self.problem("country", f"team {self.label}: no public holidays known for {country!r}")
        elif subdivision is not None and subdivision not in supported[country]:
            message = f"team {self.label}: unknown subdivision {subdivision!r} of {country}"
            self.problem("subdivision", message)
        return country, subdivision

    def languages(self) -> dict[str, Proficiency]:
        value = self.raw.get("languages")
        if not isinstance(value, dict) or not value:
            self.problem("languages", f"team {self.label}: languages must list at least one tag")
            return {}
        languages: dict[str, Proficiency] = {}
        for tag, level in value.items():
            canonical = canonical_tag(tag)
            if canonical is None:
                self.problem("languages", f"team {self.label}: unknown language tag {tag!r}", tag)
            elif level not in PROFICIENCIES:
                message = (
                    f"team {self.label}: unknown proficiency {level!r} for {tag}"
                    f" (expected {', '.join(PROFICIENCIES)})"
                )
                self.problem("languages", message, tag)
            elif canonical in languages:
                self.problem("languages", f"team {self.label}: {tag} is listed twice", tag)
            else:
                languages[canonical] = level
        return languages

    def weekly(self) -> dict[str, tuple[tuple[str, str], ...]]:
        value = self.raw.get("weekly", {})
        if not isinstance(value, dict):
            self.problem("weekly", f"team {self.label}: weekly must be a table of weekdays")
            return {}
        weekly: dict[str, tuple[tuple[str, str], ...]] = {}
        placed: list[tuple[int, int, str, str]] = []  # week minute, length, day, text
        for day, windows in value.items():
            if day not in WEEKDAYS:
                message = f"team {self.label}: unknown weekday {day!r} (expected mon..sun)"
                self.problem(day, message)
                continue
            pairs = self.windows(day, windows)
            weekly[day] = tuple(pair for pair, _ in pairs)
            for (start, end), window in pairs:
                week_minute = WEEKDAYS.index(day) * MINUTES_PER_DAY + window.start
                placed.append((week_minute, window.minutes, day, f"{start}-{end}"))
        self.check_overlaps(placed)
        return weekly

    def windows(self, day: str, windows: object) -> list[tuple[tuple[str, str], Window]]:
        shape = f'team {self.label}: {day} must be a list of ["HH:MM", "HH:MM"] windows'
        if not isinstance(windows, list):
            self.problem(day, shape)
            return []
        pairs = []
        for window in windows:
            if not (isinstance(window, list) and len(window) == 2):
                self.problem(day, shape)
                continue
            start, end = window
            try:
                pairs.append(((start, end), parse_window(start, end)))
            except ValueError as error:
                bad = start if f"{start!r}" in str(error) else end
                self.problem(day, f"team {self.label}: {day}: {error}", f'"{bad}"')
        return pairs

    def check_overlaps(self, placed: list[tuple[int, int, str, str]]) -> None:
        """Windows may not overlap anywhere on the weekly circle (overnight ones included)."""
        placed.sort()
        if len(placed) < 2:
            return
        for i, (start, length, day, text) in enumerate(placed):
            next_start, _, next_day, next_text = placed[(i + 1) % len(placed)]
            if i + 1 == len(placed):
                next_start += _WEEK_MINUTES
            if start + length > next_start:
                message = f"team {self.label}: {day} {text} overlaps {next_day} {next_text}"
                self.problem(next_day, message, next_text.split("-")[0])

    def listed(self, field: str, what: str) -> list[Any]:
        """The field's list (empty when absent); a problem, and nothing, when it is no list."""
        value = self.raw.get(field, [])
        if isinstance(value, list):
            return value
        self.problem(field, f"team {self.label}: {field} must be {what}")
        return []

    def holidays(self) -> tuple[date, ...]:
        days = []
        for item in self.listed("holidays", "a list of dates"):
            if isinstance(item, date) and not isinstance(item, datetime):
                days.append(item)
                continue
            try:
                days.append(date.fromisoformat(item))
            except (TypeError, ValueError):
                message = f"team {self.label}: bad date {item!r} (expected YYYY-MM-DD)"
                self.problem("holidays", message, str(item))
        return tuple(days)

    def overrides(self) -> tuple[Shift, ...]:
        shifts = []
        for number, table in enumerate(self.listed("overrides", "[[team.overrides]]")):
            if not isinstance(table, dict):
                self.problem(
                    "overrides", f"team {self.label}: overrides must be [[team.overrides]]"
                )
                continue
            start = self.moment(table, "start", number)
            end = self.moment(table, "end", number)
            kind = table.get("kind")
            if kind not in ("extra", "closure"):
                message = f"team {self.label}: override kind must be extra or closure"
                self.problem("kind", message, override=number)
                continue
            if start is None or end is None:
                continue
            if (start.tzinfo is None) != (end.tzinfo is None) or end <= start:
                message = f"team {self.label}: override must end after it starts"
                self.problem("end", message, override=number)
                continue
            shifts.append(Shift(start, end, kind))
        return tuple(shifts)

    def moment(self, table: Mapping[str, Any], field: str, number: int) -> datetime | None:
        value = table.get(field)
        if isinstance(value, datetime):
            return value
        try:
            return datetime.fromisoformat(value if isinstance(value, str) else "")
        except ValueError:
            message = f"team {self.label}: bad override {field} {value!r} (YYYY-MM-DDTHH:MM)"
            self.problem(field, message, override=number)
            return None


def parse_teams(text: str) -> list[TeamSpec]:
    """Teams from a team file; raises TeamFileError listing every problem found."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        found = _TOML_LINE.search(str(error))
        raise TeamFileError([Problem(int(found[1]) if found else None, str(error))]) from error
    lines = _Lines(text)
    problems = [Problem(None, f"unknown top-level entry {name!r}") for name in document]
    problems = [p for p in problems if p.message != "unknown top-level entry 'team'"]
    tables = document.get("team", [])
    if not isinstance(tables, list) or not tables:
        raise TeamFileError([*problems, Problem(None, "no [[team]] tables")])
    specs: list[TeamSpec] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(tables):
        if not isinstance(raw, dict):
            problems.append(Problem(None, "team must be a table: use [[team]]"))
            continue
        reader = _TeamReader(raw, index, lines)
        spec = reader.read()
        problems.extend(reader.problems)
        key = raw.get("key")
        if isinstance(key, str) and key in seen:
            line = lines.find(index, "key")
            problems.append(
                Problem(line, f"duplicate team key {key!r} (first on line {seen[key]})")
            )
        elif isinstance(key, str):
            seen[key] = lines.find(index, "key")
        if spec is not None:
            specs.append(spec)
    if problems:
        raise TeamFileError(problems)
    return specs


def dump_teams(specs: Iterable[TeamSpec]) -> str:
    """The team file for ``specs``; ``parse_teams`` reads it back to equal specs."""
    return "\n".join(_dump_team(spec) for spec in specs)


def _quote(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _array(values: Iterable[str]) -> str:
    return "[" + ", ".join(_quote(v) for v in values) + "]"


def _dump_team(spec: TeamSpec) -> str:
    out = ["[[team]]"]
    fields: list[tuple[str, str | None]] = [
        ("key", spec.key),
        ("name", spec.name),
        ("region", spec.region),
        ("timezone", spec.timezone),
        ("country", spec.country),
        ("subdivision", spec.subdivision),
    ]
    out += [f"{name} = {_quote(value)}" for name, value in fields if value]
    out.append(f"seats = {spec.seats}")
    out.append(f"serves = {_array(spec.serves)}")
    out.append(f"tiers = {_array(spec.tiers)}")
    languages = ", ".join(
        f"{_quote(tag)} = {_quote(level)}" for tag, level in spec.languages.items()
    )
    out.append(f"languages = {{ {languages} }}")
    if spec.holidays:
        out.append(f"holidays = {_array(day.isoformat() for day in spec.holidays)}")
    out += [f"{name} = {_quote(value)}" for name, value in _contacts(spec) if value]
    if spec.overflow:
        out.append("overflow = true")
    if spec.public_names:
        names = ", ".join(f"{_quote(k)} = {_quote(v)}" for k, v in spec.public_names.items())
        out.append(f"public_name = {{ {names} }}")
    out.append("[team.weekly]")
    for day in WEEKDAYS:
        if day in spec.weekly:
            windows = ", ".join(_array(window) for window in spec.weekly[day])
            out.append(f"{day} = [{windows}]")
    for shift in spec.overrides:
        out += [
            "[[team.overrides]]",
            f"start = {_quote(_moment(shift.start))}",
            f"end = {_quote(_moment(shift.end))}",
            f"kind = {_quote(shift.kind)}",
        ]
    return "\n".join(out) + "\n"


def _contacts(spec: TeamSpec) -> list[tuple[str, str | None]]:
    return [("webhook_url", spec.webhook_url), ("lead_email", spec.lead_email)]


def _moment(moment: datetime) -> str:
    exact = moment.second or moment.microsecond
    return moment.isoformat(timespec="microseconds" if exact else "minutes")


def build_calendar(spec: TeamSpec) -> Calendar:
    """The team's calendar with public holidays of its country/subdivision; cached per spec."""
    weekly = tuple(sorted((day, tuple(map(tuple, w))) for day, w in spec.weekly.items()))
    return _calendar(
        spec.timezone, weekly, spec.country, spec.subdivision, spec.holidays, spec.overrides
    )


@lru_cache(maxsize=512)
def _calendar(
    timezone: str,
    weekly: tuple[tuple[str, tuple[tuple[str, ...], ...]], ...],
    country: str | None,
    subdivision: str | None,
    extra_holidays: tuple[date, ...],
    overrides: tuple[Shift, ...],
) -> Calendar:
    public = partial(_is_public_holiday, country, subdivision) if country else None
    return Calendar(timezone, dict(weekly), extra_holidays, overrides, public_holiday=public)


def _is_public_holiday(country: str, subdivision: str | None, day: date) -> bool:
    return day in _public_holidays(country, subdivision, day.year)


@cache
def _public_holidays(country: str, subdivision: str | None, year: int) -> frozenset[date]:
    return frozenset(holiday_data.country_holidays(country, subdiv=subdivision, years=year))


def public_name(name: str, public_names: Mapping[str, str], locale: str) -> str:
    """What a customer reading `locale` (a catalog: "de", "zh_Hant") is told the team is called:
    the name for that catalog, for its language, the team file's default, else `name`."""
    return (
        public_names.get(locale)
        or public_names.get(locale.split("_")[0])
        or public_names.get(DEFAULT_PUBLIC_NAME)
        or name
    )


def profile(spec: TeamSpec, open_cases: int = 0) -> TeamProfile:
    """The team as the router sees it now."""
    return TeamProfile(
        key=spec.key,
        region=spec.region,
        languages=spec.languages,
        calendar=build_calendar(spec),
        seats=spec.seats,
        open_cases=open_cases,
        serves=frozenset(spec.serves),
        tiers=frozenset(spec.tiers),
        country=spec.country,
        overflow=spec.overflow,
    )
