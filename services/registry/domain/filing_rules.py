"""The rules a filing must pass (DOMAIN.md, "Filing and public disclosure"), every broken one listed."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from services.registry.domain.county_config import RegistryRules
from services.registry.domain.errors import Violation
from services.registry.domain.filing import CATEGORIES, DISCIPLINE, FeeItem, Filing
from services.registry.domain.time_rules import Calendar, check_sessions, check_timetable


@dataclass(frozen=True, slots=True)
class FilingCheck:
    """The outcome of checking a filing: broken rules, notices for the reader, and the rules' version."""

    violations: tuple[Violation, ...]
    notices: tuple[Violation, ...]
    config_version: str

    @property
    def accepted(self) -> bool:
        """True when no rule is broken (notices do not refuse a filing)."""
        return not self.violations


def _whole(value: Any) -> int | None:
    """The value as a non-negative whole number, or None when it is negative, fractional or not a number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, float | Decimal | Fraction):
        try:
            if isinstance(value, float) and not math.isfinite(value):
                return None
            whole = int(value)
        except (ValueError, OverflowError, ArithmeticError):
            return None
        return whole if whole == value and whole >= 0 else None
    return None


def _audiences(audience: str | Iterable[str] | None) -> tuple[str, ...]:
    if audience is None:
        return ()
    if isinstance(audience, str):
        return (audience,)
    return tuple(audience)


def is_restricted(filing: Filing, category: str, audience: str | Iterable[str] | None,
                  config: RegistryRules) -> bool:
    """Whether the days-off rules apply: discipline tutoring that reaches compulsory-education students."""
    if category != DISCIPLINE:
        return False
    bands = _audiences(audience) + tuple(course.grade_band for course in filing.courses)
    return any(config.is_compulsory(band) for band in bands)


def _check_courses(filing: Filing, category: str, config: RegistryRules) -> list[Violation]:
    found = []
    for index, course in enumerate(filing.courses):
        label = f"courses[{index}]"
        if course.grade_band not in config.grade_bands:
            found.append(Violation("course.unknown_grade_band", label,
                                   {"subject": course.subject, "grade_band": str(course.grade_band)}))
        # the re-examination checks discipline teaching materials, so they must be filed
        if category == DISCIPLINE and not any(str(m).strip() for m in course.materials):
            found.append(Violation("course.no_materials", label, {"subject": course.subject}))
    return found


def _check_teachers(filing: Filing, category: str) -> list[Violation]:
    found = []
    for index, teacher in enumerate(filing.teachers):
        label = f"teachers[{index}]"
        if category == DISCIPLINE and not (teacher.qualification_certificate_no or "").strip():
            found.append(Violation("teacher.no_qualification", label, {"name": teacher.name}))
        if teacher.serving_public_school_teacher:
            found.append(Violation("teacher.serving_public_school", label, {"name": teacher.name}))
    return found


def _price_group(subject_group: str | None, category: str, config: RegistryRules) -> str | None:
    """Which column of the price table applies: the subject group's own, else the category's, else none."""
    for group in (subject_group, category):
        if group and group in config.guided_prices:
            return group
    return None


def _check_fee_item(label: str, item: FeeItem, group: str | None, config: RegistryRules) -> list[Violation]:
    found = []
    price, amount = _whole(item.price_per_hour_fen), _whole(item.amount_per_collection_fen)
    for field_name, raw, value in (("price_per_hour_fen", item.price_per_hour_fen, price),
                                   ("amount_per_collection_fen", item.amount_per_collection_fen, amount)):
        if value is None:
            found.append(Violation("fee.negative_or_fractional", label, {"field": field_name, "value": str(raw)}))
    hours, months = _whole(item.hours_per_collection), _whole(item.months_per_collection)
    for field_name, raw, value in (("hours_per_collection", item.hours_per_collection, hours),
                                   ("months_per_collection", item.months_per_collection, months)):
        if not value:  # None or zero: a collection covers at least one hour and one month
            found.append(Violation("fee.invalid_period", label, {"field": field_name, "value": str(raw)}))
    limits = config.prepayment
    if hours and hours > limits.max_hours:
        found.append(Violation("fee.prepaid_hours", label, {"hours": hours, "limit": limits.max_hours}))
    if months and months > limits.max_months:
        found.append(Violation("fee.prepaid_months", label, {"months": months, "limit": limits.max_months}))
    if item.paid_through_loan and limits.training_loans_banned:
        found.append(Violation("fee.training_loan", label, {}))
    if amount is not None and amount > limits.max_amount_fen:
        found.append(Violation("fee.prepaid_amount", label,
                               {"amount_fen": amount, "limit_fen": limits.max_amount_fen}))
    if amount is not None and price is not None and hours and amount > price * hours:
        # charging more per collection than its hours cost at the filed price raises the real price
        found.append(Violation("fee.amount_exceeds_price", label, {
            "amount_fen": amount, "price_fen": price, "hours": hours, "expected_fen": price * hours}))
    known_grade = item.grade_band in config.grade_bands
    known_size = item.class_size_band in config.class_size_bands
    if not known_grade:
        found.append(Violation("fee.unknown_grade_band", label, {"grade_band": str(item.grade_band)}))
    if not known_size:
        found.append(Violation("fee.unknown_class_size_band", label, {"band": str(item.class_size_band)}))
    if group is None or not (known_grade and known_size):
        return found
    base = config.guided_price_fen(group, item.grade_band, item.class_size_band)
    if base is None and config.is_compulsory(item.grade_band):
        # compulsory education must be priced by the county; other bands without a price are market-priced
        found.append(Violation("fee.no_guided_price", label, {
            "group": group, "grade_band": item.grade_band, "class_size_band": item.class_size_band}))
    elif base is not None and price is not None and price > config.price_ceiling_fen(base):
        found.append(Violation("fee.above_guided_price", label, {
            "price_fen": price, "guided_fen": base, "ceiling_fen": config.price_ceiling_fen(base),
            "markup_percent": config.max_markup_percent, "grade_band": item.grade_band,
            "class_size_band": item.class_size_band}))
    return found


def _check_completeness(filing: Filing) -> list[Violation]:
    found = []
    if not filing.courses:
        found.append(Violation("filing.no_courses", "courses"))
    if not filing.teachers:
        found.append(Violation("filing.no_teachers", "teachers"))
    if not filing.timetable and not filing.sessions:
        found.append(Violation("filing.no_training_times", "sessions"))
    return found


def review_filing(filing: Filing, institution_category: str, audience: str | Iterable[str] | None,
                  config: RegistryRules, calendar: Calendar, *, subject_group: str | None = None) -> FilingCheck:
    """Check a filing against every rule; list every broken rule and any provisional-calendar notice."""
    if institution_category not in CATEGORIES:
        raise ValueError(f"unknown institution category {institution_category!r}")
    restricted = is_restricted(filing, institution_category, audience, config)
    group = _price_group(subject_group, institution_category, config)
    violations = _check_completeness(filing)
    violations += _check_courses(filing, institution_category, config)
    violations += _check_teachers(filing, institution_category)
    for index, item in enumerate(filing.fee_items):
        violations += _check_fee_item(f"fee_items[{index}]", item, group, config)
    violations += check_timetable(filing.timetable, restricted=restricted, config=config)
    violations += check_sessions(filing.sessions, restricted=restricted, config=config, calendar=calendar)
    notices = []
    if restricted:
        # the answer must say when the holiday or vacation check rested on a guess about a year without dates
        years = sorted({s.date.year for s in filing.sessions if calendar.day(s.date).provisional})
        notices = [Violation("notice.holiday_check_provisional", None, {"year": year}) for year in years]
        years = sorted({s.date.year for s in filing.sessions if config.calendar.vacation(s.date).provisional})
        notices += [Violation("notice.vacation_check_provisional", None, {"year": year}) for year in years]
    return FilingCheck(tuple(violations), tuple(notices), config.version)


def check_filing(filing: Filing, institution_category: str, audience: str | Iterable[str] | None,
                 config: RegistryRules, calendar: Calendar, *, subject_group: str | None = None) -> list[Violation]:
    """Every rule the filing breaks (an empty list when it may be published)."""
    return list(review_filing(filing, institution_category, audience, config, calendar,
                              subject_group=subject_group).violations)
