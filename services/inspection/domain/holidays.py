"""A holiday campaign from the official calendar: the reminder day before the holiday, duty days during it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from shared.refusals import N_, Refused, Violation

RULES = {
    "holiday.not_published": N_("No calendar has published %(value)s in %(year)s yet: a holiday campaign is "
                                "generated once its dates are known."),
}


class Calendar(Protocol):
    """What the plan reads of the official calendar (the kit's `OfficialCalendar`)."""

    def day(self, date: dt.date): ...

    def add_working_days(self, start: dt.date, n: int) -> dt.date: ...


class HolidayUnknown(Refused):
    """The holiday's dates for that year are not published yet."""

    code = "holiday.not_published"
    message = N_("The holiday's dates are not published yet; see errors.")


@dataclass(frozen=True, slots=True)
class HolidayPlan:
    """When to remind institutions, and the days off to inspect on."""

    holiday: str
    remind_on: dt.date
    days: tuple[dt.date, ...]


def plan_holiday(calendar: Calendar, holiday: str, year: int) -> HolidayPlan:
    """The holiday's days off in that year and the last working day before them, or HolidayUnknown."""
    day, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    days: list[dt.date] = []
    while day <= last:
        answer = calendar.day(day)
        # a guess (a year nobody published) names no festival, so it never makes a holiday campaign
        if not answer.is_workday and answer.holiday_name == holiday and not answer.provisional:
            days.append(day)
        day += dt.timedelta(days=1)
    if not days:
        raise HolidayUnknown([Violation("holiday.not_published", "holiday", {"value": holiday, "year": year})])
    return HolidayPlan(holiday, calendar.add_working_days(days[0], -1), tuple(days))
