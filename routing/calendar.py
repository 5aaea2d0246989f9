"""Business-hours calendars: local weekly windows turned into merged UTC intervals.

Following zendesk/biz, a calendar converts its wall-clock windows into UTC intervals one local
date at a time, merges adjacent and overlapping intervals (a 24/7 calendar is one interval, so
nothing is lost at midnight) and answers every query by bisecting that list.  Intervals are built
lazily in 28-day chunks of UTC time and kept, so steady-state queries cost O(log n).

Rules (all intervals are half-open, [open, close)):

* A window ``("HH:MM", "HH:MM")`` belongs to the local date on which it starts; an end at or
  before its start runs past midnight, ``00:00``-``00:00`` is a whole day and ``24:00`` is
  accepted as an end.  A holiday closes the windows that *start* on that date.
* DST gap: a wall-clock time that does not exist (start or end) means the first valid instant
  after it, i.e. the transition instant.  A window lying wholly inside a gap is empty.
* DST fold: a start at an ambiguous time takes the earlier instant (fold=0) and an end takes the
  later one (fold=1), so the window's whole wall-clock span is covered.
* Overrides (:class:`Shift`) take aware datetimes as instants or naive datetimes as wall-clock
  times in the calendar's zone (converted by the rules above).  Extra shifts are added to the
  weekly windows; closures are then cut out of both.
* ``next_open``/``next_close`` search at most about three years ahead and raise
  :class:`NeverOpenError` / :class:`AlwaysOpenError` (both ``ValueError``) beyond that.
* Results are aware UTC datetimes; naive arguments raise ``ValueError``.
"""

from __future__ import annotations

import re
import threading
from abc import ABC, abstractmethod
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MINUTES_PER_DAY = 1440

_US = timedelta(microseconds=1)
_ZERO = timedelta(0)
_SECOND_US = 1_000_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NAIVE_EPOCH = datetime(1970, 1, 1)
_CHUNK_US = 28 * 86_400 * _SECOND_US
_HORIZON_US = 40 * _CHUNK_US  # about three years
_CLOCK = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")

Interval = tuple[int, int]
"""[start, end) in microseconds since the Unix epoch."""


class NeverOpenError(ValueError):
    """The calendar has no open time within the search horizon."""


class AlwaysOpenError(ValueError):
    """The calendar does not close within the search horizon."""


@dataclass(frozen=True, slots=True)
class Shift:
    """A one-off override of a team calendar: an extra shift or a closure, in local time."""

    start: datetime
    end: datetime
    kind: Literal["extra", "closure"]


class Window(NamedTuple):
    """A weekly window: minutes after local midnight of its start day, and its length."""

    start: int
    minutes: int


def parse_clock(text: str, *, is_end: bool = False) -> int:
    """Minutes after midnight of an ``HH:MM`` time; ``24:00`` only as an end."""
    if is_end and text == "24:00":
        return MINUTES_PER_DAY
    match = _CLOCK.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        allowed = "00:00 to 24:00" if is_end else "00:00 to 23:59"
        raise ValueError(f"bad time {text!r}: expected HH:MM from {allowed}")
    return int(match[1]) * 60 + int(match[2])


def parse_window(start: str, end: str) -> Window:
    """A window from its start and end; an end at or before the start runs past midnight."""
    first = parse_clock(start)
    last = parse_clock(end, is_end=True)
    minutes = last - first if last > first else MINUTES_PER_DAY - first + last
    return Window(first, minutes)


def parse_weekly(weekly: Mapping[str, Sequence[Sequence[str]]]) -> tuple[tuple[Window, ...], ...]:
    """Windows per weekday (Monday first) from a ``mon``..``sun`` mapping."""
    days: list[list[Window]] = [[] for _ in WEEKDAYS]
    for day, windows in weekly.items():
        if day not in WEEKDAYS:
            raise ValueError(f"unknown weekday {day!r}: expected one of {', '.join(WEEKDAYS)}")
        for window in windows:
            if len(window) != 2:
                raise ValueError(f"{day}: a window is a (start, end) pair, got {window!r}")
            days[WEEKDAYS.index(day)].append(parse_window(window[0], window[1]))
    return tuple(tuple(sorted(windows)) for windows in days)


