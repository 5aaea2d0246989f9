"""Dates and times as customers read them: their language, their zone, no seconds."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from functools import cache, lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale
from babel.dates import format_datetime
from babel.units import format_unit

from service.i18n.negotiation import catalog_name

_SECONDS_FIELD = re.compile(r"[:.]ss|\s*s{1,2}\s*(?:초|秒|วินาที)")


def _zone(tz: str | None) -> ZoneInfo:
    """The customer's zone, UTC when unknown or invalid."""
    if tz:
        try:
            return ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return ZoneInfo("UTC")


@cache
def _due_pattern(locale: str) -> str:
    """The locale's full date with hours and minutes and the long zone name (no seconds)."""
    babel_locale = Locale.parse(locale)
    time_pattern = _SECONDS_FIELD.sub("", babel_locale.time_formats["full"].pattern)
    date_pattern = babel_locale.date_formats["full"].pattern
    glue = str(babel_locale.datetime_formats["full"])
    return glue.replace("{1}", date_pattern).replace("{0}", time_pattern)


def format_due(dt: datetime, tz: str | None, locale: str) -> str:
    """A due time as the customer reads it: local date, time rounded up to the minute, zone."""
    if dt.tzinfo is None:
        raise ValueError("due times must be timezone-aware")
    instant = dt.astimezone(UTC)
    if instant.second or instant.microsecond:
        instant = instant.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return _due_text(instant, tz, locale)


@lru_cache(maxsize=4096)
def _due_text(minute: datetime, tz: str | None, locale: str) -> str:
    """Every complaint filed in the same minute in one zone and locale is due at the same few
    minutes: each is formatted once."""
    catalog = catalog_name(locale)
    return format_datetime(minute, _due_pattern(catalog), tzinfo=_zone(tz), locale=catalog)


@cache
def _moment_pattern(locale: str) -> str:
    """The locale's medium date with its short time (hours and minutes)."""
    babel_locale = Locale.parse(locale)
    date_pattern = babel_locale.date_formats["medium"].pattern
    time_pattern = babel_locale.time_formats["short"].pattern
    glue = str(babel_locale.datetime_formats["medium"])
    return glue.replace("{1}", date_pattern).replace("{0}", time_pattern)


def format_moment(moment: datetime, zone: ZoneInfo, locale: str) -> str:
    """When something happened, shortly: medium date and hours and minutes, in `zone`."""
    catalog = catalog_name(locale)
    return format_datetime(moment, _moment_pattern(catalog), tzinfo=zone, locale=catalog)


def format_size(size: int, locale: str) -> str:
    """A file size as people read it: "820 kB", "3.4 MB" (decimal units), in the locale."""
    locale = catalog_name(locale)
    if size < 1000 * 1000:
        return format_unit(max(1, round(size / 1000)), "digital-kilobyte", "short", locale=locale)
    return format_unit(round(size / 1000 / 1000, 1), "digital-megabyte", "short", locale=locale)
