"""Choose the team for a case, with the reason and the teams passed over.

Rules, in order:

1. Only teams serving the case's region count (a team serves its home region, the regions in
   ``serves``, or every region when ``serves`` is empty); if none does, every team counts.  A
   dedicated desk (``tiers``) counts only for its tiers, unless it takes ``overflow``.
2. An on-duty team that speaks the case's language takes it.  Teams are ranked by: dedicated to
   the case's tier (``TeamProfile.tiers``) first, teams reserved for other tiers last; then
   proficiency (native > fluent > basic); then country affinity (a team in the customer's
   country, then one in the country of the customer's time zone); then home region; then load
   (open cases per seat); only then key.  Language tags match on their language (``pt`` ~
   ``pt-BR``), Chinese also on script (``zh-Hant``/``zh-TW``/``zh-HK`` only match
   Traditional).  ``und`` matches every team.
3. No speaker on duty: wait for the speaker who opens first if that is before the first response
   is due (``first_response_due``, default ``now`` + 1 h); ``wait_until`` says when.
4. No speaker for the region on duty or opening in time: rules 2 and 3 again among the teams of
   every region, so that a team that can read the case takes it (or the case waits for one)
   before anyone needs translation.
5. Otherwise an on-duty team of the region takes it with ``needs_translation``.
6. Nobody on duty at all: the team that opens first, with ``coverage_gap`` and ``wait_until``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from routing.calendar import from_us, to_us
from routing.language.tags import names_traditional_chinese
from routing.model import CaseFacts, PassedOver, Proficiency, RoutingDecision, TeamProfile

DEFAULT_WAIT_LIMIT = timedelta(hours=1)
_LEVEL_RANK: dict[Proficiency | None, int] = {"native": 0, "fluent": 1, "basic": 2, None: 3}
_LEVELS = {rank: level for level, rank in _LEVEL_RANK.items()}


@lru_cache(maxsize=4096)
def language_key(tag: str) -> str:
    """What two tags must share to match: the language, and for Chinese the script."""
    parts = tag.lower().replace("_", "-").split("-")
    if parts[0] == "zh":
        return "zh-hant" if names_traditional_chinese(parts[1:]) else "zh-hans"
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


_Candidate = tuple[TeamProfile, Proficiency | None, bool]
"""A team in scope, its proficiency in the case's language, and whether it is on duty now."""
_Rank = tuple[int, int, int, int, float, str]


def _affinity(team: TeamProfile, case: CaseFacts) -> int:
    """0: the team is in the customer's country; 1: in their time zone's country; 2: neither."""
    if team.country is None:
        return 2
    if team.country == case.country:
        return 0
    return 1 if team.country == case.zone_country else 2


def _rank(team: TeamProfile, level: Proficiency | None, case: CaseFacts) -> _Rank:
    """Tier (dedicated, general, reserved for others), proficiency, country affinity, home
    region, load, key."""
    tiers = team.tiers
    tier_rank = 0 if case.tier in tiers else (2 if tiers else 1)
    home_rank = 0 if team.region == case.region else 1
    seats = team.seats
    load = team.open_cases / seats if seats > 0 else float("inf")
    return (tier_rank, _LEVEL_RANK[level], _affinity(team, case), home_rank, load, team.key)


class _PassedOver(dict[str, PassedOver]):
    """The PassedOver entries giving one reason, by team key: built once, then shared."""

    __slots__ = ("why",)

    def __init__(self, why: str) -> None:
        super().__init__()
        self.why = why

    def __missing__(self, team: str) -> PassedOver:
        entry = self[team] = PassedOver(team, self.why)
        return entry


@lru_cache(maxsize=1024)
def _passed_over(why: str) -> _PassedOver:
    return _PassedOver(why)


