"""Choose the team for a case, with the reason and the teams passed over.

Rules, in order:

1. Only teams serving the case's region count (a team serves its home region, the regions in
   ``serves``, or every region when ``serves`` is empty); if none does, every team counts.
2. An on-duty team that speaks the case's language takes it.  Teams are ranked by: dedicated to
   the case's tier (``TeamProfile.tiers``) first, teams reserved for other tiers last; then
   proficiency (native > fluent > basic); then home region; then load (open cases per seat);
   then key.  Language tags match on their language (``pt`` ~ ``pt-BR``), Chinese also on script
   (``zh-Hant``/``zh-TW``/``zh-HK`` only match Traditional).  ``und`` matches every team.
3. No speaker on duty: wait for the speaker who opens first if that is before the first response
   is due (``first_response_due``, default ``now`` + 1 h); ``wait_until`` says when.
4. Otherwise an on-duty team takes it with ``needs_translation``.
5. Nobody on duty at all: the team that opens first, with ``coverage_gap`` and ``wait_until``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import NamedTuple

from routing.calendar import Coverage, NeverOpenError, Schedule, coverage, to_us
from routing.model import CaseFacts, PassedOver, Proficiency, RoutingDecision, TeamProfile

DEFAULT_WAIT_LIMIT = timedelta(hours=1)
_LEVEL_RANK: dict[Proficiency | None, int] = {"native": 0, "fluent": 1, "basic": 2, None: 3}
_LEVELS = {rank: level for level, rank in _LEVEL_RANK.items()}
_TRADITIONAL_CHINESE = frozenset({"hant", "tw", "hk", "mo"})


@lru_cache(maxsize=4096)
def language_key(tag: str) -> str:
    """What two tags must share to match: the language, and for Chinese the script."""
    parts = tag.lower().replace("_", "-").split("-")
    if parts[0] == "zh":
        return "zh-hant" if _TRADITIONAL_CHINESE.intersection(parts[1:]) else "zh-hans"
    return parts[0] or "und"


def proficiency(team: TeamProfile, language: str) -> Proficiency | None:
    """The team's best proficiency in ``language``, None when nobody there speaks it."""
    return _language_index(team.languages).get(language_key(language))


_INDEXES: dict[int, tuple[Mapping[str, Proficiency], dict[str, Proficiency]]] = {}


def _language_index(languages: Mapping[str, Proficiency]) -> dict[str, Proficiency]:
    """Best proficiency per language key, cached per (unchanging) languages mapping."""
    cached = _INDEXES.get(id(languages))
    if cached is not None and cached[0] is languages:
        return cached[1]
    index: dict[str, Proficiency] = {}
    for tag, level in languages.items():
        key = language_key(tag)
        if _LEVEL_RANK[level] < _LEVEL_RANK[index.get(key)]:
            index[key] = level
    if len(_INDEXES) >= 4096:
        _INDEXES.clear()
    _INDEXES[id(languages)] = (languages, index)  # holding the mapping keeps its id unique
    return index


def serves(team: TeamProfile, region: str | None) -> bool:
    return region is None or not team.serves or region in team.serves or region == team.region


class _Candidate(NamedTuple):
    team: TeamProfile
    level: Proficiency | None
    on_duty: bool


_new_candidate = tuple.__new__  # skips NamedTuple's Python-level __new__: a hot path


def _rank(candidate: _Candidate, case: CaseFacts) -> tuple[int, int, int, float, str]:
    """Tier (dedicated, general, reserved for others), proficiency, home region, load, key."""
    team = candidate.team
    tier_rank = 0 if case.tier in team.tiers else (2 if team.tiers else 1)
    home_rank = 0 if team.region == case.region else 1
    load = team.open_cases / team.seats if team.seats > 0 else float("inf")
    return (tier_rank, _LEVEL_RANK[candidate.level], home_rank, load, team.key)


@lru_cache(maxsize=8192)
def _passed_over(team: str, why: str) -> PassedOver:
    return PassedOver(team, why)


