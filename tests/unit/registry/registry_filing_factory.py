"""Test data for filings: a filing that passes every rule, to be spoiled one rule at a time."""

from __future__ import annotations

import dataclasses
import datetime as dt

from services.registry.adapters.county_section import registry_rules
from services.registry.domain.filing import Course, FeeItem, Filing, Session, Teacher, WeeklySlot

CONFIG = registry_rules()  # from the tests' county file (tests/fixtures/county-test.yaml)
CALENDAR = CONFIG.calendar
T = dt.time
D = dt.date


def fee(**overrides) -> FeeItem:
    """A fee item within every limit: CNY 30 an hour, 20 hours, 1 month, CNY 600 per collection."""
    fields = dict(price_per_hour_fen=3000, grade_band="primary", class_size_band="small", hours_per_collection=20,
                  months_per_collection=1, amount_per_collection_fen=60000)
    fields.update(overrides)
    return FeeItem(**fields)


def session(day: dt.date = D(2025, 3, 4), start: dt.time = T(16, 30), end: dt.time = T(17, 30),
            mode: str = "offline", course: str | None = None) -> Session:
    """A class on a school day (a Tuesday in term) after school."""
    return Session(date=day, start=start, end=end, mode=mode, course=course)


def filing(**overrides) -> Filing:
    """A discipline filing for primary pupils that breaks no rule."""
    fields = dict(
        courses=(Course(subject="数学", grade_band="primary", materials=("人教版数学三年级上册",)),),
        teachers=(Teacher(name="李老师", qualification_certificate_no="20196107221000123"),),
        fee_items=(fee(),),
        timetable=(WeeklySlot(weekday=2, start=T(16, 30), end=T(17, 30)),),
        sessions=(session(),),
    )
    fields.update(overrides)
    return Filing(**fields)


def spoil(base: Filing, **changes) -> Filing:
    """The same filing with some parts replaced."""
    return dataclasses.replace(base, **changes)