def load_zone(name: str) -> ZoneInfo:
    """The IANA zone ``name``, or ValueError naming it."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as error:
        raise ValueError(f"unknown time zone {name!r}") from error


def to_us(moment: datetime) -> int:
    """Microseconds since the epoch of an aware datetime."""
    try:
        return (moment - _EPOCH) // _US
    except TypeError as error:
        raise ValueError(f"naive datetime {moment!r}: pass a timezone-aware datetime") from error


def from_us(micros: int) -> datetime:
    """The aware UTC datetime ``micros`` microseconds after the epoch."""
    return _EPOCH + timedelta(microseconds=micros)


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted union of intervals; touching intervals are joined, empty ones dropped."""
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def subtract(intervals: list[Interval], cuts: Sequence[Interval]) -> list[Interval]:
    """Merged ``intervals`` minus every cut."""
    result = intervals
    for cut_start, cut_end in cuts:
        pieces: list[Interval] = []
        for start, end in result:
            if end <= cut_start or start >= cut_end:
                pieces.append((start, end))
                continue
            if start < cut_start:
                pieces.append((start, cut_start))
            if end > cut_end:
                pieces.append((cut_end, end))
        result = pieces
    return result


def clip(intervals: Iterable[Interval], lo: int, hi: int) -> list[Interval]:
    """The parts of sorted intervals inside [lo, hi)."""
    return [(max(s, lo), min(e, hi)) for s, e in intervals if e > lo and s < hi]


@dataclass(frozen=True, slots=True)
class _Span:
    """Merged intervals known inside [lo, hi); ``cum[i]`` is the open time from lo to ends[i]."""

    lo: int
    hi: int
    starts: list[int]
    ends: list[int]
    cum: list[int]

    def open_before(self, at: int) -> int:
        """Open time in [lo, at)."""
        i = bisect_right(self.starts, at) - 1
        if i < 0:
            return 0
        start, end = self.starts[i], self.ends[i]
        return self.cum[i] - (end - start) + min(at, end) - start


def _pairs(span: _Span) -> list[Interval]:
    return list(zip(span.starts, span.ends, strict=True))


def _join(lo: int, hi: int, head: list[Interval], tail: list[Interval]) -> _Span:
    """One span over [lo, hi) from two adjacent runs of intervals, joined where they touch."""
    if head and tail and head[-1][1] == tail[0][0]:
        head = [*head[:-1], (head[-1][0], tail[0][1])]
        tail = tail[1:]
    return _span(lo, hi, head + tail)


def _span(lo: int, hi: int, intervals: Sequence[Interval]) -> _Span:
    starts, ends, cum, total = [], [], [], 0
    for start, end in intervals:
        total += end - start
        starts.append(start)
        ends.append(end)
        cum.append(total)
    return _Span(lo, hi, starts, ends, cum)


