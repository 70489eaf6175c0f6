"""The official calendar: statutory holidays and adjusted working days, never failing for an unknown year.

`chinese_calendar` knows the years the State Council has published (it raises NotImplementedError for
others). For a year it does not know we use the holidays the county file configured (`calendar.fallback`),
if any, and otherwise count Monday to Friday as working days and mark the answer provisional
(ARCHITECTURE.md, "Data"). School vacations are the county's own dates per year (`calendar.school_vacations`);
a year without them is answered provisionally too, never refused.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import chinese_calendar
import marshmallow as ma

OFFICIAL = "official"  # answered by chinese_calendar
COUNTY = "county"  # answered by the county configuration for a year chinese_calendar does not know
WEEKDAYS = "weekdays"  # nobody knows the year: Monday to Friday, provisional

_ONE_DAY = dt.timedelta(days=1)


class CalendarConfigError(ValueError):
    """The configured holidays, working days or vacations cannot be read."""


@dataclass(frozen=True, slots=True)
class Vacation:
    """A school vacation of compulsory education (inclusive dates)."""

    kind: str  # `winter` or `summer`
    start: dt.date
    end: dt.date


@dataclass(frozen=True, slots=True)
class VacationAnswer:
    """Whether a date falls in a school vacation, and whether the county gave dates for its year at all."""

    date: dt.date
    vacation: Vacation | None
    provisional: bool  # no vacation dates for this year: "not in a vacation" is a guess


@dataclass(frozen=True, slots=True)
class CalendarDay:
    """What the calendar says about one date."""

    date: dt.date
    is_workday: bool
    # the festival a holiday or an adjusted working day belongs to (chinese_calendar's English name)
    holiday_name: str | None
    source: str

    @property
    def is_holiday(self) -> bool:
        """Not a working day: a statutory holiday or a rest day."""
        return not self.is_workday

    @property
    def is_statutory_holiday(self) -> bool:
        """A day off that belongs to a named festival (including weekend days inside its break)."""
        return not self.is_workday and self.holiday_name is not None

    @property
    def is_rest_day(self) -> bool:
        """An ordinary weekend day off, not part of a festival's break."""
        return not self.is_workday and self.holiday_name is None

    @property
    def is_adjusted_workday(self) -> bool:
        """A Saturday or Sunday made a working day to bridge a festival (调休上班)."""
        return self.is_workday and self.date.weekday() >= 5

    @property
    def provisional(self) -> bool:
        """True when no published calendar covers the year: the holiday check is a guess."""
        return self.source == WEEKDAYS


class _CalendarSchema(ma.Schema):
    class Meta:
        unknown = ma.RAISE


class DaySchema(_CalendarSchema):
    """A named holiday or adjusted working day: `{name, date}` or `{name, from, to}` (inclusive)."""

    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1))
    date = ma.fields.Date()
    from_ = ma.fields.Date(data_key="from")
    to = ma.fields.Date()

    @ma.validates_schema
    def _one_date_or_a_range(self, data: dict, **_: Any) -> None:
        if "date" in data:
            if "from_" in data or "to" in data:
                raise ma.ValidationError("Give either date or from and to, not both.", "date")
        elif "from_" not in data or "to" not in data:
            raise ma.ValidationError("Needs a date, or from and to.", "date")
        elif data["to"] < data["from_"]:
            raise ma.ValidationError("Ends before it starts.", "to")

    @ma.post_load
    def _as_written(self, data: dict, **_: Any) -> dict:
        if "from_" in data:
            data["from"] = data.pop("from_")
        return data


class VacationSchema(_CalendarSchema):
    """A school vacation: `{kind: winter|summer, from, to}` (inclusive dates)."""

    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(("winter", "summer")))
    from_ = ma.fields.Date(required=True, data_key="from")
    to = ma.fields.Date(required=True)

    @ma.validates_schema
    def _in_order(self, data: dict, **_: Any) -> None:
        if data["to"] < data["from_"]:
            raise ma.ValidationError("Ends before it starts.", "to")

    @ma.post_load
    def _vacation(self, data: dict, **_: Any) -> Vacation:
        return Vacation(data["kind"], data["from_"], data["to"])


class FallbackSchema(_CalendarSchema):
    """Holidays and adjusted working days for years the official calendar does not know yet."""

    holidays = ma.fields.List(ma.fields.Nested(DaySchema), load_default=list)
    workdays = ma.fields.List(ma.fields.Nested(DaySchema), load_default=list)


def _expand(entries: Iterable[Mapping[str, Any]]) -> dict[dt.date, str]:
    """Turn checked `{name, date}` / `{name, from, to}` entries (DaySchema) into one name per date."""
    days: dict[dt.date, str] = {}
    for entry in entries:
        day, last = (entry["date"], entry["date"]) if "date" in entry else (entry["from"], entry["to"])
        while day <= last:
            days[day] = entry["name"]
            day += _ONE_DAY
    return days


