"""The dashboard's figures over a period of days in the viewer's zone: complaints per day by
language and region, SLA attainment per team and region, handoffs per shift boundary, breaches
and escalations, CSAT per team and language, and how often language detection was wrong."""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from service.common.validation import FieldErrors
from service.db.models import Case, CaseEvent
from service.teams.coverage import parse_day, parse_zone
from service.teams.directory import router_view

MAX_DAYS = 366
UNDETERMINED = "und"


@dataclass
class Attainment:
    """SLA outcomes of one team or region: decided cases and those within their deadline."""

    first_response_met: int = 0
    first_response_decided: int = 0
    resolution_met: int = 0
    resolution_decided: int = 0

    def share(self, met: int, decided: int) -> float | None:
        return met / decided if decided else None

    @property
    def first_response(self) -> float | None:
        return self.share(self.first_response_met, self.first_response_decided)

    @property
    def resolution(self) -> float | None:
        return self.share(self.resolution_met, self.resolution_decided)


@dataclass
class Satisfaction:
    responses: int = 0
    total: int = 0

    @property
    def mean(self) -> float | None:
        return self.total / self.responses if self.responses else None


@dataclass
class Dashboard:
    first_day: date
    last_day: date
    zone: ZoneInfo
    days: list[date]
    by_language: dict[str, list[int]] = field(default_factory=dict)
    by_region: dict[str, list[int]] = field(default_factory=dict)
    sla_by_team: dict[str, Attainment] = field(default_factory=dict)
    sla_by_region: dict[str, Attainment] = field(default_factory=dict)
    handoffs: Counter[tuple[str, str, int]] = field(default_factory=Counter)
    """(from team, to team, local hour of the handoff) → cases handed over."""
    first_response_breaches: list[int] = field(default_factory=list)
    resolution_breaches: list[int] = field(default_factory=list)
    escalations: list[int] = field(default_factory=list)
    csat_by_team: dict[str, Satisfaction] = field(default_factory=dict)
    csat_by_language: dict[str, Satisfaction] = field(default_factory=dict)
    complaints: int = 0
    undetermined: int = 0
    overridden: int = 0

    def rate(self, count: int) -> float | None:
        return count / self.complaints if self.complaints else None


def _period(
    first: str | None, last: str | None, zone: str, now: datetime
) -> tuple[date, date, ZoneInfo]:
    errors = FieldErrors()
    local_zone = errors.check(lambda: parse_zone(zone, "zone"), ZoneInfo("UTC"))
    today = now.astimezone(local_zone).date()
    last_day = errors.check(lambda: parse_day(last, "to") if last else today, today)
    first_day = errors.check(
        lambda: parse_day(first, "from") if first else last_day - timedelta(days=29),
        last_day - timedelta(days=29),
    )
    if first_day > last_day:
        errors.add("from", "must not come after the last day")
    elif (last_day - first_day).days >= MAX_DAYS:
        errors.add("from", f"the period may span at most {MAX_DAYS} days")
    errors.raise_if_any()
    return first_day, last_day, local_zone