class Schedule(ABC):
    """Open/closed time over UTC, with business-time arithmetic; see the module docstring."""

    def __init__(self) -> None:
        self._known: _Span | None = None
        self._lock = threading.Lock()
        self._last_state: tuple[int, int, bool] = (0, 0, False)
        """[low, high) around the last is_open query, and whether it is open throughout."""

    @abstractmethod
    def _generate(self, lo: int, hi: int) -> list[Interval]:
        """Merged open intervals clipped to [lo, hi)."""

    @abstractmethod
    def may_open(self) -> bool:
        """False when the schedule has no windows or extra shifts at all."""

    def is_open(self, t: datetime) -> bool:
        return self.is_open_us(to_us(t))

    def is_open_us(self, at: int) -> bool:
        """``is_open`` for an instant given in microseconds since the epoch (hot paths)."""
        low, high, is_open = self._last_state
        if low <= at < high:
            return is_open
        span = self._known
        if span is None or not span.lo <= at < span.hi:
            span = self._covering(at)
        starts, ends = span.starts, span.ends
        i = bisect_right(starts, at) - 1
        if i >= 0 and at < ends[i]:
            self._last_state = (starts[i], ends[i], True)
            return True
        low = ends[i] if i >= 0 else span.lo
        high = starts[i + 1] if i + 1 < len(starts) else span.hi
        self._last_state = (low, high, False)
        return False

    def next_open(self, t: datetime) -> datetime:
        """The earliest open instant at or after ``t`` (``t`` itself when open)."""
        opens = self.next_open_us(to_us(t))
        if opens is None:
            raise NeverOpenError(f"no opening hours within three years after {t.isoformat()}")
        return from_us(opens)

    def next_open_us(self, at: int) -> int | None:
        """``next_open`` in epoch microseconds (hot paths); None where it raises NeverOpenError."""
        span = self._covering(at)
        j = bisect_right(span.starts, at)
        if j > 0 and at < span.ends[j - 1]:
            return at
        while j >= len(span.starts):
            if span.hi - at > _HORIZON_US or not self.may_open():
                return None
            span = self._grow()
            j = bisect_right(span.starts, at)
        return span.starts[j]

    def next_close(self, t: datetime) -> datetime:
        """The earliest closed instant at or after ``t`` (``t`` itself when closed)."""
        at = to_us(t)
        span = self._covering(at)
        i = bisect_right(span.starts, at) - 1
        if i < 0 or at >= span.ends[i]:
            return from_us(at)
        while span.ends[i] >= span.hi:
            if span.hi - at > _HORIZON_US:
                raise AlwaysOpenError(f"open for three years after {t.isoformat()}")
            span = self._grow()
            i = bisect_right(span.starts, at) - 1
        return from_us(span.ends[i])

    def add(self, t: datetime, delta: timedelta) -> datetime:
        """The earliest instant by which ``delta`` of open time has passed since ``t``."""
        if delta < _ZERO:
            raise ValueError(f"cannot add negative business time {delta}")
        at = to_us(t)
        if not delta:
            return from_us(at)
        amount = delta // _US
        span = self._covering(at)
        while True:
            target = span.open_before(at) + amount
            if span.cum and span.cum[-1] >= target:
                break
            last_open = max(at, span.ends[-1]) if span.ends else at
            if span.hi - last_open > _HORIZON_US or not self.may_open():
                raise NeverOpenError(f"no opening hours within three years after {t.isoformat()}")
            span = self._grow()
        i = bisect_left(span.cum, target)
        return from_us(span.ends[i] - (span.cum[i] - target))

    def between(self, a: datetime, b: datetime) -> timedelta:
        """Open time from ``a`` to ``b``; negative when ``b`` is before ``a``."""
        start, end = to_us(a), to_us(b)
        self._covering(start)
        span = self._covering(end)
        return timedelta(microseconds=span.open_before(end) - span.open_before(start))

    def periods(self, a: datetime, b: datetime) -> list[tuple[datetime, datetime]]:
        """The open periods inside [a, b), clipped to it."""
        start, end = to_us(a), to_us(b)
        if end <= start:
            return []
        return [(from_us(s), from_us(e)) for s, e in self.intervals(start, end)]

    def intervals(self, lo: int, hi: int) -> list[Interval]:
        """Merged open intervals clipped to [lo, hi), in epoch microseconds."""
        self._covering(lo)
        span = self._covering(hi - 1)
        first = bisect_right(span.ends, lo)
        last = bisect_left(span.starts, hi)
        pairs = zip(span.starts[first:last], span.ends[first:last], strict=True)
        return [(max(s, lo), min(e, hi)) for s, e in pairs]

    def _covering(self, at: int) -> _Span:
        span = self._known
        if span is not None and span.lo <= at < span.hi:
            return span
        with self._lock:
            span = self._known
            if span is None:
                lo = at // _CHUNK_US * _CHUNK_US
                span = _span(lo, lo + _CHUNK_US, self._generate(lo, lo + _CHUNK_US))
            while at < span.lo:
                lo = span.lo - _CHUNK_US
                span = _join(lo, span.hi, self._generate(lo, span.lo), _pairs(span))
            while at >= span.hi:
                hi = span.hi + _CHUNK_US
                span = _join(span.lo, hi, _pairs(span), self._generate(span.hi, hi))
            self._known = span
        return span

    def _grow(self) -> _Span:
        """Extend the known span by one chunk forward."""
        with self._lock:
            span = self._known
            assert span is not None
            hi = span.hi + _CHUNK_US
            span = _join(span.lo, hi, _pairs(span), self._generate(span.hi, hi))
            self._known = span
        return span


