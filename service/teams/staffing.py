"""The staffing planner: from the complaints of the last weeks, the agents each language needs in
each hour of the week (Erlang C, routing/staffing.py) against the seats the calendars put on duty
that hour in the coming week. Shared by `meridian plan staffing` and the /ops/staffing page."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from routing.coverage import spoken_languages, week_start
from routing.coverage_grid import coverage_grid
from routing.router import language_key
from routing.staffing import HourNeed, hourly_needs, mean_handle_seconds
from service.common.validation import FieldErrors
from service.db.models import Case
from service.teams.coverage import parse_language, parse_zone
from service.teams.directory import router_view

MAX_WEEKS = 52
DEFAULT_HANDLE_MINUTES = 10.0
"""Handling time of a category no setting names (MERIDIAN_HANDLE_MINUTES)."""


@dataclass(frozen=True, slots=True)
class PlanRequest:
    weeks: int = 4
    zone: str = "UTC"
    language: str | None = None
    target_seconds: float = 20.0
    target_level: float = 0.8
    handle_minutes: tuple[tuple[str, float], ...] = ()
    """Handling minutes per category; the others take DEFAULT_HANDLE_MINUTES."""


@dataclass(frozen=True, slots=True)
class LanguagePlan:
    language: str
    complaints: int
    """Complaints in this language over the weeks looked at: 0 means no history to plan from."""
    handle_seconds: float
    hours: list[HourNeed]

    @property
    def understaffed(self) -> list[HourNeed]:
        return [hour for hour in self.hours if hour.understaffed]


@dataclass(frozen=True, slots=True)
class StaffingPlan:
    since: datetime
    """The first of the whole weeks of complaints counted (Monday 00:00 in the zone)."""
    until: datetime
    seats_week: date
    """The Monday of the week whose calendars give the seats on duty."""
    zone: ZoneInfo
    request: PlanRequest
    languages: list[LanguagePlan]


def parse_handle_minutes(text: str) -> tuple[tuple[str, float], ...]:
    """``account=12,billing=8`` as ((category, minutes), …); ValueError naming the bad part."""
    pairs = []
    for part in filter(None, (piece.strip() for piece in text.split(","))):
        category, _, minutes = part.partition("=")
        try:
            value = float(minutes)
        except ValueError:
            value = -1.0
        if not category.strip() or not value > 0:
            raise ValueError(f"{part!r}: write category=minutes, e.g. account=12")
        pairs.append((category.strip(), value))
    return tuple(pairs)


def _checked(request: PlanRequest) -> tuple[ZoneInfo, str | None]:
    errors = FieldErrors()
    if not 1 <= request.weeks <= MAX_WEEKS:
        errors.add("weeks", f"must be a whole number from 1 to {MAX_WEEKS}")
    if not 0 <= request.target_seconds <= 3600:
        errors.add("target_seconds", "must be from 0 to 3600 seconds")
    if not 0 < request.target_level < 1:
        errors.add("target_level", "must lie between 0 and 1, e.g. 0.8")
    zone = errors.check(lambda: parse_zone(request.zone, "zone"), ZoneInfo("UTC"))
    language = errors.check(
        lambda: parse_language(request.language, "language") if request.language else None, None
    )
    errors.raise_if_any()
    return zone, language


async def staffing_plan(session: AsyncSession, now: datetime, request: PlanRequest) -> StaffingPlan:
    """Agents needed against seats on duty, per language and hour of the week in the zone."""
    zone, language = _checked(request)
    monday = week_start(now.astimezone(zone).date().isoformat())
    # The last whole weeks, so each hour of the week is counted exactly `weeks` times.
    until = datetime.combine(monday, time(), tzinfo=zone).astimezone(UTC)
    since = datetime.combine(monday - timedelta(weeks=request.weeks), time(), tzinfo=zone)
    rows = (
        await session.execute(
            select(Case.language, Case.category, Case.created_at).where(
                Case.created_at >= since.astimezone(UTC), Case.created_at < until
            )
        )
    ).all()
    _, profiles = await router_view(session)
    spoken = spoken_languages(profiles)
    tag_of = {language_key(tag): tag for tag in spoken}
    arrivals: dict[str, Counter[tuple[int, int]]] = defaultdict(Counter)
    categories: dict[str, Counter[str]] = defaultdict(Counter)
    for tag, category, created_at in rows:
        key = tag_of.get(language_key(tag), tag)
        local = created_at.astimezone(zone)
        arrivals[key][(local.weekday(), local.hour)] += 1
        categories[key][category] += 1
    wanted = [language] if language else sorted({*spoken, *arrivals} - {"und"})
    grids = {g.language: g for g in coverage_grid(profiles, monday, zone, wanted)}
    handle = {category: minutes * 60 for category, minutes in request.handle_minutes}
    plans = []
    for tag in wanted:
        seats: dict[tuple[int, int], int] = {}
        for weekday, day in enumerate(grids[tag].days):
            for hour, cells in enumerate(day.by_local_hour(zone)):
                seats[(weekday, hour)] = min((cell.seats for cell in cells), default=0)
        seconds = mean_handle_seconds(categories[tag], handle, DEFAULT_HANDLE_MINUTES * 60)
        hours = hourly_needs(
            arrivals[tag],
            request.weeks,
            seats,
            seconds,
            request.target_seconds,
            request.target_level,
        )
        plans.append(LanguagePlan(tag, sum(arrivals[tag].values()), seconds, hours))
    return StaffingPlan(since, until, monday, zone, request, plans)


DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def render_plan(plan: StaffingPlan) -> str:
    """The plan as `meridian plan staffing` prints it: per language, each hour that needs
    agents, with its mean arrivals, the agents needed and the seats on duty."""
    request = plan.request
    lines = [
        f"complaints of the {request.weeks} weeks from {plan.since:%Y-%m-%d};"
        f" hours in {plan.zone.key}; seats of the week of {plan.seats_week}",
        f"target: {request.target_level:.0%} answered within {request.target_seconds:g} s",
    ]
    for language in plan.languages:
        lines.append("")
        if not language.complaints:
            lines.append(
                f"{language.language}: no complaints in the last {request.weeks} weeks,"
                " nothing to plan from"
            )
            continue
        lines.append(
            f"{language.language}: {language.complaints} complaints,"
            f" {language.handle_seconds / 60:.1f} min handling,"
            f" {len(language.understaffed)} understaffed hours"
        )
        lines.append("  day  hour  arrivals/h  needed  seats")
        for hour in language.hours:
            if hour.needed:
                flag = "  understaffed" if hour.understaffed else ""
                lines.append(
                    f"  {DAYS[hour.weekday]}  {hour.hour:02d}    {hour.arrivals:10.2f}"
                    f"  {hour.needed:6d}  {hour.seats:5d}{flag}"
                )
    return "\n".join(lines)
