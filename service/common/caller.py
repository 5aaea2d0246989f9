"""Who is calling the team and ops APIs."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Caller:
    """A team (by its API key), ops (the ops key) or a translator."""

    team: str | None = None
    ops: bool = False
    translator: bool = False

    def may_act_for(self, team: str | None) -> bool:
        return self.ops or (team is not None and self.team == team)
