"""routing.region.infer: each signal on its own, their precedence, zones, and bad input."""

from __future__ import annotations

from importlib import resources

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from routing.region import DEFAULT_REGIONS, RegionGuess, infer, main_timezone


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        ({"country": "de"}, RegionGuess("DE", "EMEA", "country", "Europe/Berlin")),
        ({"country": " UK "}, RegionGuess("GB", "EMEA", "country", "Europe/London")),
        ({"timezone": "Asia/Tokyo"}, RegionGuess("JP", "APAC", "timezone", "Asia/Tokyo")),
        ({"timezone": "Europe/Zurich"}, RegionGuess("CH", "EMEA", "timezone", "Europe/Zurich")),
        ({"timezone": "Asia/Calcutta"}, RegionGuess("IN", "APAC", "timezone", "Asia/Calcutta")),
        ({"timezone": "US/Eastern"}, RegionGuess("US", "AMER", "timezone", "US/Eastern")),
        ({"phone": "+81 3-1234-5678"}, RegionGuess("JP", "APAC", "phone", "Asia/Tokyo")),
        ({"phone": "0044 20 7946 0958"}, RegionGuess("GB", "EMEA", "phone", "Europe/London")),
        ({"phone": "+55 11 91234-5678"}, RegionGuess("BR", "AMER", "phone", "America/Sao_Paulo")),
        (
            {"accept_languages": ["pt-BR", "en-US;q=0.8"]},
            RegionGuess("BR", "AMER", "accept-language", "America/Sao_Paulo"),
        ),
        (
            {"accept_languages": ["en", "es-419", "zh-Hant-HK"]},
            RegionGuess("HK", "APAC", "accept-language", "Asia/Hong_Kong"),
        ),
        ({"language": "ja"}, RegionGuess("JP", "APAC", "language", "Asia/Tokyo")),
        ({"language": "zh-Hant"}, RegionGuess("TW", "APAC", "language", "Asia/Taipei")),
        ({"language": "zh-Hans"}, RegionGuess("CN", "APAC", "language", "Asia/Shanghai")),
        ({"language": "sv"}, RegionGuess("SE", "EMEA", "language", "Europe/Stockholm")),
        ({"language": "pt-PT"}, RegionGuess("PT", "EMEA", "language", "Europe/Lisbon")),
        ({}, RegionGuess(None, None, "none", None)),
        ({"language": "und"}, RegionGuess(None, None, "none", None)),
        ({"timezone": "UTC"}, RegionGuess(None, None, "none", "UTC")),
    ],
)
def test_each_signal_alone(facts: dict[str, object], expected: RegionGuess) -> None:
    assert infer(**facts) == expected  # type: ignore[arg-type]


def test_signals_in_order_of_precedence() -> None:
    facts: dict[str, object] = {
        "country": "FR",
        "timezone": "Asia/Tokyo",
        "phone": "+1 415 555 2671",
        "accept_languages": ["pt-BR"],
        "language": "ko",
    }
    winners = []
    for signal in ("country", "timezone", "phone", "accept_languages", "language"):
        winners.append(infer(**facts).signal)  # type: ignore[arg-type]
        del facts[signal]
    assert winners == ["country", "timezone", "phone", "accept-language", "language"]


def test_the_given_zone_is_kept_when_another_signal_names_the_country() -> None:
    guess = infer(country="US", timezone="America/Los_Angeles")
    assert (guess.country, guess.timezone) == ("US", "America/Los_Angeles")


@pytest.mark.parametrize(
    ("facts", "signal"),
    [
        ({"country": "XX", "language": "de"}, "language"),
        ({"country": "", "timezone": "Mars/Olympus_Mons", "language": "de"}, "language"),
        ({"phone": "030 1234567", "language": "de"}, "language"),
        ({"phone": "+1 000", "language": "de"}, "language"),
        ({"phone": "call me maybe", "language": "de"}, "language"),
        (
            {"accept_languages": ["*", "en-419", "garbage!!", "de;q=x"], "language": "de"},
            "language",
        ),
        ({"language": "zz-!!"}, "none"),
        ({"language": "xx"}, "none"),
    ],
)
def test_invalid_inputs_are_ignored(facts: dict[str, object], signal: str) -> None:
    assert infer(**facts).signal == signal  # type: ignore[arg-type]


def test_region_mapping_is_configuration() -> None:
    regions = {"DE": "DACH", "AT": "DACH"}
    assert infer(country="AT", regions=regions).region == "DACH"
    assert infer(country="FR", regions=regions) == RegionGuess(
        "FR", None, "country", "Europe/Paris"
    )


def test_default_regions_cover_every_iso_country() -> None:
    table = resources.files("tzdata").joinpath("zoneinfo", "iso3166.tab").read_text("utf-8")
    countries = {line.split("\t")[0] for line in table.splitlines() if not line.startswith("#")}
    assert set(DEFAULT_REGIONS) == countries
    assert set(DEFAULT_REGIONS.values()) == {"APAC", "EMEA", "AMER"}
    expected = {"US": "AMER", "BR": "AMER", "GB": "EMEA", "AE": "EMEA", "ZA": "EMEA"}
    expected |= {"RU": "EMEA", "JP": "APAC", "IN": "APAC", "AU": "APAC"}
    assert {country: DEFAULT_REGIONS[country] for country in expected} == expected


@pytest.mark.parametrize(
    ("country", "zone"),
    [
        ("AU", "Australia/Sydney"),
        ("US", "America/New_York"),
        ("RU", "Europe/Moscow"),
        ("DE", "Europe/Berlin"),
        ("CN", "Asia/Shanghai"),
    ],
)
def test_main_timezone(country: str, zone: str) -> None:
    assert main_timezone(country) == zone


@settings(max_examples=200, deadline=None)
@given(
    st.one_of(st.none(), st.text(max_size=12)),
    st.one_of(st.none(), st.text(max_size=30)),
    st.one_of(st.none(), st.text(max_size=20)),
    st.lists(st.text(max_size=15), max_size=3),
    st.one_of(st.none(), st.text(max_size=12)),
)
def test_infer_never_raises(
    country: str | None,
    timezone: str | None,
    phone: str | None,
    accept_languages: list[str],
    language: str | None,
) -> None:
    guess = infer(
        country=country,
        timezone=timezone,
        phone=phone,
        accept_languages=accept_languages,
        language=language,
    )
    assert guess.signal in {"country", "timezone", "phone", "accept-language", "language", "none"}
    assert (guess.country is None) == (guess.signal == "none")
    assert guess.region is None or guess.region in {"APAC", "EMEA", "AMER"}
