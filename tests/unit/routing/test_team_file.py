"""Team file parsing (with line-numbered problems), dumping, calendars and profiles."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays as holiday_data
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from routing.calendar import WEEKDAYS, Shift
from routing.model import TeamSpec
from routing.team_file import (
    TeamFileError,
    build_calendar,
    dump_teams,
    parse_teams,
    profile,
)

SAMPLE_FILE = Path(__file__).resolve().parents[3] / "service" / "data" / "sample_teams.toml"
SAMPLE = """\
[[team]]
key = "shanghai"            # slug [a-z0-9-]+
name = "Shanghai"
region = "APAC"             # home region
timezone = "Asia/Shanghai"
country = "CN"              # public holidays (holidays lib); optional
subdivision = ""            # optional
seats = 4
serves = ["APAC"]           # regions it serves, home first; empty = all
tiers = []                  # dedicated for these tiers, e.g. ["gold","diamond"]
languages = { "zh-Hans" = "native", "zh-Hant" = "native", en = "fluent" }
holidays = ["2026-12-24"]   # extra closed dates, optional
webhook_url = ""            # optional
lead_email = ""             # optional
[team.weekly]
mon = [["09:00", "18:00"]]
fri = [["09:00", "18:00"], ["22:00", "02:00"]]
[[team.overrides]]          # optional
start = "2026-12-31T18:00"  # local wall-clock in the team's zone
end = "2027-01-01T02:00"
kind = "extra"              # or "closure"

