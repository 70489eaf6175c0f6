"""Filing rules on fees, teachers, courses and completeness; every broken rule listed with its own code."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from registry_filing_factory import CALENDAR, CONFIG, D, T, fee, filing, session, spoil

from services.registry.adapters.county_section import rules_of
from services.registry.domain.filing import Course, FeeItem, Teacher
from services.registry.domain.filing_rules import check_filing, review_filing
from shared.county import configured_county


def _registry_section():
    """The registry's section of the tests' county file, as written, to derive a variant from."""
    return yaml.safe_load(Path(configured_county().source).read_text(encoding="utf-8"))["registry"]


def codes(filed, category="discipline", audience="primary", config=CONFIG, **kwargs):
    return [v.code for v in check_filing(filed, category, audience, config, CALENDAR, **kwargs)]


def test_filing_within_every_rule_is_accepted():
    check = review_filing(filing(), "discipline", "primary", CONFIG, CALENDAR)
    assert check.accepted and check.violations == () and check.notices == ()
    assert check.config_version == CONFIG.version


@pytest.mark.parametrize(("hours", "amount"), [(60, 180000), (59, 177000)])
def test_prepaid_60_hours_or_fewer_accepted(hours, amount):
    assert codes(filing(fee_items=(fee(hours_per_collection=hours, amount_per_collection_fen=amount),))) == []


def test_prepaid_61_hours_refused():
    filed = filing(fee_items=(fee(hours_per_collection=61, amount_per_collection_fen=183000),))
    [violation] = check_filing(filed, "discipline", "primary", CONFIG, CALENDAR)
    assert violation.code == "fee.prepaid_hours" and violation.item == "fee_items[0]"
    assert violation.params == {"hours": 61, "limit": 60}


def test_prepaid_4_months_refused():
    assert codes(filing(fee_items=(fee(months_per_collection=4),))) == ["fee.prepaid_months"]


def test_prepaid_5000_yuan_accepted():
    filed = filing(fee_items=(fee(price_per_hour_fen=2500, class_size_band="medium", hours_per_collection=60,
                                  months_per_collection=3, amount_per_collection_fen=150000),
                              fee(price_per_hour_fen=20000, grade_band="adult", hours_per_collection=25,
                                  amount_per_collection_fen=500000)))
    assert codes(filed, audience=["primary", "adult"]) == []


def test_prepaid_5001_yuan_refused():
    filed = filing(fee_items=(fee(price_per_hour_fen=20004, grade_band="adult", hours_per_collection=25,
                                  amount_per_collection_fen=500100),))
    [violation] = check_filing(filed, "discipline", "primary", CONFIG, CALENDAR)
    assert violation.code == "fee.prepaid_amount"
    assert violation.params == {"amount_fen": 500100, "limit_fen": 500000}


@pytest.mark.parametrize("price", [-1, 12.5, Decimal("12.5"), float("nan"), True, "3000", None])
def test_negative_or_fractional_money_refused(price):
    violations = check_filing(filing(fee_items=(fee(price_per_hour_fen=price),)), "discipline", "primary",
                              CONFIG, CALENDAR)
    assert [v.code for v in violations] == ["fee.negative_or_fractional"]
    assert violations[0].params["field"] == "price_per_hour_fen"


def test_whole_money_sent_as_a_decimal_is_accepted():
    assert codes(filing(fee_items=(fee(price_per_hour_fen=Decimal("3000"), amount_per_collection_fen=60000.0),))) == []


@pytest.mark.parametrize("hours", [0, -3, 1.5])
def test_collection_of_no_or_fractional_hours_refused(hours):
    assert codes(filing(fee_items=(fee(hours_per_collection=hours),))) == ["fee.invalid_period"]


def test_price_within_the_markup_over_the_guided_price_accepted():
    # primary, small class: CNY 30.00 guided, at most 10% more
    assert codes(filing(fee_items=(fee(price_per_hour_fen=3300, amount_per_collection_fen=66000),))) == []


def test_price_above_the_guided_price_refused():
    [violation] = check_filing(filing(fee_items=(fee(price_per_hour_fen=3301, amount_per_collection_fen=66020),)),
                               "discipline", "primary", CONFIG, CALENDAR)
    assert violation.code == "fee.above_guided_price"
    assert violation.params["guided_fen"] == 3000 and violation.params["ceiling_fen"] == 3300


def test_arts_training_has_no_guided_price():
    arts = filing(fee_items=(fee(price_per_hour_fen=15000, amount_per_collection_fen=300000),),
                  teachers=(Teacher(name="王老师"),), courses=(Course(subject="钢琴", grade_band="primary"),))
    assert codes(arts, category="non_discipline", subject_group="arts") == []


def test_compulsory_band_missing_from_the_price_table_is_refused_for_discipline():
    doc = _registry_section()
    del doc["guided_prices"]["table"]["discipline"]["primary"]["large"]
    incomplete = rules_of(configured_county(), doc)
    assert codes(filing(fee_items=(fee(class_size_band="large"),)), config=incomplete) == ["fee.no_guided_price"]


def test_band_the_price_table_leaves_out_is_market_priced():
    adult = filing(fee_items=(fee(grade_band="adult", price_per_hour_fen=9000, amount_per_collection_fen=180000),))
    assert codes(adult) == []


def test_unknown_bands_are_refused():
    assert codes(filing(fee_items=(fee(class_size_band="huge", grade_band="college"),))) == [
        "fee.unknown_grade_band", "fee.unknown_class_size_band"]


def test_collection_costing_more_than_its_hours_at_the_filed_price_refused():
    assert codes(filing(fee_items=(fee(amount_per_collection_fen=60001),))) == ["fee.amount_exceeds_price"]


def test_discipline_teacher_without_qualification_refused():
    filed = filing(teachers=(Teacher(name="李老师", qualification_certificate_no="2019"), Teacher(name="张老师")))
    [violation] = check_filing(filed, "discipline", "primary", CONFIG, CALENDAR)
    assert (violation.code, violation.item, violation.params) == ("teacher.no_qualification", "teachers[1]",
                                                                  {"name": "张老师"})


def test_non_discipline_teacher_needs_no_teacher_qualification():
    assert codes(filing(teachers=(Teacher(name="王老师"),)), category="non_discipline", subject_group="arts") == []


@pytest.mark.parametrize("category", ["discipline", "non_discipline"])
def test_serving_public_school_teacher_refused(category):
    teacher = Teacher(name="赵老师", qualification_certificate_no="2019", serving_public_school_teacher=True)
    assert codes(filing(teachers=(teacher,)), category=category) == ["teacher.serving_public_school"]


def test_discipline_course_without_materials_or_with_an_unknown_grade_band_refused():
    filed = filing(courses=(Course(subject="数学", grade_band="grade_9", materials=(" ",)),))
    assert codes(filed) == ["course.unknown_grade_band", "course.no_materials"]


def test_empty_filing_names_what_is_missing():
    empty = spoil(filing(), courses=(), teachers=(), fee_items=(), timetable=(), sessions=())
    assert codes(empty) == ["filing.no_courses", "filing.no_teachers", "filing.no_training_times"]


def test_every_broken_rule_is_listed_not_just_the_first():
    filed = filing(
        teachers=(Teacher(name="张老师"), Teacher(name="赵老师", qualification_certificate_no="1",
                                                 serving_public_school_teacher=True)),
        fee_items=(fee(hours_per_collection=61, months_per_collection=4, amount_per_collection_fen=500100,
                       price_per_hour_fen=9000),),
        sessions=(session(D(2025, 3, 1), end=T(20, 45)), session(), session(D(2025, 3, 5), T(17), T(16))),
    )
    found = [(v.code, v.item) for v in check_filing(filed, "discipline", "primary", CONFIG, CALENDAR)]
    assert found == [
        ("teacher.no_qualification", "teachers[0]"), ("teacher.serving_public_school", "teachers[1]"),
        ("fee.prepaid_hours", "fee_items[0]"), ("fee.prepaid_months", "fee_items[0]"),
        ("fee.prepaid_amount", "fee_items[0]"), ("fee.above_guided_price", "fee_items[0]"),
        ("time.offline_end_late", "sessions[0]"), ("time.rest_day_discipline", "sessions[0]"),
        ("time.end_before_start", "sessions[2]"),
    ]


def test_rule_values_come_from_the_county_configuration():
    doc = _registry_section()
    doc["training_time"]["offline_end_by"] = "20:00"
    doc["prepayment"]["max_hours"] = 40
    stricter = rules_of(configured_county(), doc)
    filed = filing(fee_items=(fee(hours_per_collection=45, amount_per_collection_fen=135000),),
                   sessions=(session(end=T(20, 15), start=T(19, 15)),))
    assert codes(filed) == []
    assert codes(filed, config=stricter) == ["fee.prepaid_hours", "time.offline_end_late"]


money = st.one_of(st.integers(-10**9, 10**9), st.floats(allow_nan=True, allow_infinity=True),
                  st.decimals(allow_nan=True, allow_infinity=True), st.none(), st.booleans(), st.text(max_size=3))


@given(money, money, money, money, st.text(max_size=8), st.text(max_size=8))
def test_any_fee_input_is_answered_with_codes_never_an_error(price, hours, months, amount, grade, size):
    item = FeeItem(price_per_hour_fen=price, grade_band=grade, class_size_band=size, hours_per_collection=hours,
                   months_per_collection=months, amount_per_collection_fen=amount)
    for violation in check_filing(filing(fee_items=(item,)), "discipline", "primary", CONFIG, CALENDAR):
        assert violation.code.startswith("fee.") and violation.item == "fee_items[0]"


def test_validating_a_filing_of_50_sessions_takes_under_5_ms():
    days = [D(2025, 3, 3) + dt.timedelta(days=n) for n in range(70)]
    school_days = [d for d in days if d.weekday() < 5][:50]
    filed = filing(sessions=tuple(session(d, T(18), T(19)) for d in school_days),
                   fee_items=tuple(fee() for _ in range(5)),
                   teachers=tuple(Teacher(name=f"教师{n}", qualification_certificate_no=str(n)) for n in range(10)))
    assert len(filed.sessions) == 50
    check_filing(filed, "discipline", "primary", CONFIG, CALENDAR)  # warm the calendar's cache
    runs = []
    for _ in range(30):
        started = time.perf_counter()
        check_filing(filed, "discipline", "primary", CONFIG, CALENDAR)
        runs.append(time.perf_counter() - started)
    assert sorted(runs)[len(runs) // 2] < 0.005


def test_filing_summary_for_the_published_event():
    filed = filing(fee_items=(fee(), fee(price_per_hour_fen=2500)), sessions=(session(mode="online", end=T(17)),))
    assert filed.subjects == ("数学",) and filed.max_price_per_hour_fen == 3000
    assert filed.modes == ("offline", "online")
    assert dataclasses.replace(filed, fee_items=()).max_price_per_hour_fen is None


def test_fees_paid_through_a_training_loan_are_refused_unless_the_county_allows_them():
    on_loan = filing(fee_items=(fee(), fee(paid_through_loan=True)))
    [violation] = check_filing(on_loan, "non_discipline", None, CONFIG, CALENDAR, subject_group="arts")
    assert (violation.code, violation.item) == ("fee.training_loan", "fee_items[1]")
    doc = _registry_section()
    doc["prepayment"]["training_loans_banned"] = False
    assert codes(on_loan, config=rules_of(configured_county(), doc)) == []
