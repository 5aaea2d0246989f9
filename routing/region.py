"""Where a customer is: country, service region and time zone, from whatever the case tells us.

Signals, strongest first: an explicit country, the IANA time zone (tzdata's zone tables), the
phone number (phonenumbers), Accept-Language region subtags, and the likely region of the
detected language (Babel's likely subtags). Invalid inputs are ignored; nothing here raises.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from types import MappingProxyType

import phonenumbers
from babel.core import get_global

__all__ = ["DEFAULT_REGIONS", "RegionGuess", "infer", "main_timezone"]

_REGION_COUNTRIES = {
    "AMER": (
        "AG AI AR AW BB BL BM BO BQ BR BS BZ CA CL CO CR CU CW DM DO EC FK GD GF GL GP GS GT GY "
        "HN HT JM KN KY LC MF MQ MS MX NI PA PE PM PR PY SR SV SX TC TT US UY VC VE VG VI"
    ),
    "EMEA": (
        "AD AE AL AM AO AT AX AZ BA BE BF BG BH BI BJ BV BW BY CD CF CG CH CI CM CV CY CZ DE DJ "
        "DK DZ EE EG EH ER ES ET FI FO FR GA GB GE GG GH GI GM GN GQ GR GW HR HU IE IL IM IQ IR "
        "IS IT JE JO KE KG KM KW KZ LB LI LR LS LT LU LV LY MA MC MD ME MG MK ML MR MT MU MW MZ "
        "NA NE NG NL NO OM PL PS PT QA RE RO RS RU RW SA SC SD SE SH SI SJ SK SL SM SN SO SS ST "
        "SY SZ TD TF TG TJ TM TN TR TZ UA UG UZ VA YE YT ZA ZM ZW"
    ),
    "APAC": (
        "AF AQ AS AU BD BN BT CC CK CN CX FJ FM GU HK HM ID IN IO JP KH KI KP KR LA LK MH MM MN "
        "MO MP MV MY NC NF NP NR NU NZ PF PG PH PK PN PW SB SG TH TK TL TO TV TW UM VN VU WF WS"
    ),
}
DEFAULT_REGIONS: Mapping[str, str] = MappingProxyType(
    {country: region for region, codes in _REGION_COUNTRIES.items() for country in codes.split()}
)
"""ISO 3166 alpha-2 country -> service region; pass another mapping to infer() to change it."""

# Countries whose first zone in zone.tab is not where most of their people live.
_MAIN_ZONE_OVERRIDES = {
    "AU": "Australia/Sydney",
    "BR": "America/Sao_Paulo",
    "CA": "America/Toronto",
    "RU": "Europe/Moscow",
    "UA": "Europe/Kyiv",
    "UZ": "Asia/Tashkent",
}
_COUNTRY_ALIASES = {"UK": "GB"}
_SUBTAG = re.compile(r"^[A-Za-z0-9]{1,8}$")


@dataclass(frozen=True, slots=True)
class RegionGuess:
    """The customer's country and service region, the signal that decided, and their zone."""

    country: str | None
    region: str | None
    signal: str
    timezone: str | None


def infer(
    *,
    country: str | None = None,
    timezone: str | None = None,
    phone: str | None = None,
    accept_languages: Sequence[str] = (),
    language: str | None = None,
    regions: Mapping[str, str] | None = None,
) -> RegionGuess:
    """Best guess of where the customer is; the first signal that names a country wins."""
    regions = DEFAULT_REGIONS if regions is None else regions
    zone = timezone.strip() if isinstance(timezone, str) else None
    if zone not in _zone_names():
        zone = None
    for signal, found in _candidates(country, zone, phone, accept_languages, language):
        if found is not None:
            return RegionGuess(found, regions.get(found), signal, zone or main_timezone(found))
    return RegionGuess(None, None, "none", zone)


def main_timezone(country: str) -> str | None:
    """The IANA zone where most of the country's people live, as far as tzdata tells."""
    return _MAIN_ZONE_OVERRIDES.get(country) or _country_zones().get(country)