[[team]]
key = "sao-paulo"
name = "São Paulo"
region = "LATAM"
timezone = "America/Sao_Paulo"
country = "BR"
subdivision = "SP"
seats = 3
serves = []
tiers = ["gold", "diamond"]
languages = { pt-BR = "native", es = "fluent", EN = "basic" }
webhook_url = "https://hooks.example/sp"
lead_email = "lead@example.com"
[team.weekly]
mon = [["08:00", "17:00"]]
tue = [["08:00", "17:00"]]
"""


def shanghai(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_sample_file_parses() -> None:
    first, second = parse_teams(SAMPLE)
    assert first == TeamSpec(
        key="shanghai",
        name="Shanghai",
        region="APAC",
        timezone="Asia/Shanghai",
        languages={"zh-Hans": "native", "zh-Hant": "native", "en": "fluent"},
        weekly={"mon": (("09:00", "18:00"),), "fri": (("09:00", "18:00"), ("22:00", "02:00"))},
        country="CN",
        holidays=(date(2026, 12, 24),),
        overrides=(Shift(datetime(2026, 12, 31, 18), datetime(2027, 1, 1, 2), "extra"),),
        seats=4,
        serves=("APAC",),
    )
    assert second.languages == {"pt-BR": "native", "es": "fluent", "en": "basic"}
    assert second.tiers == ("gold", "diamond")
    assert second.subdivision == "SP"
    assert second.lead_email == "lead@example.com"


def test_dump_round_trips() -> None:
    specs = parse_teams(SAMPLE)
    assert parse_teams(dump_teams(specs)) == specs


def line_of(text: str, fragment: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if fragment in line)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('timezone = "Asia/Shanghai"', 'timezone = "Asia/Shangai"', "unknown time zone"),
        ('mon = [["09:00", "18:00"]]', 'mon = [["09:00", "25:00"]]', "bad time '25:00'"),
        ('mon = [["09:00", "18:00"]]', 'mun = [["09:00", "18:00"]]', "unknown weekday 'mun'"),
        ('en = "fluent" }', 'xx = "fluent" }', "unknown language tag 'xx'"),
        ('en = "fluent" }', 'en = "expert" }', "unknown proficiency 'expert'"),
        ('["2026-12-24"]', '["2026-12-32"]', "bad date '2026-12-32'"),
        ('key = "shanghai"', 'key = "Shang Hai"', "must be a slug"),
        ("seats = 4", "seats = 0", "seats must be"),
        ("tiers = []", 'tiers = ["platinum"]', "unknown tier 'platinum'"),
        ('country = "CN"', 'country = "XX"', "no public holidays known for 'XX'"),
        ('subdivision = ""', 'subdivision = "ZZ"', "unknown subdivision 'ZZ'"),
        ('kind = "extra"', 'kind = "party"', "override kind"),
        ('end = "2027-01-01T02:00"', 'end = "2026-12-31T17:00"', "must end after"),
        ('start = "2026-12-31T18:00"', 'start = "tomorrow"', "bad override start"),
        ('lead_email = ""', 'lead_emial = ""', "unknown field 'lead_emial'"),
        (
            'fri = [["09:00", "18:00"], ["22:00", "02:00"]]',
            'fri = [["09:00", "18:00"], ["17:00", "02:00"]]',
            "fri 09:00-18:00 overlaps fri 17:00-02:00",
        ),
    ],
)
def test_problems_name_their_line(old: str, new: str, message: str) -> None:
    assert old in SAMPLE
    text = SAMPLE.replace(old, new, 1)
    with pytest.raises(TeamFileError) as caught:
        parse_teams(text)
    [problem] = caught.value.problems
    assert message in problem.message
    assert problem.line == line_of(text, new)
    assert f"line {problem.line}: " in str(caught.value)


def test_overnight_overlap_into_next_week_and_duplicate_keys() -> None:
    text = SAMPLE.replace('tue = [["08:00", "17:00"]]', 'sun = [["20:00", "09:00"]]')
    text = text.replace('key = "sao-paulo"', 'key = "shanghai"')
    with pytest.raises(TeamFileError) as caught:
        parse_teams(text)
    lines = text.splitlines()
    monday = max(i for i, line in enumerate(lines, 1) if line.startswith("mon = "))
    second_key = max(i for i, line in enumerate(lines, 1) if line == 'key = "shanghai"')
    assert [(p.line, p.message) for p in caught.value.problems] == [
        (second_key, "duplicate team key 'shanghai' (first on line 2)"),
        (monday, "team 'shanghai': sun 20:00-09:00 overlaps mon 08:00-17:00"),
    ]


def test_toml_syntax_error_has_its_line() -> None:
    with pytest.raises(TeamFileError) as caught:
        parse_teams(SAMPLE.replace('name = "Shanghai"', 'name = "Shanghai'))
    assert caught.value.problems[0].line == 3


def test_missing_fields_and_hours() -> None:
    with pytest.raises(TeamFileError) as caught:
        parse_teams('[[team]]\nkey = "x"\n')
    messages = " / ".join(p.message for p in caught.value.problems)
    for expected in ("missing name", "missing region", "missing timezone", "languages must"):
        assert expected in messages
    assert "no opening hours" in messages
    with pytest.raises(TeamFileError, match=r"no \[\[team\]\] tables"):
        parse_teams("")


def test_calendar_has_public_extra_holidays_and_overrides() -> None:
    spec = replace(parse_teams(SAMPLE)[0], holidays=(date(2026, 12, 25),))
    calendar = build_calendar(spec)
    assert calendar is build_calendar(replace(spec))
    assert calendar.is_open(shanghai(21, 10))  # a Monday
    assert calendar.is_open(shanghai(18, 23))  # Friday night
    assert not calendar.is_open(shanghai(25, 10))  # extra holiday, a Friday
    assert not calendar.is_open(shanghai(25, 23))
    assert calendar.is_open(datetime(2027, 1, 1, 1, tzinfo=ZoneInfo("Asia/Shanghai")))  # extra
    assert not calendar.is_open(datetime(2027, 1, 1, 10, tzinfo=ZoneInfo("Asia/Shanghai")))
    assert calendar.is_open(datetime(2027, 1, 8, 10, tzinfo=ZoneInfo("Asia/Shanghai")))


def test_profile_carries_load_and_sets() -> None:
    spec = parse_teams(SAMPLE)[1]
    team = profile(spec, open_cases=5)
    assert team.key == "sao-paulo"
    assert team.open_cases == 5
    assert team.seats == 3
    assert team.tiers == frozenset({"gold", "diamond"})
    assert team.serves == frozenset()
    monday = datetime(2026, 11, 23, 12, tzinfo=UTC)
    assert team.calendar.is_open(monday)
    assert team.calendar.between(monday, monday + timedelta(days=1)) == timedelta(hours=9)


NAMES = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1)
CLOCKS = st.sampled_from(["00:00", "08:30", "09:00", "17:00", "22:00", "24:00"])


@settings(max_examples=50, deadline=None)
@given(
    name=NAMES,
    region=st.sampled_from(["APAC", "EMEA", "LATAM", "NA"]),
    seats=st.integers(1, 50),
    holidays=st.lists(st.dates(date(2020, 1, 1), date(2030, 1, 1)), max_size=3),
    start=CLOCKS.filter(lambda c: c != "24:00"),
    end=CLOCKS,
)
def test_dump_round_trips_any_spec(
    name: str, region: str, seats: int, holidays: list[date], start: str, end: str
) -> None:
    spec = TeamSpec(
        key="team-1",
        name=name,
        region=region,
        timezone="Europe/Lisbon",
        languages={"pt-PT": "native", "en": "basic"},
        weekly={"wed": ((start, end),)},
        holidays=tuple(holidays),
        overrides=(Shift(datetime(2026, 1, 1, 8, 0, 30), datetime(2026, 1, 1, 9), "closure"),),
        seats=seats,
        serves=(region,),
    )
    assert parse_teams(dump_teams([spec])) == [spec]


@pytest.mark.parametrize(
    "spec",
    [spec for spec in parse_teams(SAMPLE_FILE.read_text(encoding="utf-8")) if spec.country],
    ids=lambda spec: spec.key,
)
def test_sample_teams_work_their_countrys_current_week(spec: TeamSpec) -> None:
    """Open on every working day and on no weekend day of the country (`holidays` knows both;
    the UAE moved from Sunday–Thursday to Monday–Friday in 2022)."""
    weekend = holiday_data.country_holidays(spec.country, years=2026).weekend
    open_days = {WEEKDAYS.index(day) for day, windows in spec.weekly.items() if windows}
    assert open_days == set(range(7)) - set(weekend)


def test_the_readme_team_file_example_is_a_valid_team_file() -> None:
    readme = (SAMPLE_FILE.parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Team file") :]
    example = section[section.index("```toml") + len("```toml") : section.index("```\n\n")]
    (spec,) = parse_teams(example)
    assert spec.weekly["mon"] == (("22:00", "06:00"),)
    assert {override.kind for override in spec.overrides} == {"extra", "closure"}
    assert spec.holidays == (date(2026, 12, 31),)
