"""Business-time throughput: Calendar.add / between / is_open against minute stepping.

Run: ``.venv/bin/python bench/calendar.py`` (or ``-m bench.calendar``).  Prints ops/s and the
ratio to a minute-stepping baseline measured in the same run on the same inputs.
"""

import sys
from pathlib import Path

# Run as a script, this file's folder would shadow the standard library's ``calendar`` module.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

import random  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from datetime import UTC, datetime, timedelta  # noqa: E402
from zoneinfo import ZoneInfo  # noqa: E402

from routing.calendar import WEEKDAYS, Calendar, coverage  # noqa: E402

ZONE = "America/New_York"
WEEKLY = {day: [("09:00", "12:30"), ("13:30", "18:00")] for day in WEEKDAYS[:5]}
WEEKLY["fri"] = [("09:00", "12:30"), ("13:30", "18:00"), ("22:00", "02:00")]
YEAR_START = datetime(2026, 1, 1, tzinfo=UTC)


def stepping_add(start: datetime, delta: timedelta) -> datetime:
    """Baseline: walk one minute at a time, reading each minute's local wall clock."""
    zone, needed, moment = ZoneInfo(ZONE), delta // timedelta(minutes=1), start
    while needed > 0:
        local = moment.astimezone(zone)
        minute = local.hour * 60 + local.minute
        today = WEEKLY.get(WEEKDAYS[local.weekday()], [])
        yesterday = WEEKLY.get(WEEKDAYS[(local.weekday() - 1) % 7], [])
        if any(_inside(minute, w) for w in today) or any(
            _after_midnight(minute, w) for w in yesterday
        ):
            needed -= 1
        moment += timedelta(minutes=1)
    return moment


def _minutes(clock: str) -> int:
    return int(clock[:2]) * 60 + int(clock[3:])


def _inside(minute: int, window: tuple[str, str]) -> bool:
    start, end = _minutes(window[0]), _minutes(window[1])
    return start <= minute < (end if end > start else 1440)


def _after_midnight(minute: int, window: tuple[str, str]) -> bool:
    start, end = _minutes(window[0]), _minutes(window[1])
    return end <= start and minute < end


def rate(operation: Callable[[int], object], count: int) -> float:
    """Operations per second of ``operation(i)`` for i in range(count)."""
    began = time.perf_counter()
    for i in range(count):
        operation(i)
    return count / (time.perf_counter() - began)


def main() -> None:
    rng = random.Random(7)
    calendar = Calendar(ZONE, WEEKLY)
    starts = [YEAR_START + timedelta(minutes=rng.randrange(525_600)) for _ in range(10_000)]
    ends = [s + timedelta(minutes=rng.randrange(1, 20_000)) for s in starts]
    deltas = [timedelta(minutes=rng.randrange(1, 2_400)) for _ in starts]
    calendar.between(YEAR_START, YEAR_START + timedelta(days=400))  # build the cache once
    n = len(starts)
    count = 100_000
    add = rate(lambda i: calendar.add(starts[i % n], deltas[i % n]), count)
    between = rate(lambda i: calendar.between(starts[i % n], ends[i % n]), count)
    is_open = rate(lambda i: calendar.is_open(starts[i % n]), count)
    baseline = rate(lambda i: stepping_add(starts[i], deltas[i]), 40)
    assert all(
        calendar.add(starts[i], deltas[i]) == stepping_add(starts[i], deltas[i]) for i in range(10)
    )
    union = coverage([calendar, Calendar("Asia/Tokyo", WEEKLY), Calendar("Europe/Paris", WEEKLY)])
    union.between(YEAR_START, YEAR_START + timedelta(days=400))
    union_add = rate(lambda i: union.add(starts[i % n], deltas[i % n]), count)
    print(f"calendar add:      {add:12,.0f} ops/s  ({add / baseline:,.0f}x minute stepping)")
    print(f"calendar between:  {between:12,.0f} ops/s")
    print(f"calendar is_open:  {is_open:12,.0f} ops/s")
    print(f"coverage(3) add:   {union_add:12,.0f} ops/s")
    print(f"baseline stepping: {baseline:12,.0f} ops/s  (add by walking minutes, same inputs)")


if __name__ == "__main__":
    main()
