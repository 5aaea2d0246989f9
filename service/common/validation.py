"""Checks of customer input that a schema cannot express; each failure names its field."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec
from babel import Locale, UnknownLocaleError
from email_validator import EmailNotValidError, validate_email

from service.common.errors import InvalidInput

T = TypeVar("T")
MAX_TEXT_CHARS = 20_000
MAX_EMAIL_CHARS = 254
CONTROL_CLASS = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f"
"""The C0 control characters (but tab, line feed, carriage return) and DEL no input may hold."""
_ZONE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+)*$")
_TAG = re.compile(r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$")

# What the checks below accept, said in the OpenAPI document (service/http/api_description.py).
TEXT_FIELD = msgspec.Meta(
    extra_json_schema={
        "minLength": 1,
        "maxLength": MAX_TEXT_CHARS,
        "pattern": f"^[^{CONTROL_CLASS}]*[^\\s{CONTROL_CLASS}][^{CONTROL_CLASS}]*$",
    }
)
EMAIL_FIELD = msgspec.Meta(extra_json_schema={"format": "email", "maxLength": MAX_EMAIL_CHARS})
ZONE_FIELD = msgspec.Meta(extra_json_schema={"pattern": _ZONE_NAME.pattern})
LOCALE_FIELD = msgspec.Meta(extra_json_schema={"pattern": _TAG.pattern})
COUNTRY_FIELD = msgspec.Meta(extra_json_schema={"pattern": "^[A-Za-z]{2}$"})


def check_zone(name: str) -> str | None:
    """None if `name` is a known IANA zone, else the reason it is not."""
    if not _ZONE_NAME.match(name):
        return "not an IANA time zone name"
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return f"unknown time zone {name!r}"
    return None


def check_locale(tag: str) -> str | None:
    if not _TAG.match(tag):
        return "not a locale tag such as 'pt-BR' or 'zh-Hant'"
    try:
        Locale.parse(tag.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return f"unknown locale {tag!r}"
    return None


def check_country(code: str) -> str | None:
    if len(code) != 2 or code.upper() not in Locale("en").territories:
        return "not an ISO 3166 two-letter country code"
    return None


def check_email(address: str) -> str | None:
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError as exc:
        return str(exc)
    return None


class FieldErrors:
    """Collects field errors and raises them together as one 422."""

    def __init__(self) -> None:
        self.errors: list[dict[str, str]] = []

    def add(self, field: str, message: str | None) -> None:
        if message:
            self.errors.append({"field": field, "message": message})

    def check(self, parse: Callable[[], T], fallback: T) -> T:
        """``parse()``, or ``fallback`` with the problems it raised collected here."""
        try:
            return parse()
        except InvalidInput as refused:
            for error in refused.errors or ():
                self.add(str(error.get("field")), str(error.get("message")))
            return fallback

    def raise_if_any(self) -> None:
        if self.errors:
            raise InvalidInput(self.errors)


def check_text(text: str) -> str | None:
    if not text.strip():
        return "must not be empty"
    if len(text) > MAX_TEXT_CHARS:
        return f"must be at most {MAX_TEXT_CHARS} characters (got {len(text)})"
    return None
