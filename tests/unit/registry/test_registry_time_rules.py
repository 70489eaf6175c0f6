"""Training-time rules: days off and vacations for discipline tutoring, end times and online pacing."""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import pytest
from hypothesis import given
from hypothesis import strategies as st
from registry_filing_factory import CALENDAR, CONFIG, D, T, filing, session

from services.registry.domain.filing import Course, WeeklySlot
from services.registry.domain.filing_rules import check_filing, review_filing

DAY_OFF_CODES = {"time.rest_day_discipline", "time.holiday_discipline"}


def violations(sessions=None, timetable=None, category="discipline", audience="primary", courses=None):
    changes = {}
    if sessions is not None:
        changes["sessions"] = tuple(sessions)
    if timetable is not None:
        changes["timetable"] = tuple(timetable)
    if courses is not None:
        changes["courses"] = tuple(courses)
    return check_filing(filing(**changes), category, audience, CONFIG, CALENDAR)


def codes(*args, **kwargs):
    return [v.code for v in violations(*args, **kwargs)]


def test_saturday_discipline_session_is_refused():
    [violation] = violations([session(D(2025, 3, 1))])
    assert violation.code == "time.rest_day_discipline" and violation.item == "sessions[0]"
    assert violation.params == {"date": "2025-03-01", "weekday": 6}


@pytest.mark.parametrize("day", [D(2024, 10, 12), D(2025, 10, 11), D(2024, 9, 29), D(2025, 9, 28)], ids=str)
def test_adjusted_working_saturday_allows_discipline_session(day):
    assert day.weekday() >= 5
    assert codes([session(day)]) == []


def test_statutory_holiday_discipline_session_is_refused_naming_the_holiday():
    [violation] = violations([session(D(2025, 10, 1))])
    assert violation.code == "time.holiday_discipline" and violation.params["holiday"] == "National Day"


def test_weekday_in_the_summer_vacation_is_refused():
    vacation = next(v for v in CONFIG.calendar.vacations(2025) if v.kind == "summer")
    day = vacation.start + dt.timedelta(days=(7 - vacation.start.weekday()) % 7)  # its first Monday
    [violation] = violations([session(day)])
    assert violation.code == "time.vacation_discipline"
    assert violation.params["vacation"] == "summer" and violation.params["from"] == vacation.start.isoformat()


def test_saturday_in_the_winter_vacation_breaks_two_rules():
    assert codes([session(D(2025, 1, 25))]) == ["time.rest_day_discipline", "time.vacation_discipline"]


def test_non_discipline_training_may_run_on_saturdays_holidays_and_vacations():
    arts = [session(D(2025, 3, 1)), session(D(2025, 10, 1)), session(D(2025, 7, 15))]
    assert codes(arts, category="non_discipline") == []


def test_discipline_tutoring_for_senior_secondary_only_may_run_on_saturday():
    senior = [Course(subject="物理", grade_band="senior_secondary", materials=("人教版物理必修一",))]
    assert codes([session(D(2025, 3, 1))], courses=senior, audience="senior_secondary") == []


def test_a_compulsory_course_makes_the_days_off_rules_apply_whatever_the_audience_says():
    junior = [Course(subject="英语", grade_band="junior_secondary", materials=("外研版英语七年级",))]
    assert codes([session(D(2025, 3, 1))], courses=junior, audience=["senior_secondary"]) == [
        "time.rest_day_discipline"]


def test_offline_class_ending_2045_is_refused():
    [violation] = violations([session(start=T(19, 45), end=T(20, 45))])
    assert violation.code == "time.offline_end_late"
    assert violation.params["end"] == "20:45" and violation.params["limit"] == "20:30"


def test_offline_class_ending_2030_is_accepted():
    assert codes([session(start=T(19, 30), end=T(20, 30))]) == []


@pytest.mark.parametrize(("minutes", "expected"), [(30, []), (31, ["time.online_too_long"])])
def test_online_class_lasts_at_most_30_minutes(minutes, expected):
    start = dt.datetime(2025, 3, 4, 19, 0)
    end = (start + dt.timedelta(minutes=minutes)).time()
    assert codes([session(start=start.time(), end=end, mode="online")]) == expected


def test_online_class_ending_2105_is_refused():
    assert codes([session(start=T(20, 40), end=T(21, 5), mode="online")]) == ["time.online_end_late"]


def test_online_classes_9_minutes_apart_are_refused():
    first, second = session(start=T(19), end=T(19, 30), mode="online"), session(start=T(19, 39), end=T(20, 5),
                                                                                  mode="online")
    [violation] = violations([second, first])  # the order filed does not matter
    assert violation.code == "time.online_gap_short" and violation.item == "sessions[0]"
    assert violation.params["gap_minutes"] == 9 and violation.params["previous"] == "sessions[1]"


