"""The router's view kept in memory, so that intake reads no team or case rows per complaint.

Team profiles and open-case counts are loaded once, then kept current three ways: intake adds
the cases it routes to the counts as it commits them; any change this process makes to teams or
to cases' teams and statuses (ORM or bulk statements) makes the next intake load the view
again; and every REFRESH_SECONDS it is reloaded in the background, which brings in what other
processes (API workers, the arq workers' handoffs) changed. Counts only weigh the choice between
teams, so a second's drift there moves no case to a team that may not have it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import replace
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import ORMExecuteState, Session

from routing.model import TeamProfile
from service.db.engine import READ_ONLY
from service.db.models import Case, Team
from service.teams.directory import TeamNames, router_view

log = logging.getLogger(__name__)

REFRESH_SECONDS = 2.0

_changes = 0
"""Bumped on every change this process makes that the view may not show."""


def _changed() -> None:
    global _changes
    _changes += 1


class LiveRouterView:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._names = TeamNames([])
        self._profiles: dict[str, TeamProfile] = {}
        self._loaded_at = -REFRESH_SECONDS
        self._seen_changes = -1
        self._lock = asyncio.Lock()  # binds to the first event loop it waits on: one per view
        self._refreshing: asyncio.Task[None] | None = None

    async def current(self) -> tuple[TeamNames, list[TeamProfile]]:
        """Team names and every team's router profile with its open cases."""
        if self._seen_changes != _changes:
            await self._load(unless_current=True)
        elif time.monotonic() - self._loaded_at > REFRESH_SECONDS and self._refreshing is None:
            # Meanwhile intakes go on with the view as it is.
            self._refreshing = asyncio.create_task(self._load_in_background())
        return self._names, list(self._profiles.values())

    def opened(self, team: str) -> None:
        """A case routed to `team` was just committed."""
        if (profile := self._profiles.get(team)) is not None:
            self._profiles[team] = replace(profile, open_cases=profile.open_cases + 1)

    async def _load(self, *, unless_current: bool) -> None:
        async with self._lock:
            if unless_current and self._seen_changes == _changes:
                return  # loaded while this caller waited
            seen = _changes
            async with self._sessions() as session:
                await session.connection(execution_options=READ_ONLY)
                names, profiles = await router_view(session)
            self._names, self._profiles = names, {p.key: p for p in profiles}
            self._loaded_at, self._seen_changes = time.monotonic(), seen

    async def _load_in_background(self) -> None:
        try:
            await self._load(unless_current=False)
        except Exception:  # the next intake tries again; until then the view stays as it was
            log.warning("router view refresh failed", exc_info=True)
        finally:
            self._refreshing = None


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: Any) -> None:
    for row in session.new:  # (intake writes its cases below the ORM and counts them itself)
        if isinstance(row, Team | Case):
            return _changed()
    for row in (*session.dirty, *session.deleted):
        if isinstance(row, Team):
            return _changed()
        if isinstance(row, Case) and any(
            inspect(row).attrs[name].history.has_changes() for name in ("status", "team_key")
        ):
            return _changed()
    return None


@event.listens_for(Session, "do_orm_execute")
def _bulk_statement(state: ORMExecuteState) -> None:
    writes = state.is_update or state.is_delete or state.is_insert
    if writes and state.bind_mapper is not None and state.bind_mapper.class_ in (Case, Team):
        _changed()