class OfficialCalendar:
    """Working days and holidays of mainland China, with a county's days for years not yet published."""

    def __init__(self, holidays: Mapping[dt.date, str] | None = None,
                 workdays: Mapping[dt.date, str] | None = None,
                 vacations: Mapping[int, Iterable[Vacation]] | None = None):
        self._holidays = dict(holidays or {})
        self._workdays = dict(workdays or {})
        self._vacations = {year: tuple(sorted(found, key=lambda v: v.start))
                           for year, found in (vacations or {}).items()}
        # a county that configured any holiday of a year has configured that year
        self._county_years = {d.year for d in self._holidays}
        self._official_years: dict[int, bool] = {}
        self._days: dict[dt.date, CalendarDay] = {}  # answers are looked up many times per filing

    @classmethod
    def from_checked(cls, fallback: Mapping[str, Any] | None,
                     vacations: Mapping[int, Iterable[Vacation]] | None = None) -> OfficialCalendar:
        """Build from a fallback FallbackSchema has loaded (`{holidays, workdays}`) and vacations per year."""
        fallback = fallback or {}
        return cls(_expand(fallback.get("holidays", ())), _expand(fallback.get("workdays", ())), vacations)

    @classmethod
    def from_config(cls, fallback: Mapping[str, Any] | None) -> OfficialCalendar:
        """Build from `{holidays: [{name, from, to} | {name, date}], workdays: [...]}` as written in YAML."""
        try:
            return cls.from_checked(FallbackSchema().load(fallback or {}))
        except ma.ValidationError as exc:
            raise CalendarConfigError(f"calendar.fallback: {exc.messages}") from exc

    def knows_officially(self, year: int) -> bool:
        """Whether chinese_calendar has the published holidays of this year."""
        known = self._official_years.get(year)
        if known is None:
            try:
                chinese_calendar.get_holiday_detail(dt.date(year, 6, 1))
                known = True
            except NotImplementedError:
                known = False
            self._official_years[year] = known
        return known

    def day(self, date: dt.date) -> CalendarDay:
        """Everything the calendar knows about one date; never raises for an unknown year."""
        if isinstance(date, dt.datetime):
            date = date.date()
        found = self._days.get(date)
        if found is None:
            found = self._days[date] = self._lookup(date)
        return found

    def _lookup(self, date: dt.date) -> CalendarDay:
        if self.knows_officially(date.year):
            on_holiday, name = chinese_calendar.get_holiday_detail(date)
            return CalendarDay(date, not on_holiday, name, OFFICIAL)
        if date.year in self._county_years:
            if date in self._holidays:
                return CalendarDay(date, False, self._holidays[date], COUNTY)
            if date in self._workdays:
                return CalendarDay(date, True, self._workdays[date], COUNTY)
            return CalendarDay(date, date.weekday() < 5, None, COUNTY)
        return CalendarDay(date, date.weekday() < 5, None, WEEKDAYS)

    def vacation(self, date: dt.date) -> VacationAnswer:
        """The school vacation this date falls in, if any; provisional when its year has no vacation dates."""
        known = self._vacations.get(date.year)
        found = next((v for v in known or () if v.start <= date <= v.end), None)
        return VacationAnswer(date, found, provisional=not known)

    def vacation_on(self, date: dt.date) -> Vacation | None:
        """The school vacation this date falls in, if the county gave one."""
        return self.vacation(date).vacation

    def vacation_years(self) -> tuple[int, ...]:
        """The years the county gave school vacation dates for."""
        return tuple(sorted(self._vacations))

    def vacations(self, year: int) -> tuple[Vacation, ...]:
        """The school vacations the county gave for a year, in date order (none for a year without dates)."""
        return self._vacations.get(year, ())

    def is_workday(self, date: dt.date) -> bool:
        """Whether people work on this date (adjusted Saturdays and Sundays included)."""
        return self.day(date).is_workday

    def is_holiday(self, date: dt.date) -> bool:
        """Whether this date is a day off: a statutory holiday or a rest day."""
        return not self.day(date).is_workday

    def holiday_name(self, date: dt.date) -> str | None:
        """The festival this date belongs to, if any (also for an adjusted working day)."""
        return self.day(date).holiday_name

    def is_provisional(self, date: dt.date) -> bool:
        """Whether the answer for this date is a Monday-to-Friday guess."""
        return self.day(date).provisional

    def add_working_days(self, start: dt.date, n: int) -> dt.date:
        """The n-th working day after `start` (before it when n < 0); `start` itself when n == 0."""
        step = _ONE_DAY if n >= 0 else -_ONE_DAY
        remaining = abs(n)
        day = start
        while remaining:
            day += step
            if self.day(day).is_workday:
                remaining -= 1
        return day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """How many working days fall after `start` up to and including `end` (negative if end < start)."""
        if end < start:
            return -self.working_days_between(end, start)
        count, day = 0, start
        while day < end:
            day += _ONE_DAY
            count += self.day(day).is_workday
        return count
