"""Who is calling the team and ops APIs and the team pages."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Caller:
    """A signed-in account or an API key: the teams it acts for, whether it is ops (every team)
    or a translator, and the name its changes are recorded under."""

    teams: frozenset[str] = field(default_factory=frozenset)
    ops: bool = False
    translator: bool = False
    supervisor: bool = False
    """A lead, ops or admin: may release or hand on a case someone else has claimed."""
    actor: str | None = None

    def may_act_for(self, team: str | None) -> bool:
        return self.ops or (team is not None and team in self.teams)

    @property
    def recorded_as(self) -> str:
        """The name a change is recorded under: the person, else the key's team (or "ops")."""
        return self.actor or ("ops" if self.ops else ", ".join(sorted(self.teams)) or "staff")
