"""A team's queue of routed cases."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.params import FromPath

from service import casework
from service.api.deps import caller_of, sessions_of
from service.problems import Problem
from service.schemas import Queue


class TeamController(Controller):
    path = "/api/v1/teams"
    tags = ["teams"]

    @get("/{team:str}/queue", operation_id="teamQueue", summary="Open cases, most urgent first")
    async def queue(self, request: Request[Any, Any, Any], team: FromPath[str]) -> Queue:
        async with sessions_of(request)() as session:
            caller = await caller_of(request, session)
            if not caller.may_act_for(team):
                raise Problem(
                    403, "forbidden", f"this key cannot read the queue of {team}", title="Forbidden"
                )
            return await casework.queue(session, team)