async def dashboard(
    session: AsyncSession,
    now: datetime,
    *,
    first: str | None = None,
    last: str | None = None,
    zone: str = "UTC",
) -> Dashboard:
    """The figures of the cases filed from ``first`` to ``last`` (local days, both included;
    by default the last 30 days); a bad day or zone is a 422 naming each field."""
    first_day, last_day, local_zone = _period(first, last, zone, now)
    start = datetime.combine(first_day, time(), tzinfo=local_zone)
    end = datetime.combine(last_day + timedelta(days=1), time(), tzinfo=local_zone)
    days = [first_day + timedelta(days=n) for n in range((last_day - first_day).days + 1)]
    view = Dashboard(first_day, last_day, local_zone, days)
    view.first_response_breaches = [0] * len(days)
    view.resolution_breaches = [0] * len(days)
    view.escalations = [0] * len(days)
    _, profiles = await router_view(session)
    region_of_team = {team.key: team.region for team in profiles}
    rows = await session.execute(
        select(
            Case.created_at,
            Case.language,
            Case.region,
            Case.team_key,
            Case.first_responded_at,
            Case.first_response_breached_at,
            Case.resolved_at,
            Case.resolution_breached_at,
            Case.escalation_level,
            Case.csat_score,
            Case.language_decided_by,
        ).where(Case.created_at >= start, Case.created_at < end)
    )
    for row in rows:
        day = (row.created_at.astimezone(local_zone).date() - first_day).days
        view.complaints += 1
        _count(view.by_language, row.language, day, len(days))
        _count(view.by_region, row.region or UNDETERMINED, day, len(days))
        view.undetermined += row.language == UNDETERMINED
        view.overridden += row.language_decided_by == "override"
        view.first_response_breaches[day] += row.first_response_breached_at is not None
        view.resolution_breaches[day] += row.resolution_breached_at is not None
        view.escalations[day] += row.escalation_level > 0
        team = row.team_key or UNDETERMINED
        for attainment in (
            view.sla_by_team.setdefault(team, Attainment()),
            view.sla_by_region.setdefault(region_of_team.get(team, UNDETERMINED), Attainment()),
        ):
            _attain(attainment, row)
        if row.csat_score is not None:
            for satisfaction in (
                view.csat_by_team.setdefault(team, Satisfaction()),
                view.csat_by_language.setdefault(row.language, Satisfaction()),
            ):
                satisfaction.responses += 1
                satisfaction.total += row.csat_score
    handed = await session.execute(
        select(CaseEvent.at, CaseEvent.data).where(
            CaseEvent.kind == "handed_off", CaseEvent.at >= start, CaseEvent.at < end
        )
    )
    for at, data in handed:
        boundary = (str(data.get("from")), str(data.get("team")), at.astimezone(local_zone).hour)
        view.handoffs[boundary] += 1
    return view


def _count(series: dict[str, list[int]], key: str, day: int, days: int) -> None:
    series.setdefault(key, [0] * days)[day] += 1


def _attain(attainment: Attainment, row: Any) -> None:
    """A first response or resolution counts once decided: given, or its deadline breached."""
    if row.first_responded_at is not None or row.first_response_breached_at is not None:
        attainment.first_response_decided += 1
        attainment.first_response_met += row.first_response_breached_at is None
    if row.resolved_at is not None or row.resolution_breached_at is not None:
        attainment.resolution_decided += 1
        attainment.resolution_met += row.resolution_breached_at is None


TABLES = ("complaints", "sla", "handoffs", "breaches", "csat", "detection")


def table_rows(view: Dashboard, table: str) -> tuple[list[str], list[Sequence[object]]]:
    """One of the dashboard's tables (TABLES) as a header and rows, as its CSV holds it."""
    if table == "complaints":
        header = ["day", *(f"language:{k}" for k in view.by_language)]
        header += [f"region:{k}" for k in view.by_region]
        return header, [
            [
                day.isoformat(),
                *(counts[n] for counts in view.by_language.values()),
                *(counts[n] for counts in view.by_region.values()),
            ]
            for n, day in enumerate(view.days)
        ]
    if table == "sla":
        header = ["scope", "key", "first_response_met", "first_response_decided"]
        header += ["resolution_met", "resolution_decided"]
        return header, [
            [
                scope,
                key,
                a.first_response_met,
                a.first_response_decided,
                a.resolution_met,
                a.resolution_decided,
            ]
            for scope, group in (("team", view.sla_by_team), ("region", view.sla_by_region))
            for key, a in sorted(group.items())
        ]
    if table == "handoffs":
        return ["from_team", "to_team", "local_hour", "cases"], [
            [*boundary, count] for boundary, count in sorted(view.handoffs.items())
        ]
    if table == "breaches":
        header = ["day", "first_response_breaches", "resolution_breaches", "escalations"]
        return header, [
            [day.isoformat(), first, resolution, escalated]
            for day, first, resolution, escalated in zip(
                view.days,
                view.first_response_breaches,
                view.resolution_breaches,
                view.escalations,
                strict=True,
            )
        ]
    if table == "csat":
        return ["scope", "key", "responses", "mean_score"], [
            [scope, key, s.responses, f"{s.mean:.2f}" if s.mean is not None else ""]
            for scope, group in (("team", view.csat_by_team), ("language", view.csat_by_language))
            for key, s in sorted(group.items())
        ]
    if table == "detection":
        return ["complaints", "undetermined", "overridden"], [
            [view.complaints, view.undetermined, view.overridden]
        ]
    raise KeyError(table)


def table_csv(view: Dashboard, table: str) -> str:
    header, rows = table_rows(view, table)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()