def route(
    case: CaseFacts,
    teams: Sequence[TeamProfile],
    now: datetime,
    *,
    first_response_due: datetime | None = None,
) -> RoutingDecision:
    """The team for ``case`` at ``now``; see the module docstring for the rules."""
    now_us = to_us(now)
    region = case.region
    pool: list[TeamProfile] = []
    passed: list[PassedOver] = []
    elsewhere = f"does not serve {region}"
    for team in teams:
        if serves(team, region):
            pool.append(team)
        else:
            passed.append(_passed_over(team.key, elsewhere))
    scope = f"region {region}" if region else "any region"
    if not pool:
        pool, passed, scope = list(teams), [], f"any region (none serves {region})"
    wanted = language_key(case.language)
    any_language = wanted == "und"
    candidates: list[_Candidate] = []
    speakers_on_duty: list[_Candidate] = []
    for team in pool:
        level = "native" if any_language else _language_index(team.languages).get(wanted)
        candidate = _new_candidate(_Candidate, (team, level, team.calendar.is_open_us(now_us)))
        candidates.append(candidate)
        if candidate.on_duty and level is not None:
            speakers_on_duty.append(candidate)
    if speakers_on_duty:
        chosen = min(speakers_on_duty, key=lambda c: _rank(c, case))
        why = _on_duty_reason(chosen, case, any_language, scope)
        return _decision(chosen, why, candidates, passed, case, {})
    deadline = first_response_due or now + DEFAULT_WAIT_LIMIT
    openings = _openings([c for c in candidates if c.level is not None], now, case)
    if openings and openings[0][1] < deadline:
        chosen, at = openings[0]
        why = (
            f"no {case.language} speaker on duty for {scope}; waiting for {chosen.team.key}"
            f" ({chosen.level}), which opens at {_clock(at)}, before the first response is due"
            f" at {_clock(deadline)}"
        )
        return _decision(chosen, why, candidates, passed, case, _by_id(openings), wait_until=at)
    on_duty = [c for c in candidates if c.on_duty]
    if on_duty:
        chosen = min(on_duty, key=lambda c: _rank(c, case))
        why = (
            f"no {case.language} speaker on duty for {scope} or opening before the first response"
            f" is due at {_clock(deadline)}; {chosen.team.key} is on duty and needs translation"
        )
        return _decision(chosen, why, candidates, passed, case, _by_id(openings))
    openings = _openings(candidates, now, case)
    if not openings:
        never = [PassedOver(c.team.key, "never opens") for c in candidates]
        reason = f"no team for {scope} opens within three years"
        return RoutingDecision(None, reason, tuple(passed + never))
    chosen, at = openings[0]
    why = (
        f"nobody for {scope} is on duty (coverage gap); {chosen.team.key} opens first,"
        f" at {_clock(at)}"
    )
    return _decision(
        chosen, why, candidates, passed, case, _by_id(openings), wait_until=at, gap=True
    )


def _openings(
    candidates: list[_Candidate], now: datetime, case: CaseFacts
) -> list[tuple[_Candidate, datetime]]:
    """Off-duty candidates by when they open (speakers before others at the same instant)."""
    found = []
    for candidate in candidates:
        if candidate.on_duty:
            continue
        try:
            found.append((candidate, candidate.team.calendar.next_open(now)))
        except NeverOpenError:
            continue
    found.sort(key=lambda pair: (pair[1], pair[0].level is None, _rank(pair[0], case)))
    return found


def _by_id(openings: list[tuple[_Candidate, datetime]]) -> dict[int, datetime]:
    return {id(candidate): at for candidate, at in openings}


def _decision(
    chosen: _Candidate,
    why: str,
    candidates: list[_Candidate],
    passed: list[PassedOver],
    case: CaseFacts,
    opening: Mapping[int, datetime],
    *,
    wait_until: datetime | None = None,
    gap: bool = False,
) -> RoutingDecision:
    silent = f"does not speak {case.language}"
    off_silent = f"off duty; {silent}"
    on_silent = f"on duty but {silent}"
    chosen_rank = _rank(chosen, case)
    alternatives = passed
    for other in candidates:
        if other is chosen:
            continue
        if not other.on_duty:
            at = opening.get(id(other))
            if at is None:
                why_not = "off duty" if other.level is not None else off_silent
            else:
                why_not = f"off duty until {_clock(at)}"
                why_not += "" if other.level is not None else f"; {silent}"
        elif other.level is None and chosen.level is not None:
            why_not = on_silent
        else:
            why_not = _lower_rank(_rank(other, case), chosen_rank, other.team, case)
        alternatives.append(_passed_over(other.team.key, why_not))
    return RoutingDecision(
        team=chosen.team.key,
        reason=why,
        alternatives=tuple(alternatives),
        needs_translation=chosen.level is None,
        wait_until=wait_until,
        coverage_gap=gap,
    )


def _on_duty_reason(chosen: _Candidate, case: CaseFacts, any_language: bool, scope: str) -> str:
    team = chosen.team
    parts = [f"{team.key} is on duty for {scope}"]
    if any_language:
        parts.append("language unknown, so routed by region")
    else:
        parts.append(f"speaks {case.language} ({chosen.level})")
    if case.tier in team.tiers:
        parts.append(f"dedicated {case.tier} team")
    if team.region == case.region:
        parts.append(f"home region {team.region}")
    parts.append(f"load {team.open_cases}/{team.seats}")
    return ", ".join(parts)


def _lower_rank(
    rank: tuple[int, int, int, float, str],
    chosen: tuple[int, int, int, float, str],
    team: TeamProfile,
    case: CaseFacts,
) -> str:
    tier, level, home, load, _ = rank
    if tier > chosen[0]:
        return f"not dedicated to {case.tier}" if tier == 1 else "reserved for other tiers"
    if level > chosen[1]:
        return f"speaks {case.language} at {_LEVELS[level]} level"
    if home > chosen[2]:
        return f"home region is {team.region}, not {case.region}"
    if load > chosen[3]:
        return f"busier: {team.open_cases}/{team.seats} open cases per seat"
    return "equal standing; tie broken by team key"


@lru_cache(maxsize=4096)
def _clock(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def coverage_for(case: CaseFacts, teams: Sequence[TeamProfile]) -> Coverage:
    """Calendar the SLA clock runs on: speakers serving the region, else region, else all."""
    pool = [team for team in teams if serves(team, case.region)] or list(teams)
    if language_key(case.language) != "und":
        pool = [team for team in pool if proficiency(team, case.language)] or pool
    return _coverage(tuple(sorted({team.calendar for team in pool}, key=id)))


@lru_cache(maxsize=256)
def _coverage(calendars: tuple[Schedule, ...]) -> Coverage:
    return coverage(calendars)
