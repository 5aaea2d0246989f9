"""Offering a routed case to an agent of the team on duty: language first, then spare capacity."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from routing.assignment import AgentProfile, choose_agent, with_offer

AOI = AgentProfile("aoi@example.com", {"ja": "native", "en": "fluent"}, capacity=5)
BEN = AgentProfile("ben@example.com", {"en": "native", "ja": "basic"}, capacity=8)
MEI = AgentProfile("mei@example.com", {"zh-Hant": "native", "en": "fluent"}, capacity=4)

# (agents, language) -> who gets it
TABLE = [
    (([AOI, BEN, MEI], "ja"), "aoi@example.com"),  # reads it best
    (([AOI, BEN, MEI], "en"), "ben@example.com"),  # native
    (([AOI, BEN, MEI], "zh-TW"), "mei@example.com"),  # Traditional Chinese by script
    (([AOI, BEN, MEI], "zh-CN"), None),  # nobody reads Simplified Chinese
    (([AOI.__class__("aoi@example.com", AOI.languages, 5, 5), BEN], "ja"), "ben@example.com"),
    (
        ([AgentProfile("x@example.com", {"ja": "native"}, 5, available=False), BEN], "ja"),
        "ben@example.com",
    ),
    # Equal language: the most spare capacity, then the address.
    (
        (
            [
                AgentProfile("b@example.com", {"en": "fluent"}, capacity=6, open_cases=2),
                AgentProfile("a@example.com", {"en": "fluent"}, capacity=5, open_cases=0),
            ],
            "en",
        ),
        "a@example.com",
    ),
    (
        (
            [
                AgentProfile("b@example.com", {"en": "fluent"}, capacity=5),
                AgentProfile("a@example.com", {"en": "fluent"}, capacity=5),
            ],
            "en",
        ),
        "a@example.com",
    ),
    (([], "en"), None),
]


@pytest.mark.parametrize(("given_", "chosen"), TABLE)
def test_choose_agent(given_: tuple[list[AgentProfile], str], chosen: str | None) -> None:
    agents, language = given_
    offer = choose_agent(agents, language)
    assert offer.agent == chosen
    assert offer.reason


LEVELS = st.sampled_from(["native", "fluent", "basic"])
AGENTS = st.lists(
    st.builds(
        AgentProfile,
        email=st.sampled_from(["a@x", "b@x", "c@x", "d@x"]),
        languages=st.dictionaries(st.sampled_from(["en", "ja", "de"]), LEVELS, max_size=2),
        capacity=st.integers(0, 4),
        open_cases=st.integers(0, 4),
        available=st.booleans(),
    ),
    max_size=4,
    unique_by=lambda agent: agent.email,
)


@given(agents=AGENTS, language=st.sampled_from(["en", "ja", "de"]), cases=st.integers(1, 12))
def test_offers_never_exceed_capacity_nor_go_to_the_away(
    agents: list[AgentProfile], language: str, cases: int
) -> None:
    before = {a.email: a for a in agents}
    for _ in range(cases):
        offer = choose_agent(agents, language)
        if offer.agent is None:
            break
        chosen = next(a for a in agents if a.email == offer.agent)
        assert chosen.available and chosen.spare > 0 and chosen.level(language) is not None
        # Nobody who reads it better, or as well with more room, was passed over.
        assert not any(
            a.available
            and a.spare > 0
            and a.level(language) is not None
            and (
                ["native", "fluent", "basic"].index(a.level(language))  # type: ignore[arg-type]
                < ["native", "fluent", "basic"].index(chosen.level(language))  # type: ignore[arg-type]
            )
            for a in agents
        )
        agents = with_offer(agents, offer.agent)
    for agent in agents:
        assert agent.open_cases <= max(agent.capacity, before[agent.email].open_cases)
