"""Offering routed cases to the agents of the team on duty, by language and spare capacity
(routing.assignment decides), and handing an away agent's cases to colleagues."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import cast

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from routing.assignment import AgentProfile, Offer, choose_agent, with_offer
from routing.lifecycle import OPEN_STATUSES
from routing.model import Proficiency
from service.cases.records import record_event
from service.db.models import Account, Case

PRESENCES = ("available", "away")


async def _agents(session: AsyncSession) -> list[Account]:
    """Every enabled agent account, of whatever team."""
    accounts = await session.scalars(
        select(Account).where(Account.role == "agent", Account.disabled.is_(False))
    )
    return list(accounts.all())


async def agent_profiles(
    session: AsyncSession, team: str, agents: Sequence[Account] | None = None
) -> list[AgentProfile]:
    """The enabled agents of `team` with their open cases (of that team) counted; `agents`,
    the enabled agents read already (else they are read here)."""
    if agents is None:
        agents = await _agents(session)
    members = [a for a in agents if team in (a.teams or [])]
    if not members:
        return []
    counts = dict(
        (
            await session.execute(
                select(Case.claimed_by, func.count())
                .where(
                    Case.team_key == team,
                    Case.status.in_(OPEN_STATUSES),
                    Case.claimed_by.in_([a.email for a in members]),
                )
                .group_by(Case.claimed_by)
            )
        ).all()
    )
    return [
        AgentProfile(
            email=a.email,
            languages=cast(dict[str, Proficiency], dict(a.languages or {})),
            capacity=a.capacity,
            open_cases=int(counts.get(a.email, 0)),
            available=a.presence == "available",
        )
        for a in members
    ]


async def offer_new_cases(session: AsyncSession, cases: Sequence[Case]) -> list[Offer | None]:
    """Which agent each case just routed is offered to (its claimed_by is left to the caller):
    the best one of the team on duty (the case stays "routed" for the customer until the agent
    answers), the agents of a team read once for all its cases. None where the case is not for
    an agent now, or nobody suitable is free: it waits in the team's queue."""
    agents: list[Account] | None = None  # read once, if any case is for an agent now
    agents_of: dict[str, list[AgentProfile]] = {}
    offers: list[Offer | None] = []
    for case in cases:
        team = case.team_key
        if team is None or case.waiting_until or case.coverage_gap:
            offers.append(None)
            continue
        if agents is None:
            agents = await _agents(session)
        if team not in agents_of:
            agents_of[team] = await agent_profiles(session, team, agents)
        offer = choose_agent(agents_of[team], case.language)
        if offer.agent is None:
            offers.append(None)
            continue
        agents_of[team] = with_offer(agents_of[team], offer.agent)
        offers.append(offer)
    return offers


async def offer_moved(
    session: AsyncSession, team: str, cases: Sequence[tuple[int, str]]
) -> dict[str, list[int]]:
    """Offer cases just handed to `team` ((id, language) each, unclaimed) to its agents; one
    UPDATE per agent. Returns the case ids each agent was offered."""
    agents = await agent_profiles(session, team)
    offered: dict[str, list[int]] = defaultdict(list)
    if not agents:
        return offered
    for case_id, language in cases:
        offer = choose_agent(agents, language)
        if offer.agent is None:
            continue
        offered[offer.agent].append(case_id)
        agents = with_offer(agents, offer.agent)
    for agent, ids in offered.items():
        await session.execute(
            update(Case)
            .where(Case.id.in_(ids), Case.team_key == team, Case.claimed_by.is_(None))
            .values(claimed_by=agent, version=Case.version + 1)
            .execution_options(synchronize_session=False)
        )
    return offered


async def set_presence(
    session: AsyncSession, account: Account, presence: str, now: datetime
) -> int:
    """Available or away. Going away hands the agent's open cases to colleagues of the same
    team who are available and read the case (else back to the team's queue, unclaimed); what
    the customer sees does not change. Returns how many cases were handed on."""
    if presence not in PRESENCES:
        raise ValueError(f"presence must be one of {', '.join(PRESENCES)}")
    account.presence = presence
    if presence == "available":
        return 0
    query = (
        select(Case)
        .where(Case.claimed_by == account.email, Case.status.in_(OPEN_STATUSES))
        .with_for_update()
    )
    cases = list((await session.scalars(query)).all())
    agents = await _agents(session) if cases else []
    colleagues: dict[str, list[AgentProfile]] = {}
    for case in cases:
        team = case.team_key or ""
        if team not in colleagues:
            colleagues[team] = [
                a for a in await agent_profiles(session, team, agents) if a.email != account.email
            ]
        offer = choose_agent(colleagues[team], case.language)
        case.claimed_by, case.updated_at = offer.agent, now
        if offer.agent is not None:
            colleagues[team] = with_offer(colleagues[team], offer.agent)
            record_event(session, case, "assigned", account.email, now, to=offer.agent, why="away")
        else:
            record_event(session, case, "released", account.email, now, released=account.email)
    return len(cases)