def test_online_classes_10_minutes_apart_or_of_different_courses_are_accepted():
    assert codes([session(start=T(19), end=T(19, 30), mode="online"),
                  session(start=T(19, 40), end=T(20, 10), mode="online")]) == []
    assert codes([session(start=T(19), end=T(19, 30), mode="online", course="数学"),
                  session(start=T(19, 5), end=T(19, 35), mode="online", course="英语")]) == []


def test_overlapping_online_classes_of_one_course_are_refused():
    assert codes([session(start=T(19), end=T(19, 30), mode="online"),
                  session(start=T(19, 20), end=T(19, 45), mode="online")]) == ["time.online_overlap"]


@pytest.mark.parametrize("end", [T(16), T(16, 30)])
def test_class_ending_before_it_starts_is_refused(end):
    assert codes([session(start=T(16, 30), end=end)]) == ["time.end_before_start"]


def test_unknown_mode_is_refused():
    assert codes([session(mode="hybrid")]) == ["time.unknown_mode"]


@pytest.mark.parametrize("weekday", [6, 7])
def test_weekly_weekend_slot_is_refused_for_discipline(weekday):
    slot = WeeklySlot(weekday=weekday, start=T(9), end=T(10))
    [violation] = violations(timetable=[slot])
    assert violation.code == "time.weekly_rest_day_discipline" and violation.item == "timetable[0]"


def test_weekly_weekend_slot_is_accepted_for_non_discipline():
    assert codes(timetable=[WeeklySlot(weekday=6, start=T(9), end=T(10))], category="non_discipline") == []


def test_weekly_slots_follow_the_end_time_and_pacing_rules():
    slots = [WeeklySlot(weekday=3, start=T(19, 50), end=T(20, 40)),
             WeeklySlot(weekday=4, start=T(19), end=T(19, 30), mode="online"),
             WeeklySlot(weekday=4, start=T(19, 35), end=T(20), mode="online"),
             WeeklySlot(weekday=9, start=T(9), end=T(10))]
    found = [(v.code, v.item) for v in violations(timetable=slots)]
    assert found == [("time.offline_end_late", "timetable[0]"), ("time.online_gap_short", "timetable[2]"),
                     ("time.unknown_weekday", "timetable[3]")]


def test_session_in_an_unpublished_year_is_checked_provisionally_not_refused():
    check = review_filing(filing(sessions=(session(D(2031, 10, 1)),)), "discipline", "primary", CONFIG, CALENDAR)
    assert check.accepted  # a Wednesday: nobody knows yet that it is National Day
    assert [(n.code, n.params["year"]) for n in check.notices] == [("notice.holiday_check_provisional", 2031),
                                                                   ("notice.vacation_check_provisional", 2031)]
    [saturday] = check_filing(filing(sessions=(session(D(2031, 10, 4)),)), "discipline", "primary", CONFIG,
                              CALENDAR)
    assert saturday.code == "time.rest_day_discipline" and saturday.params["provisional"] is True


known_days = st.dates(min_value=D(2024, 1, 1), max_value=D(2026, 12, 31))


@given(known_days)
def test_discipline_session_is_refused_exactly_on_official_days_off(day):
    found = set(codes([session(day)]))
    on_holiday, name = chinese_calendar.get_holiday_detail(day)
    assert bool(found & DAY_OFF_CODES) == on_holiday
    assert ("time.holiday_discipline" in found) == (on_holiday and name is not None)
    assert ("time.vacation_discipline" in found) == any(
        v.start <= day <= v.end for v in CONFIG.calendar.vacations(day.year))


@given(st.sampled_from(sorted(d for d in chinese_calendar.workdays if d.weekday() >= 5 and d.year <= 2026)))
def test_every_adjusted_working_weekend_allows_discipline_tutoring(day):
    assert not set(codes([session(day)])) & DAY_OFF_CODES


@given(st.integers(min_value=1, max_value=90), st.integers(min_value=8 * 60, max_value=20 * 60))
def test_online_class_is_refused_when_longer_than_the_limit(minutes, start_minute):
    start = dt.datetime(2025, 3, 4) + dt.timedelta(minutes=start_minute)
    end = start + dt.timedelta(minutes=minutes)
    found = codes([session(start=start.time(), end=end.time(), mode="online")])
    assert ("time.online_too_long" in found) == (minutes > 30)
    assert ("time.online_end_late" in found) == (end.time() > T(21))
