"""The official calendar: statutory holidays, adjusted working days, and years nobody has published yet."""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.calendar import COUNTY, OFFICIAL, WEEKDAYS, CalendarConfigError, OfficialCalendar, Vacation

D = dt.date
CALENDAR = OfficialCalendar()

# Weekend days made working days by the State Council General Office's notices on the 2024 and 2025
# holiday arrangements, written out here rather than read from the package under test.
ADJUSTED_WORKING_WEEKENDS = [
    D(2024, 2, 4), D(2024, 2, 18),  # Spring Festival 2024 (Sundays)
    D(2024, 9, 29), D(2024, 10, 12),  # National Day 2024 (Sunday, Saturday)
    D(2025, 1, 26), D(2025, 2, 8),  # Spring Festival 2025 (Sunday, Saturday)
    D(2025, 9, 28), D(2025, 10, 11),  # National Day 2025 (Sunday, Saturday)
]

known_dates = st.dates(min_value=D(2024, 1, 1), max_value=D(2026, 12, 31))
unknown_dates = st.dates(min_value=D(2031, 1, 1), max_value=D(2099, 12, 31))


@pytest.mark.parametrize("day", ADJUSTED_WORKING_WEEKENDS, ids=str)
def test_adjusted_working_weekend_is_a_working_day(day):
    answer = CALENDAR.day(day)
    assert day.weekday() >= 5
    assert answer.is_workday and answer.is_adjusted_workday
    assert not answer.provisional


@pytest.mark.parametrize("day", [D(2025, 1, 28) + dt.timedelta(days=n) for n in range(8)], ids=str)
def test_spring_festival_2025_break_is_a_statutory_holiday(day):
    answer = CALENDAR.day(day)
    assert answer.is_statutory_holiday
    assert answer.holiday_name == "Spring Festival"


def test_national_day_2024_is_a_statutory_holiday():
    assert CALENDAR.day(D(2024, 10, 1)).is_statutory_holiday
    assert CALENDAR.holiday_name(D(2024, 10, 1)) == "National Day"


def test_ordinary_saturday_is_a_rest_day_not_a_holiday():
    answer = CALENDAR.day(D(2025, 3, 1))
    assert answer.is_rest_day and not answer.is_statutory_holiday
    assert CALENDAR.is_holiday(D(2025, 3, 1)) and not CALENDAR.is_workday(D(2025, 3, 1))


@given(known_dates)
def test_published_years_follow_the_official_calendar(day):
    answer = CALENDAR.day(day)
    assert answer.source == OFFICIAL and not answer.provisional
    assert answer.is_workday == chinese_calendar.is_workday(day)
    # the kinds of day are exclusive and cover every date
    kinds = [answer.is_rest_day, answer.is_statutory_holiday, answer.is_workday]
    assert sum(kinds) == 1
    if answer.is_rest_day:
        assert day.weekday() >= 5
    if answer.is_adjusted_workday:
        assert answer.holiday_name is not None


def test_year_2031_is_provisional_and_never_raises():
    answer = CALENDAR.day(D(2031, 10, 1))  # National Day, but nobody has published 2031 yet
    assert answer.provisional and answer.source == WEEKDAYS
    assert answer.is_workday  # a Wednesday, counted Monday to Friday
    assert CALENDAR.is_provisional(D(2031, 10, 1))


@given(unknown_dates)
def test_unknown_years_count_monday_to_friday_provisionally(day):
    answer = CALENDAR.day(day)
    assert answer.provisional
    assert answer.is_workday == (day.weekday() < 5)
    assert answer.holiday_name is None


def test_county_configured_holidays_answer_for_an_unpublished_year():
    calendar = OfficialCalendar.from_config({
        "holidays": [{"name": "National Day", "from": "2031-10-01", "to": "2031-10-07"}],
        "workdays": [{"name": "National Day", "date": D(2031, 10, 11)}],
    })
    holiday = calendar.day(D(2031, 10, 2))
    assert holiday.is_statutory_holiday and holiday.holiday_name == "National Day"
    assert holiday.source == COUNTY and not holiday.provisional
    assert calendar.day(D(2031, 10, 11)).is_adjusted_workday  # a Saturday the county made a working day
    assert calendar.day(D(2031, 10, 12)).is_rest_day  # an ordinary Sunday in that configured year
    assert calendar.day(D(2032, 10, 1)).provisional  # the county configured 2031 only


def test_county_configuration_does_not_override_a_published_year():
    calendar = OfficialCalendar.from_config({"holidays": [{"name": "Made up", "date": "2025-03-04"}]})
    assert calendar.is_workday(D(2025, 3, 4))


@pytest.mark.parametrize("config", [
    {"holidays": [{"date": "2031-01-01"}]},
    {"holidays": [{"name": "x", "from": "2031-01-05", "to": "2031-01-01"}]},
    {"workdays": [{"name": "x", "date": "not a date"}]},
])
def test_malformed_county_days_are_refused(config):
    with pytest.raises(CalendarConfigError):
        OfficialCalendar.from_config(config)


def test_add_working_days_skips_the_national_day_break():
    assert CALENDAR.add_working_days(D(2025, 9, 30), 1) == D(2025, 10, 9)
    assert CALENDAR.add_working_days(D(2025, 10, 9), -1) == D(2025, 9, 30)
    assert CALENDAR.add_working_days(D(2025, 9, 27), 1) == D(2025, 9, 28)  # an adjusted Sunday counts


def test_add_working_days_runs_into_an_unpublished_year():
    assert CALENDAR.add_working_days(D(2026, 12, 31), 2) == D(2027, 1, 4)  # Fri 1 Jan, then Mon 4 Jan


@given(st.dates(min_value=D(2024, 1, 1), max_value=D(2027, 12, 31)), st.integers(min_value=0, max_value=40))
def test_add_working_days_lands_on_the_nth_working_day(start, n):
    end = CALENDAR.add_working_days(start, n)
    assert CALENDAR.working_days_between(start, end) == n
    if n:
        assert CALENDAR.is_workday(end)
        assert CALENDAR.add_working_days(end, -n) <= start


def test_working_days_between_is_signed():
    assert CALENDAR.working_days_between(D(2025, 10, 9), D(2025, 9, 30)) == -1
    assert CALENDAR.working_days_between(D(2025, 3, 3), D(2025, 3, 3)) == 0


def test_a_school_vacation_is_found_by_date_and_a_year_without_dates_is_provisional():
    calendar = OfficialCalendar(vacations={2027: [Vacation("summer", D(2027, 7, 10), D(2027, 8, 31)),
                                                  Vacation("winter", D(2027, 1, 23), D(2027, 2, 21))]})
    summer = calendar.vacation(D(2027, 8, 31))
    assert summer.vacation.kind == "summer" and not summer.provisional
    term = calendar.vacation(D(2027, 9, 1))
    assert term.vacation is None and not term.provisional  # the county gave 2027: a term day, for sure
    unknown = calendar.vacation(D(2028, 8, 1))
    assert unknown.vacation is None and unknown.provisional  # nobody gave 2028: a guess, never a refusal
    assert [v.kind for v in calendar.vacations(2027)] == ["winter", "summer"]
    assert calendar.vacation_years() == (2027,)