def route(
    case: CaseFacts,
    teams: Sequence[TeamProfile],
    now: datetime,
    *,
    first_response_due: datetime | None = None,
) -> RoutingDecision:
    """The team for ``case`` at ``now``; see the module docstring for the rules."""
    now_us = to_us(now)
    deadline = first_response_due or now + DEFAULT_WAIT_LIMIT
    open_to, reserved = _open_to_tier(case, teams)
    pool, passed, scope = _scope(case.region, open_to)
    passed = reserved + passed
    candidates, ranks = _candidates(case, pool, now_us)
    decision, openings = _to_a_speaker(case, candidates, ranks, passed, scope, deadline, now_us)
    if decision is not None:
        return decision
    if len(pool) < len(open_to):  # rule 4
        wider, wider_ranks = _candidates(case, open_to, now_us)
        wider_scope = f"any region (no {case.language} speaker for {scope})"
        decision, _ = _to_a_speaker(
            case, wider, wider_ranks, reserved, wider_scope, deadline, now_us
        )
        if decision is not None:
            return decision
    staffed = [i for i, candidate in enumerate(candidates) if candidate[2]]
    if staffed:
        _rank_all(staffed, candidates, case, ranks)
        chosen = min(staffed, key=ranks.__getitem__)
        why = (
            f"no {case.language} speaker on duty for {scope} or opening before the first response"
            f" is due at {_clock(deadline)}; {candidates[chosen][0].key} is on duty and needs"
            " translation"
        )
        return _decision(chosen, why, candidates, passed, case, ranks, openings)
    openings = _openings(candidates, now_us, speakers_only=False, known=openings)
    if not openings:
        never = [PassedOver(candidate[0].key, "never opens") for candidate in candidates]
        reason = f"no team for {scope} opens within three years"
        return RoutingDecision(None, reason, tuple(passed + never))
    chosen = _first_to_open(openings, candidates, case, ranks, speakers_first=True)
    at = from_us(openings[chosen])
    why = (
        f"nobody for {scope} is on duty (coverage gap); {candidates[chosen][0].key} opens first,"
        f" at {_clock(at)}"
    )
    return _decision(
        chosen, why, candidates, passed, case, ranks, openings, wait_until=at, gap=True
    )


def _candidates(
    case: CaseFacts, pool: Sequence[TeamProfile], now_us: int
) -> tuple[list[_Candidate], dict[int, _Rank]]:
    """Each team of ``pool`` with its proficiency and duty now, and the ranks of the speakers
    on duty (by position)."""
    wanted = language_key(case.language)
    any_language = wanted == "und"
    candidates: list[_Candidate] = []
    ranks: dict[int, _Rank] = {}
    for team in pool:
        level = "native" if any_language else _language_index(team.languages).get(wanted)
        on_duty = team.calendar.is_open_us(now_us)
        if on_duty and level is not None:
            ranks[len(candidates)] = _rank(team, level, case)
        candidates.append((team, level, on_duty))
    return candidates, ranks


def _to_a_speaker(
    case: CaseFacts,
    candidates: list[_Candidate],
    ranks: dict[int, _Rank],
    passed: list[PassedOver],
    scope: str,
    deadline: datetime,
    now_us: int,
) -> tuple[RoutingDecision | None, dict[int, int]]:
    """Rules 2 and 3 among ``candidates``: the best speaker on duty, or the first to open
    before ``deadline``; None if neither.  Also the speakers' openings looked up (by position)."""
    if ranks:
        chosen = min(ranks, key=ranks.__getitem__)
        any_language = language_key(case.language) == "und"
        why = _on_duty_reason(candidates[chosen], case, any_language, scope)
        return _decision(chosen, why, candidates, passed, case, ranks, {}), {}
    openings = _openings(candidates, now_us, speakers_only=True)
    if openings:
        chosen = _first_to_open(openings, candidates, case, ranks)
        at = from_us(openings[chosen])
        if at < deadline:
            team, level, _ = candidates[chosen]
            why = (
                f"no {case.language} speaker on duty for {scope}; waiting for {team.key}"
                f" ({level}), which opens at {_clock(at)}, before the first response is due"
                f" at {_clock(deadline)}"
            )
            decision = _decision(
                chosen, why, candidates, passed, case, ranks, openings, wait_until=at
            )
            return decision, openings
    return None, openings


def _open_to_tier(
    case: CaseFacts, teams: Sequence[TeamProfile]
) -> tuple[Sequence[TeamProfile], list[PassedOver]]:
    """The teams that take the case's tier (dedicated desks only theirs, unless they take
    overflow) and the desks passed over; every team if none takes it, so no case is lost."""
    open_to: list[TeamProfile] = []
    reserved: list[PassedOver] = []
    for team in teams:
        if not team.tiers or team.overflow or case.tier in team.tiers:
            open_to.append(team)
        else:
            reserved.append(_passed_over(f"reserved for {', '.join(sorted(team.tiers))}")[team.key])
    return (open_to, reserved) if open_to else (teams, [])


def _scope(
    region: str | None, teams: Sequence[TeamProfile]
) -> tuple[list[TeamProfile], list[PassedOver], str]:
    """Rule 1: the teams that count, those passed over for not serving ``region``, and the scope
    as the reasons name it."""
    passed: list[PassedOver] = []
    if region is None:
        pool = list(teams)
    else:
        pool = []
        elsewhere = _passed_over(f"does not serve {region}")
        for team in teams:
            if serves(team, region):
                pool.append(team)
            else:
                passed.append(elsewhere[team.key])
    if not pool:
        return list(teams), [], f"any region (none serves {region})"
    return pool, passed, f"region {region}" if region else "any region"


def _rank_all(
    positions: Iterable[int], candidates: list[_Candidate], case: CaseFacts, ranks: dict[int, _Rank]
) -> None:
    """Add the ranks of the candidates at ``positions`` to ``ranks``."""
    for i in positions:
        team, level, _ = candidates[i]
        ranks[i] = _rank(team, level, case)