class Calendar(Schedule):
    """A team's opening hours in its own time zone; see the module docstring for the rules."""

    def __init__(
        self,
        timezone: str,
        weekly: Mapping[str, Sequence[Sequence[str]]],
        holidays: Iterable[date] = (),
        overrides: Iterable[Shift] = (),
        *,
        public_holiday: Callable[[date], bool] | None = None,
    ) -> None:
        """``public_holiday`` is an optional lazy predicate (e.g. a ``holidays`` lookup)."""
        super().__init__()
        self.zone = load_zone(timezone)
        self.weekly = parse_weekly(weekly)
        self.holidays = frozenset(holidays)
        self._public_holiday = public_holiday
        extras: list[Interval] = []
        closures: list[Interval] = []
        for shift in overrides:
            if (shift.start.tzinfo is None) != (shift.end.tzinfo is None):
                raise ValueError(f"override mixes naive and aware times: {shift}")
            if shift.end <= shift.start:
                raise ValueError(f"override ends before it starts: {shift.start} - {shift.end}")
            interval = (self._instant(shift.start, is_end=False), self._instant(shift.end, True))
            (extras if shift.kind == "extra" else closures).append(interval)
        self._extras = merge(extras)
        self._closures = merge(closures)

    def may_open(self) -> bool:
        return bool(self._extras) or any(self.weekly)

    def is_holiday(self, day: date) -> bool:
        if day in self.holidays:
            return True
        return self._public_holiday is not None and self._public_holiday(day)

    def _generate(self, lo: int, hi: int) -> list[Interval]:
        day = from_us(lo).date() - timedelta(days=2)
        last = from_us(hi - 1).date() + timedelta(days=1)
        raw: list[Interval] = []
        while day <= last:
            windows = self.weekly[day.weekday()]
            if windows and not self.is_holiday(day):
                midnight = datetime.combine(day, time())
                for window in windows:
                    wall_start = midnight + timedelta(minutes=window.start)
                    wall_end = wall_start + timedelta(minutes=window.minutes)
                    raw.append((self._wall_us(wall_start, False), self._wall_us(wall_end, True)))
            day += timedelta(days=1)
        raw.extend(clip(self._extras, lo, hi))
        opened = subtract(merge(raw), clip(self._closures, lo, hi))
        return clip(opened, lo, hi)

    def _instant(self, moment: datetime, is_end: bool) -> int:
        if moment.tzinfo is None:
            return self._wall_us(moment, is_end)
        return to_us(moment)

    def _wall_us(self, wall: datetime, is_end: bool) -> int:
        """The instant of a local wall-clock time under the gap and fold rules."""
        offset0 = wall.replace(tzinfo=self.zone, fold=0).utcoffset()
        offset1 = wall.replace(tzinfo=self.zone, fold=1).utcoffset()
        assert offset0 is not None and offset1 is not None
        instant0 = (wall - offset0 - _NAIVE_EPOCH) // _US
        instant1 = (wall - offset1 - _NAIVE_EPOCH) // _US
        if instant0 <= instant1:  # an ordinary time, or a fold (instant0 is the earlier)
            return instant1 if is_end else instant0
        return self._transition_us(instant1, instant0)

    def _transition_us(self, before: int, after: int) -> int:
        """The instant in (before, after] at which the zone's UTC offset changes."""
        low, high = before // _SECOND_US, -(-after // _SECOND_US)
        offset_low = self._offset_at(low)
        while high - low > 1:
            middle = (low + high) // 2
            if self._offset_at(middle) == offset_low:
                low = middle
            else:
                high = middle
        return high * _SECOND_US

    def _offset_at(self, seconds: int) -> timedelta | None:
        return from_us(seconds * _SECOND_US).astimezone(self.zone).utcoffset()


class Coverage(Schedule):
    """The union of several schedules: open whenever any member is open."""

    def __init__(self, members: Iterable[Schedule]) -> None:
        super().__init__()
        self.members = tuple(members)

    def may_open(self) -> bool:
        return any(member.may_open() for member in self.members)

    def _generate(self, lo: int, hi: int) -> list[Interval]:
        return merge(piece for member in self.members for piece in member.intervals(lo, hi))


def coverage(calendars: Iterable[Schedule]) -> Coverage:
    """The follow-the-sun calendar: open whenever any of ``calendars`` is open."""
    return Coverage(calendars)
