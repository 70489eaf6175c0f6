"""Training-time rules for dated sessions and the weekly timetable (values from the county configuration)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, Protocol

from services.registry.domain.county_config import RegistryRules
from services.registry.domain.errors import Violation
from services.registry.domain.filing import MODES, OFFLINE, Session, WeeklySlot


class CalendarDayLike(Protocol):
    """What the rules need to know about a date (see `shared.calendar.CalendarDay`)."""

    is_workday: bool
    holiday_name: str | None

    @property
    def provisional(self) -> bool: ...


class Calendar(Protocol):
    """The calendar the rules consult (`shared.calendar.OfficialCalendar`)."""

    def day(self, date: dt.date) -> CalendarDayLike: ...


def _minutes(moment: dt.time) -> int:
    return moment.hour * 60 + moment.minute


def _hhmm(moment: dt.time) -> str:
    return moment.strftime("%H:%M")


def _time_of_day(label: str, item: Session | WeeklySlot, context: dict[str, Any],
                 config: RegistryRules, found: list[Violation]) -> bool:
    """Check when one class starts and ends; True when it can take part in the online pacing check."""
    rules = config.training_time
    if item.mode not in MODES:
        found.append(Violation("time.unknown_mode", label, {**context, "mode": str(item.mode)}))
        return False
    if _minutes(item.end) <= _minutes(item.start):
        found.append(Violation("time.end_before_start", label,
                               {**context, "start": _hhmm(item.start), "end": _hhmm(item.end)}))
        return False
    if item.mode == OFFLINE:
        if item.end > rules.offline_end_by:
            found.append(Violation("time.offline_end_late", label, {
                **context, "end": _hhmm(item.end), "limit": _hhmm(rules.offline_end_by)}))
        return False
    length = _minutes(item.end) - _minutes(item.start)
    if length > rules.online_max_minutes:
        found.append(Violation("time.online_too_long", label,
                               {**context, "minutes": length, "limit": rules.online_max_minutes}))
    if item.end > rules.online_end_by:
        found.append(Violation("time.online_end_late", label,
                               {**context, "end": _hhmm(item.end), "limit": _hhmm(rules.online_end_by)}))
    return True


def _pacing(paced: list[tuple[Any, str, Session | WeeklySlot, dict[str, Any]]], config: RegistryRules,
            per_item: dict[str, list[Violation]]) -> None:
    """Online classes of one course on one day must leave a gap between them."""
    min_gap = config.training_time.online_min_gap_minutes
    paced.sort(key=lambda entry: (entry[0], _minutes(entry[2].start)))
    previous = None  # (key, label, end minute) of the class that ends last so far that day
    for key, label, item, context in paced:
        if previous is not None and previous[0] == key:
            gap = _minutes(item.start) - previous[2]
            if gap < 0:
                per_item[label].append(Violation("time.online_overlap", label,
                                                 {**context, "previous": previous[1]}))
            elif gap < min_gap:
                per_item[label].append(Violation("time.online_gap_short", label, {
                    **context, "gap_minutes": gap, "limit": min_gap, "previous": previous[1]}))
        if previous is None or previous[0] != key or _minutes(item.end) > previous[2]:
            previous = (key, label, _minutes(item.end))


def _date_rules(label: str, session: Session, context: dict[str, Any], config: RegistryRules,
                calendar: Calendar, found: list[Violation]) -> None:
    """No discipline tutoring for compulsory-education students on days off or in school vacations."""
    day = calendar.day(session.date)
    if not day.is_workday:
        extra = {"provisional": True} if day.provisional else {}
        if day.holiday_name:
            found.append(Violation("time.holiday_discipline", label,
                                   {**context, "holiday": day.holiday_name, **extra}))
        else:
            found.append(Violation("time.rest_day_discipline", label, {**context, **extra}))
    vacation = config.vacation_on(session.date)
    if vacation is not None:
        found.append(Violation("time.vacation_discipline", label, {
            **context, "vacation": vacation.kind, "from": vacation.start.isoformat(),
            "to": vacation.end.isoformat()}))


def check_sessions(sessions: Sequence[Session], *, restricted: bool, config: RegistryRules,
                   calendar: Calendar) -> list[Violation]:
    """Every broken time rule of the dated sessions, in session order."""
    per_item: dict[str, list[Violation]] = {}
    paced = []
    for index, session in enumerate(sessions):
        label = f"sessions[{index}]"
        found = per_item[label] = []
        context = {"date": session.date.isoformat(), "weekday": session.date.isoweekday()}
        if _time_of_day(label, session, context, config, found):
            paced.append(((session.date, session.course or ""), label, session, context))
        if restricted:
            _date_rules(label, session, context, config, calendar, found)
    _pacing(paced, config, per_item)
    return [violation for found in per_item.values() for violation in found]


def check_timetable(slots: Sequence[WeeklySlot], *, restricted: bool,
                    config: RegistryRules) -> list[Violation]:
    """Every broken time rule of the weekly timetable, in timetable order."""
    per_item: dict[str, list[Violation]] = {}
    paced = []
    for index, slot in enumerate(slots):
        label = f"timetable[{index}]"
        found = per_item[label] = []
        if isinstance(slot.weekday, bool) or slot.weekday not in range(1, 8):
            found.append(Violation("time.unknown_weekday", label, {"weekday": str(slot.weekday)}))
            continue
        context = {"weekday": slot.weekday}
        if _time_of_day(label, slot, context, config, found):
            paced.append(((slot.weekday, slot.course or ""), label, slot, context))
        # a weekly Saturday or Sunday class falls on rest days almost every week; adjusted working
        # weekends are one-off dates and are filed as sessions
        if restricted and slot.weekday >= 6:
            found.append(Violation("time.weekly_rest_day_discipline", label, dict(context)))
    _pacing(paced, config, per_item)
    return [violation for found in per_item.values() for violation in found]
