"""Table-driven calendar cases: DST days, midnight, holidays, coverage, bad input."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from routing.calendar import (
    WEEKDAYS,
    AlwaysOpenError,
    Calendar,
    NeverOpenError,
    Shift,
    coverage,
    parse_window,
)

ALL_DAY = {day: [("00:00", "00:00")] for day in WEEKDAYS}
WEEKDAYS_9_TO_17 = {day: [("09:00", "17:00")] for day in WEEKDAYS[:5]}


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def local(zone: str, *parts: int) -> datetime:
    return datetime(*parts, tzinfo=ZoneInfo(zone))  # type: ignore[misc]


NEW_YORK, LONDON, SYDNEY, SAO_PAULO = (
    "America/New_York",
    "Europe/London",
    "Australia/Sydney",
    "America/Sao_Paulo",
)
DST_WINDOWS = [
    # zone, local day of the window, window, expected UTC open and close ("" = empty window)
    (NEW_YORK, "2026-03-08", "02:30", "06:00", "2026-03-08 07:00", "2026-03-08 10:00"),
    (NEW_YORK, "2026-03-08", "00:00", "02:30", "2026-03-08 05:00", "2026-03-08 07:00"),
    (NEW_YORK, "2026-03-08", "01:00", "04:00", "2026-03-08 06:00", "2026-03-08 08:00"),
    (NEW_YORK, "2026-03-08", "02:10", "02:40", "", ""),
    (NEW_YORK, "2026-11-01", "01:30", "03:00", "2026-11-01 05:30", "2026-11-01 08:00"),
    (NEW_YORK, "2026-11-01", "00:00", "01:30", "2026-11-01 04:00", "2026-11-01 06:30"),
    (NEW_YORK, "2026-11-01", "00:00", "03:00", "2026-11-01 04:00", "2026-11-01 08:00"),
    (LONDON, "2026-03-29", "00:00", "03:00", "2026-03-29 00:00", "2026-03-29 02:00"),
    (LONDON, "2026-03-29", "01:30", "03:00", "2026-03-29 01:00", "2026-03-29 02:00"),
    (LONDON, "2026-10-25", "00:00", "03:00", "2026-10-24 23:00", "2026-10-25 03:00"),
    (LONDON, "2026-10-25", "00:00", "01:30", "2026-10-24 23:00", "2026-10-25 01:30"),
    (SYDNEY, "2026-04-05", "00:00", "06:00", "2026-04-04 13:00", "2026-04-04 20:00"),
    (SYDNEY, "2026-04-05", "02:30", "04:00", "2026-04-04 15:30", "2026-04-04 18:00"),
    (SYDNEY, "2026-10-04", "01:00", "04:00", "2026-10-03 15:00", "2026-10-03 17:00"),
    (SYDNEY, "2026-10-04", "02:00", "05:00", "2026-10-03 16:00", "2026-10-03 18:00"),
    (SAO_PAULO, "2018-11-04", "00:00", "08:00", "2018-11-04 03:00", "2018-11-04 10:00"),
    (SAO_PAULO, "2018-11-03", "22:00", "02:00", "2018-11-04 01:00", "2018-11-04 04:00"),
    (SAO_PAULO, "2019-02-16", "22:00", "00:00", "2019-02-17 00:00", "2019-02-17 03:00"),
    (SAO_PAULO, "2019-02-16", "20:00", "23:30", "2019-02-16 22:00", "2019-02-17 02:30"),
]


@pytest.mark.parametrize(("zone", "day", "start", "end", "opens", "closes"), DST_WINDOWS)
def test_windows_on_dst_days(
    zone: str, day: str, start: str, end: str, opens: str, closes: str
) -> None:
    weekday = WEEKDAYS[date.fromisoformat(day).weekday()]
    calendar = Calendar(zone, {weekday: [(start, end)]})
    before = datetime.fromisoformat(day).replace(tzinfo=UTC) - timedelta(days=1)
    after = before + timedelta(days=3)
    periods = calendar.periods(before, after)
    if not opens:
        assert periods == []
        assert calendar.between(before, after) == timedelta(0)
        return
    open_at = datetime.fromisoformat(opens).replace(tzinfo=UTC)
    close_at = datetime.fromisoformat(closes).replace(tzinfo=UTC)
    assert periods == [(open_at, close_at)]
    assert calendar.next_open(before) == open_at
    assert calendar.next_close(open_at) == close_at
    assert calendar.between(before, after) == close_at - open_at
    assert calendar.add(before, close_at - open_at) == close_at


def test_overnight_window_on_holiday_eve_keeps_its_morning() -> None:
    calendar = Calendar(
        "Europe/London",
        {"thu": [("22:00", "02:00")], "fri": [("22:00", "02:00")]},
        holidays=[date(2026, 12, 25)],
    )
    assert calendar.is_open(local("Europe/London", 2026, 12, 25, 1, 59))
    assert not calendar.is_open(local("Europe/London", 2026, 12, 25, 2))
    assert not calendar.is_open(local("Europe/London", 2026, 12, 25, 23))
    assert not calendar.is_open(local("Europe/London", 2026, 12, 26, 1))
    assert calendar.next_open(local("Europe/London", 2026, 12, 25, 12)) == utc(2026, 12, 31, 22)


@pytest.mark.parametrize("whole_day", [("00:00", "00:00"), ("00:00", "24:00")])
@pytest.mark.parametrize("zone", ["UTC", "America/New_York", "Asia/Shanghai"])
def test_round_the_clock_calendar_loses_nothing_at_midnight(
    zone: str, whole_day: tuple[str, str]
) -> None:
    calendar = Calendar(zone, {day: [whole_day] for day in WEEKDAYS})
    midnight = local(zone, 2026, 6, 2)
    assert calendar.is_open(midnight)
    assert calendar.is_open(midnight - timedelta(microseconds=1))
    assert calendar.between(midnight - timedelta(minutes=1), midnight + timedelta(minutes=1)) == (
        timedelta(minutes=2)
    )
    assert calendar.add(midnight - timedelta(seconds=30), timedelta(minutes=1)) == (
        midnight + timedelta(seconds=30)
    )
    week = calendar.periods(midnight, midnight + timedelta(days=7))
    assert week == [(midnight, midnight + timedelta(days=7))]
    with pytest.raises(AlwaysOpenError):
        calendar.next_close(midnight)


def test_open_stretch_across_internal_chunks_is_one_period() -> None:
    start = utc(2026, 1, 1)
    calendar = Calendar("UTC", {}, overrides=[Shift(start, start + timedelta(days=90), "extra")])
    assert calendar.next_close(start + timedelta(days=1)) == start + timedelta(days=90)
    assert calendar.add(start, timedelta(days=89)) == start + timedelta(days=89)
    assert calendar.between(start - timedelta(days=40), start + timedelta(days=200)) == (
        timedelta(days=90)
    )


def test_coverage_gap_over_the_weekend() -> None:
    tokyo = Calendar("Asia/Tokyo", WEEKDAYS_9_TO_17)
    london = Calendar("Europe/London", WEEKDAYS_9_TO_17)
    new_york = Calendar("America/New_York", WEEKDAYS_9_TO_17)
    service = coverage([tokyo, london, new_york])
    friday_evening = local("America/New_York", 2026, 11, 20, 17)
    assert not service.is_open(friday_evening)
    monday_tokyo = local("Asia/Tokyo", 2026, 11, 23, 9)
    assert service.next_open(friday_evening) == monday_tokyo
    assert service.between(friday_evening, monday_tokyo) == timedelta(0)
    assert service.is_open(local("Europe/London", 2026, 11, 23, 16, 30))
    nine_hours_later = local("Europe/London", 2026, 11, 23, 10)
    assert service.add(friday_evening, timedelta(hours=9)) == nine_hours_later


def test_sunday_to_thursday_week_in_riyadh() -> None:
    days = ("sun", "mon", "tue", "wed", "thu")
    calendar = Calendar("Asia/Riyadh", {day: [("08:00", "17:00")] for day in days})
    thursday = local("Asia/Riyadh", 2026, 11, 19, 16)
    assert not calendar.is_open(local("Asia/Riyadh", 2026, 11, 20, 10))  # Friday
    assert not calendar.is_open(local("Asia/Riyadh", 2026, 11, 21, 10))  # Saturday
    assert calendar.add(thursday, timedelta(hours=2)) == local("Asia/Riyadh", 2026, 11, 22, 9)
    assert calendar.next_close(thursday) == local("Asia/Riyadh", 2026, 11, 19, 17)


def test_several_windows_a_day_and_exact_close() -> None:
    calendar = Calendar("Europe/Paris", {"mon": [("13:00", "17:00"), ("08:00", "12:00")]})
    monday = local("Europe/Paris", 2026, 11, 23, 8)
    assert calendar.add(monday, timedelta(hours=4)) == local("Europe/Paris", 2026, 11, 23, 12)
    assert calendar.add(monday, timedelta(hours=5)) == local("Europe/Paris", 2026, 11, 23, 14)
    assert calendar.next_open(local("Europe/Paris", 2026, 11, 23, 12)) == (
        local("Europe/Paris", 2026, 11, 23, 13)
    )
    assert calendar.add(monday, timedelta(0)) == monday
    evening = local("Europe/Paris", 2026, 11, 23, 20)
    assert calendar.between(monday, evening) == timedelta(hours=8)
    assert calendar.between(evening, monday) == -timedelta(hours=8)


def test_overrides_add_and_close_time() -> None:
    calendar = Calendar(
        "Asia/Shanghai",
        WEEKDAYS_9_TO_17,
        overrides=[
            Shift(datetime(2026, 12, 31, 18), datetime(2027, 1, 1, 2), "extra"),
            Shift(utc(2026, 12, 30, 1), utc(2026, 12, 30, 8), "closure"),
        ],
    )
    assert calendar.is_open(local("Asia/Shanghai", 2027, 1, 1, 1))
    assert not calendar.is_open(local("Asia/Shanghai", 2026, 12, 30, 15, 59))
    assert calendar.is_open(local("Asia/Shanghai", 2026, 12, 30, 16, 30))
    with pytest.raises(ValueError, match="ends before it starts"):
        Calendar("UTC", {}, overrides=[Shift(utc(2026, 1, 2), utc(2026, 1, 1), "extra")])


def test_public_holiday_predicate_closes_days() -> None:
    calendar = Calendar("UTC", WEEKDAYS_9_TO_17, public_holiday=lambda day: day.day == 1)
    assert not calendar.is_open(utc(2026, 6, 1, 10))
    assert calendar.is_open(utc(2026, 6, 2, 10))


def test_calendar_without_hours_never_opens() -> None:
    calendar = Calendar("UTC", {})
    assert not calendar.is_open(utc(2026, 1, 1))
    with pytest.raises(NeverOpenError):
        calendar.next_open(utc(2026, 1, 1))
    with pytest.raises(NeverOpenError):
        calendar.add(utc(2026, 1, 1), timedelta(minutes=1))
    closed_for_years = Calendar("UTC", WEEKDAYS_9_TO_17, holidays=[])
    assert closed_for_years.next_open(utc(2026, 1, 1)) == utc(2026, 1, 1, 9)


@pytest.mark.parametrize(
    ("timezone", "weekly", "message"),
    [
        ("Mars/Olympus", {}, "unknown time zone 'Mars/Olympus'"),
        ("", {}, "unknown time zone ''"),
        ("UTC", {"mon": [("25:00", "26:00")]}, "bad time '25:00'"),
        ("UTC", {"mon": [("24:00", "02:00")]}, "bad time '24:00'"),
        ("UTC", {"mon": [("9:00", "17:00")]}, "bad time '9:00'"),
        ("UTC", {"mun": [("09:00", "17:00")]}, "unknown weekday 'mun'"),
        ("UTC", {"mon": [("09:00",)]}, "a window is a"),
    ],
)
def test_invalid_input_is_rejected(timezone: str, weekly: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Calendar(timezone, weekly)


def test_naive_datetimes_are_rejected() -> None:
    calendar = Calendar("UTC", ALL_DAY)
    with pytest.raises(ValueError, match="naive datetime"):
        calendar.is_open(datetime(2026, 1, 1))


@pytest.mark.parametrize(
    ("start", "end", "minutes"),
    [
        ("09:00", "17:00", 480),
        ("22:00", "02:00", 240),
        ("00:00", "00:00", 1440),
        ("18:00", "24:00", 360),
        ("09:00", "09:00", 1440),
    ],
)
def test_window_lengths(start: str, end: str, minutes: int) -> None:
    assert parse_window(start, end).minutes == minutes


def test_far_past_and_future_queries_extend_the_cache() -> None:
    calendar = Calendar("Europe/Berlin", WEEKDAYS_9_TO_17)
    assert calendar.is_open(local("Europe/Berlin", 2026, 11, 23, 10))
    assert calendar.is_open(local("Europe/Berlin", 2019, 11, 25, 10))
    assert calendar.between(utc(2019, 11, 25), utc(2019, 12, 2)) == timedelta(hours=40)