def _openings(
    candidates: list[_Candidate],
    now_us: int,
    *,
    speakers_only: bool,
    known: Mapping[int, int] | None = None,
) -> dict[int, int]:
    """When each off-duty candidate opens, by position; those that never open are left out.

    ``known`` holds openings already looked up (at the same instant), by position.
    """
    known = known or {}
    found = {}
    for i, (team, level, on_duty) in enumerate(candidates):
        if on_duty or (speakers_only and level is None):
            continue
        at = known[i] if i in known else team.calendar.next_open_us(now_us)
        if at is not None:
            found[i] = at
    return found


def _first_to_open(
    openings: Mapping[int, int],
    candidates: list[_Candidate],
    case: CaseFacts,
    ranks: dict[int, _Rank],
    *,
    speakers_first: bool = False,
) -> int:
    """The position of the candidate that opens first; ties go to speakers (``speakers_first``),
    then to the best rank.  Only the tied candidates are ranked (added to ``ranks``)."""
    first = min(openings.values())
    tied = [i for i, at in openings.items() if at == first]
    _rank_all(tied, candidates, case, ranks)
    if speakers_first:
        return min(tied, key=lambda i: (candidates[i][1] is None, ranks[i]))
    return min(tied, key=ranks.__getitem__)


def _decision(
    chosen: int,
    why: str,
    candidates: list[_Candidate],
    passed: list[PassedOver],
    case: CaseFacts,
    ranks: Mapping[int, _Rank],
    opening: Mapping[int, int],
    *,
    wait_until: datetime | None = None,
    gap: bool = False,
) -> RoutingDecision:
    """The decision for ``candidates[chosen]``, with why each other team was passed over.

    ``ranks`` holds at least the ranks of the chosen team and of the teams on duty it outranks;
    ``opening`` when the off-duty teams open (where the rule looked that up), both by position.
    """
    silent = f"does not speak {case.language}"
    off_duty = _passed_over("off duty")
    off_silent = _passed_over(f"off duty; {silent}")
    on_silent = _passed_over(f"on duty but {silent}")
    speaks = candidates[chosen][1] is not None
    chosen_rank = ranks[chosen]
    alternatives = passed
    for i, (team, level, on_duty) in enumerate(candidates):
        if i == chosen:
            continue
        if not on_duty:
            at = opening.get(i)
            if at is None:
                reason = off_duty if level is not None else off_silent
            elif level is not None:
                reason = _passed_over(_off_until(at))
            else:
                reason = _passed_over(f"{_off_until(at)}; {silent}")
        elif level is None and speaks:
            reason = on_silent
        else:
            reason = _passed_over(_lower_rank(ranks[i], chosen_rank, team, case))
        alternatives.append(reason[team.key])
    return RoutingDecision(
        team=candidates[chosen][0].key,
        reason=why,
        alternatives=tuple(alternatives),
        needs_translation=not speaks,
        wait_until=wait_until,
        coverage_gap=gap,
    )


@lru_cache(maxsize=4096)
def _off_until(at_us: int) -> str:
    return f"off duty until {_clock(from_us(at_us))}"


def _on_duty_reason(chosen: _Candidate, case: CaseFacts, any_language: bool, scope: str) -> str:
    team, level, _ = chosen
    parts = [f"{team.key} is on duty for {scope}"]
    if any_language:
        parts.append("language unknown, so routed by region")
    else:
        parts.append(f"speaks {case.language} ({level})")
    if case.tier in team.tiers:
        parts.append(f"dedicated {case.tier} team")
    if team.country is not None and team.country == case.country:
        parts.append(f"in the customer's country {team.country}")
    elif team.country is not None and team.country == case.zone_country:
        parts.append(f"in the country of the customer's time zone {team.country}")
    if team.region == case.region:
        parts.append(f"home region {team.region}")
    parts.append(f"load {team.open_cases}/{team.seats}")
    return ", ".join(parts)


def _lower_rank(
    rank: _Rank,
    chosen: _Rank,
    team: TeamProfile,
    case: CaseFacts,
) -> str:
    tier, level, affinity, home, load, _ = rank
    if tier > chosen[0]:
        return (
            f"not dedicated to {case.tier}" if tier == 1 else "takes other tiers as overflow only"
        )
    if level > chosen[1]:
        return f"speaks {case.language} at {_LEVELS[level]} level"
    if affinity > chosen[2]:
        where = case.country if chosen[2] == 0 else case.zone_country
        return f"not in the customer's country ({where})"
    if home > chosen[3]:
        return f"home region is {team.region}, not {case.region}"
    if load > chosen[4]:
        return f"busier: {team.open_cases}/{team.seats} open cases per seat"
    return "equal standing and equal load; tie broken by team key"


@lru_cache(maxsize=4096)
def _clock(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
