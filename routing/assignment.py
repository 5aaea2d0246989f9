"""Inside the team on duty: which agent a routed case is offered to.

Only available agents with spare capacity count. Among them the one who reads the case's
language best (native > fluent > basic) wins, then the one with the most spare capacity (open
cases below their capacity), then the e-mail address, so the choice is stable.  Nobody who
reads the language: the case is offered to nobody and waits in the team's queue.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from routing.model import Proficiency
from routing.router import language_key

_LEVEL_RANK: dict[Proficiency, int] = {"native": 0, "fluent": 1, "basic": 2}


def _rank_of(proficiency: Proficiency) -> int:
    return _LEVEL_RANK[proficiency]


@dataclass(frozen=True, slots=True)
class AgentProfile:
    """An agent as the assignment sees them at one moment."""

    email: str
    languages: Mapping[str, Proficiency]
    capacity: int
    open_cases: int = 0
    available: bool = True

    @property
    def spare(self) -> int:
        return self.capacity - self.open_cases

    def level(self, language: str) -> Proficiency | None:
        """Their best proficiency in ``language`` (tags compared as the router compares them)."""
        wanted = language_key(language)
        found = [level for tag, level in self.languages.items() if language_key(tag) == wanted]
        if not found:
            return None
        best: Proficiency = min(found, key=_rank_of)
        return best


@dataclass(frozen=True, slots=True)
class Offer:
    """The agent a case is offered to (None: nobody), and why."""

    agent: str | None
    reason: str


def choose_agent(agents: Sequence[AgentProfile], language: str) -> Offer:
    """The agent to offer a case in ``language`` to; see the module docstring."""
    able = [a for a in agents if a.available and a.spare > 0 and a.level(language) is not None]
    if not able:
        free = sum(1 for a in agents if a.available and a.spare > 0)
        why = f"no available agent with spare capacity reads {language} ({free} free)"
        return Offer(None, why)
    best = min(able, key=lambda a: (_LEVEL_RANK[a.level(language) or "basic"], -a.spare, a.email))
    return Offer(
        best.email,
        f"{best.email} reads {language} ({best.level(language)}),"
        f" {best.spare} of {best.capacity} places free",
    )


def with_offer(agents: Sequence[AgentProfile], email: str) -> list[AgentProfile]:
    """The agents after ``email`` took one more case (for offering several cases in a row)."""
    return [
        AgentProfile(a.email, a.languages, a.capacity, a.open_cases + 1, a.available)
        if a.email == email
        else a
        for a in agents
    ]