def _candidates(
    country: str | None,
    zone: str | None,
    phone: str | None,
    accept_languages: Sequence[str],
    language: str | None,
) -> Iterator[tuple[str, str | None]]:
    """(signal, country or None) in order of precedence, each computed only when reached."""
    yield "country", _country_code(country)
    yield "timezone", zone_country(zone) if zone else None
    yield "phone", _phone_country(phone)
    yield "accept-language", _accept_language_country(accept_languages)
    yield "language", _language_country(language)


def _country_code(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    code = value.strip().upper()
    code = _COUNTRY_ALIASES.get(code, code)
    return code if code in _countries() else None


def zone_country(zone: str) -> str | None:
    """The country of an IANA zone (or of the zone it links to); None for Etc/UTC and the like."""
    countries = _zone_countries()
    return countries.get(zone) or countries.get(_zone_links().get(zone, ""))


def _phone_country(phone: object) -> str | None:
    if not isinstance(phone, str) or not phone.strip():
        return None
    number = phone.strip()
    if number.startswith("00"):
        number = "+" + number[2:]
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return _country_code(phonenumbers.region_code_for_number(parsed))


def _accept_language_country(tags: Sequence[str]) -> str | None:
    if isinstance(tags, str):
        tags = [tags]
    for tag in tags:
        if not isinstance(tag, str):
            continue
        subtags = tag.split(";", 1)[0].strip().replace("_", "-").split("-")
        if not all(_SUBTAG.match(subtag) for subtag in subtags):
            continue
        for subtag in subtags[1:]:
            if len(subtag) == 2 and (country := _country_code(subtag)):
                return country
    return None


def _language_country(language: object) -> str | None:
    """The region in Babel's likely subtags for the language (ja -> JP, zh-Hant -> TW)."""
    if not isinstance(language, str):
        return None
    subtags = language.strip().replace("-", "_").split("_")
    if not subtags[0] or subtags[0].lower() == "und" or not all(map(_SUBTAG.match, subtags)):
        return None
    explicit = next((_country_code(s) for s in subtags[1:] if len(s) == 2), None)
    if explicit:
        return explicit
    likely: Mapping[str, str] = get_global("likely_subtags")
    base = subtags[0].lower()
    scripts = [s.title() for s in subtags[1:] if len(s) == 4]
    full = likely.get(f"{base}_{scripts[0]}" if scripts else base) or likely.get(base)
    if not full:
        return None
    return next((_country_code(s) for s in full.split("_")[1:] if len(s) == 2), None)


def _zoneinfo_table(name: str) -> list[list[str]]:
    text = resources.files("tzdata").joinpath("zoneinfo", name).read_text(encoding="utf-8")
    return [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]


@cache
def _countries() -> frozenset[str]:
    return frozenset(row[0] for row in _zoneinfo_table("iso3166.tab"))


@cache
def _zone_countries() -> Mapping[str, str]:
    """IANA zone -> the country it is in (zone.tab: one country a zone; zone1970.tab: the first)."""
    countries = {row[2]: row[0].split(",")[0] for row in _zoneinfo_table("zone1970.tab")}
    countries.update({row[2]: row[0] for row in _zoneinfo_table("zone.tab")})
    return MappingProxyType(countries)


@cache
def _country_zones() -> Mapping[str, str]:
    """Country -> its first zone in zone.tab."""
    zones: dict[str, str] = {}
    for row in _zoneinfo_table("zone.tab"):
        zones.setdefault(row[0], row[2])
    return MappingProxyType(zones)


@cache
def _tzdata_zi() -> tuple[frozenset[str], Mapping[str, str]]:
    """All zone names tzdata knows, and its links (alias -> target)."""
    text = resources.files("tzdata").joinpath("zoneinfo", "tzdata.zi").read_text("utf-8")
    zones: set[str] = set()
    links: dict[str, str] = {}
    for line in text.splitlines():
        fields = line.split()
        if len(fields) >= 2 and fields[0] == "Z":
            zones.add(fields[1])
        elif len(fields) >= 3 and fields[0] == "L":
            links[fields[2]] = fields[1]
    return frozenset(zones | links.keys()), MappingProxyType(links)


def _zone_names() -> frozenset[str]:
    return _tzdata_zi()[0]


def _zone_links() -> Mapping[str, str]:
    return _tzdata_zi()[1]
