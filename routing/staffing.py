"""Erlang C staffing: how many agents an hour of contacts needs to meet a service level.

Traffic in Erlangs is the arrival rate times the mean handling time (contacts per interval ×
handling seconds / interval seconds).  The probability that a contact waits comes from the
numerically stable Erlang B recursion, B(0) = 1 and B(n) = A·B(n−1) / (n + A·B(n−1)), turned
into Erlang C by C = N·B / (N − A·(1 − B)); it neither overflows nor underflows for hundreds of
agents.  The service level is the share of contacts answered within the target,
1 − C·exp(−(N − A)·target / handle).  With N <= A the queue grows without bound: every contact
waits and none is answered in time.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from itertools import islice

WEEKDAYS = range(7)
HOURS = range(24)
SECONDS_PER_HOUR = 3600.0


def _require_finite(name: str, value: float) -> None:
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")


def _require_non_negative(name: str, value: float) -> None:
    _require_finite(name, value)
    if value < 0:
        raise ValueError(f"{name} must not be negative, got {value!r}")


def _require_positive(name: str, value: float) -> None:
    _require_finite(name, value)
    if value <= 0:
        raise ValueError(f"{name} must be positive, got {value!r}")


def _require_agent_count(agents: int) -> None:
    if agents < 0:
        raise ValueError(f"agents must not be negative, got {agents!r}")


def _require_target_level(target_level: float) -> None:
    _require_finite("target_level", target_level)
    if not 0 < target_level < 1:
        raise ValueError(f"target_level must lie strictly between 0 and 1, got {target_level!r}")


def _require_max_occupancy(max_occupancy: float) -> None:
    _require_finite("max_occupancy", max_occupancy)
    if not 0 < max_occupancy <= 1:
        raise ValueError(f"max_occupancy must lie in (0, 1], got {max_occupancy!r}")


def _erlang_b_sequence(traffic: float) -> Iterator[float]:
    """Erlang B blocking probability for 0, 1, 2, … agents offered ``traffic`` Erlangs."""
    blocking = 1.0
    agents = 0
    while True:
        yield blocking
        agents += 1
        blocking = traffic * blocking / (agents + traffic * blocking)


def _erlang_c_from_b(agents: int, traffic: float, blocking: float) -> float:
    """Erlang C for ``agents`` > ``traffic`` > 0, given their Erlang B value."""
    waiting = agents * blocking / (agents - traffic * (1.0 - blocking))
    return min(1.0, max(0.0, waiting))


def _answered_in_time(
    agents: int, traffic: float, waiting: float, target_seconds: float, handle_seconds: float
) -> float:
    """1 − C·exp(−(N − A)·target / handle), kept within [0, 1]."""
    level = 1.0 - waiting * math.exp(-(agents - traffic) * target_seconds / handle_seconds)
    return min(1.0, max(0.0, level))


def traffic_erlangs(contacts: float, interval_seconds: float, handle_seconds: float) -> float:
    """Offered load: ``contacts`` per interval × ``handle_seconds`` / ``interval_seconds``."""
    _require_non_negative("contacts", contacts)
    _require_positive("interval_seconds", interval_seconds)
    _require_positive("handle_seconds", handle_seconds)
    return contacts * handle_seconds / interval_seconds


def erlang_c(agents: int, traffic: float) -> float:
    """Probability that a contact waits with ``agents`` agents and ``traffic`` Erlangs.

    0.0 without traffic; 1.0 when agents <= traffic (the queue grows without bound).
    """
    _require_agent_count(agents)
    _require_non_negative("traffic", traffic)
    if traffic == 0:
        return 0.0
    if agents <= traffic:
        return 1.0
    blocking = next(islice(_erlang_b_sequence(traffic), agents, None))
    return _erlang_c_from_b(agents, traffic, blocking)


def service_level(
    agents: int,
    contacts: float,
    interval_seconds: float,
    handle_seconds: float,
    target_seconds: float,
) -> float:
    """Share of contacts answered within ``target_seconds``.

    1.0 without contacts; 0.0 when agents <= traffic.
    """
    _require_agent_count(agents)
    _require_non_negative("target_seconds", target_seconds)
    traffic = traffic_erlangs(contacts, interval_seconds, handle_seconds)
    if traffic == 0:
        return 1.0
    if agents <= traffic:
        return 0.0
    waiting = erlang_c(agents, traffic)
    return _answered_in_time(agents, traffic, waiting, target_seconds, handle_seconds)


def _fewest_agents_for_occupancy(traffic: float, max_occupancy: float) -> int:
    """Smallest N > traffic with traffic / N <= max_occupancy."""
    fewest = max(math.floor(traffic) + 1, math.ceil(traffic / max_occupancy))
    while traffic / fewest > max_occupancy:
        fewest += 1
    return fewest


def agents_needed(
    contacts: float,
    interval_seconds: float,
    handle_seconds: float,
    target_seconds: float,
    target_level: float,
    max_occupancy: float = 1.0,
) -> int:
    """Fewest agents answering ``target_level`` of contacts within ``target_seconds``.

    The occupancy (traffic / agents) must also stay at or below ``max_occupancy``; no contacts
    need no agents.
    """
    _require_non_negative("target_seconds", target_seconds)
    _require_target_level(target_level)
    _require_max_occupancy(max_occupancy)
    traffic = traffic_erlangs(contacts, interval_seconds, handle_seconds)
    if traffic == 0:
        return 0
    fewest = _fewest_agents_for_occupancy(traffic, max_occupancy)
    candidates = islice(enumerate(_erlang_b_sequence(traffic)), fewest, None)
    for agents, blocking in candidates:
        waiting = _erlang_c_from_b(agents, traffic, blocking)
        level = _answered_in_time(agents, traffic, waiting, target_seconds, handle_seconds)
        if level >= target_level:
            return agents
    raise AssertionError("unreachable: the Erlang B sequence is endless")


@dataclass(frozen=True, slots=True)
class StaffingTarget:
    """What an hour of contacts must meet: ``target_level`` answered within ``target_seconds``."""

    handle_seconds: float
    target_seconds: float = 20.0
    target_level: float = 0.8
    max_occupancy: float = 1.0

    def __post_init__(self) -> None:
        _require_positive("handle_seconds", self.handle_seconds)
        _require_non_negative("target_seconds", self.target_seconds)
        _require_target_level(self.target_level)
        _require_max_occupancy(self.max_occupancy)

    def agents_needed(self, contacts: float, interval_seconds: float = SECONDS_PER_HOUR) -> int:
        """Fewest agents meeting this target for ``contacts`` in one interval."""
        return agents_needed(
            contacts,
            interval_seconds,
            self.handle_seconds,
            self.target_seconds,
            self.target_level,
            self.max_occupancy,
        )


@dataclass(frozen=True, slots=True)
class HourNeed:
    """One hour of the week (weekday 0 = Monday): mean arrivals, agents needed, seats on duty."""

    weekday: int
    hour: int
    arrivals: float
    needed: int
    seats: int

    @property
    def understaffed(self) -> bool:
        return self.needed > self.seats


def _require_hours_of_week(name: str, keys: Mapping[tuple[int, int], int]) -> None:
    for weekday, hour in keys:
        if weekday not in WEEKDAYS or hour not in HOURS:
            raise ValueError(f"{name} has hour of week {(weekday, hour)!r} outside 0–6 × 0–23")


def hourly_needs(
    arrivals: Mapping[tuple[int, int], int],
    weeks: int,
    seats: Mapping[tuple[int, int], int],
    handle_seconds: float,
    target_seconds: float,
    target_level: float,
    max_occupancy: float = 1.0,
) -> list[HourNeed]:
    """Agents needed in each of the 168 hours of the week, Monday 00:00 first.

    ``arrivals`` holds the contacts counted in each (weekday, hour) over ``weeks`` weeks;
    ``seats`` the agents on duty then (missing hours have none).
    """
    if weeks < 1:
        raise ValueError(f"weeks must be at least 1, got {weeks!r}")
    _require_hours_of_week("arrivals", arrivals)
    _require_hours_of_week("seats", seats)
    target = StaffingTarget(handle_seconds, target_seconds, target_level, max_occupancy)
    needs: list[HourNeed] = []
    for weekday in WEEKDAYS:
        for hour in HOURS:
            mean_arrivals = arrivals.get((weekday, hour), 0) / weeks
            on_duty = seats.get((weekday, hour), 0)
            _require_non_negative("seats", on_duty)
            needed = target.agents_needed(mean_arrivals, SECONDS_PER_HOUR)
            needs.append(HourNeed(weekday, hour, mean_arrivals, needed, on_duty))
    return needs


def mean_handle_seconds(
    arrivals_by_category: Mapping[str, int],
    handle_seconds_by_category: Mapping[str, float],
    default_seconds: float,
) -> float:
    """Handling time weighted by each category's contacts.

    Categories without a configured time count at ``default_seconds``; no contacts at all give
    ``default_seconds``.
    """
    _require_positive("default_seconds", default_seconds)
    total_contacts = 0
    total_seconds = 0.0
    for category, count in arrivals_by_category.items():
        _require_non_negative(f"arrivals of {category!r}", count)
        seconds = handle_seconds_by_category.get(category, default_seconds)
        _require_positive(f"handle seconds of {category!r}", seconds)
        total_contacts += count
        total_seconds += count * seconds
    if total_contacts == 0:
        return default_seconds
    return total_seconds / total_contacts
