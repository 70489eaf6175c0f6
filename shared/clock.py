"""The clock scheduled checks and use cases read "now" and "today" from: the system's, or one a test sets.

Times are UTC (`now()`); dates are the county's local dates (`today()`, Asia/Shanghai, UTC+8 all year:
China keeps no daylight saving time, so a fixed offset needs no time zone database). The app carries one
(`app.extensions["offcampus.clock"]`, see `current_clock`) and so does the worker, which hands it to each
scheduled check and lets every one of its threads read it (`clock_in_use`): an event handler, whose
signature carries no clock, asks `current_clock()` as a view does.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Protocol

from flask import current_app, has_app_context

LOCAL_TZ = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")
EXTENSION = "offcampus.clock"


class Clock(Protocol):
    """Where "now" comes from."""

    def now(self) -> dt.datetime:
        """The current instant, timezone-aware, in UTC."""
        ...

    def today(self) -> dt.date:
        """Today's date in the county (Asia/Shanghai)."""
        ...


class SystemClock:
    """The machine's clock."""

    def now(self) -> dt.datetime:
        """The current instant, in UTC."""
        return dt.datetime.now(dt.UTC)

    def today(self) -> dt.date:
        """Today in the county."""
        return self.now().astimezone(LOCAL_TZ).date()


class FixedClock:
    """A clock that stands still until told otherwise: tests set the day and see what a check does then."""

    def __init__(self, at: dt.datetime | dt.date):
        self._lock = threading.Lock()
        self._at = _instant(at)

    def set(self, at: dt.datetime | dt.date) -> None:
        """Move the clock to an instant, or to local noon of a date."""
        with self._lock:
            self._at = _instant(at)

    def advance(self, by: dt.timedelta) -> None:
        """Move the clock forward (or back, with a negative delta)."""
        with self._lock:
            self._at += by

    def now(self) -> dt.datetime:
        """The instant the clock was set to, in UTC."""
        with self._lock:
            return self._at

    def today(self) -> dt.date:
        """The county's date at that instant."""
        return self.now().astimezone(LOCAL_TZ).date()


class ShiftedClock:
    """The machine's clock moved by a fixed amount: processes of a rehearsal all live on another day (a
    holiday's reminder day, say) and run on from there, each reading the same time whenever it started."""

    def __init__(self, shift: dt.timedelta):
        self.shift = shift

    def now(self) -> dt.datetime:
        """The shifted instant, in UTC."""
        return dt.datetime.now(dt.UTC) + self.shift

    def today(self) -> dt.date:
        """The county's date at the shifted instant."""
        return self.now().astimezone(LOCAL_TZ).date()


def configured_clock(settings) -> Clock:
    """The system clock, or with `clock_shift_seconds` (`OFFCAMPUS_CLOCK_SHIFT_SECONDS`) one shifted by that
    much: rehearsals and end-to-end tests. Refused in production, whose records must carry real times."""
    if not settings.clock_shift_seconds:
        return SYSTEM_CLOCK
    if settings.env == "production":
        raise ValueError("OFFCAMPUS_CLOCK_SHIFT_SECONDS is for rehearsals and tests: refused when OFFCAMPUS_ENV "
                         "is production")
    return ShiftedClock(dt.timedelta(seconds=settings.clock_shift_seconds))


def _instant(at: dt.datetime | dt.date) -> dt.datetime:
    if isinstance(at, dt.datetime):
        if at.tzinfo is None:
            raise ValueError("a clock is set to a timezone-aware instant (or a date)")
        return at.astimezone(dt.UTC)
    # a bare date is its local noon: far from midnight, so "today" is that date in every time zone we use
    return dt.datetime.combine(at, dt.time(12), LOCAL_TZ).astimezone(dt.UTC)


SYSTEM_CLOCK = SystemClock()


_IN_USE: ContextVar[Clock | None] = ContextVar("offcampus_clock_in_use", default=None)


@contextmanager
def clock_in_use(clock: Clock) -> Iterator[Clock]:
    """Within the block (in this thread), `current_clock()` answers `clock`: a worker's threads run in one."""
    token = _IN_USE.set(clock)
    try:
        yield clock
    finally:
        _IN_USE.reset(token)


def current_clock() -> Clock:
    """The clock in use (a worker's), else the running app's inside a request, else the system clock."""
    in_use = _IN_USE.get()
    if in_use is not None:
        return in_use
    if has_app_context():
        return current_app.extensions.get(EXTENSION, SYSTEM_CLOCK)
    return SYSTEM_CLOCK
