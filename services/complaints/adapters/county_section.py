"""Complaints' section of the county file (`complaints:`), checked with marshmallow and typed once per file."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

import marshmallow as ma

from services.complaints.domain import Category
from services.complaints.domain.rules import DeskRules
from shared.county import CountyConfig, county_config

SECTION = "complaints"


def _days(minimum: int) -> ma.fields.Integer:
    return ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(min=minimum))


class RoutingSection(ma.Schema):
    """Who answers for each category: `default`, and the categories another department answers for."""

    class Meta:
        unknown = ma.RAISE

    default = ma.fields.String(required=True)
    by_category = ma.fields.Dict(keys=ma.fields.String(validate=ma.validate.OneOf([c.value for c in Category])),
                                 values=ma.fields.String(), load_default=dict)


class ComplaintsSection(ma.Schema):
    """The complaints desk's rules; the departments named must be in the file's `departments` table."""

    class Meta:
        unknown = ma.RAISE

    answer_within_working_days = _days(1)
    duplicate_window_days = _days(0)
    erase_reporter_after_days = _days(1)
    departments = ma.fields.Nested(RoutingSection, required=True)

    def __init__(self, known_departments: Iterable[str] = (), **kwargs: Any):
        super().__init__(**kwargs)
        self.known_departments = frozenset(known_departments)

    @ma.validates_schema
    def _departments_are_the_countys(self, data: dict[str, Any], **_: Any) -> None:
        unknown = f"Not a department of the county file ({', '.join(sorted(self.known_departments))})."
        routing = data.get("departments") or {}
        if routing.get("default") not in self.known_departments:
            raise ma.ValidationError({"default": [unknown]}, "departments")
        for category, department in routing.get("by_category", {}).items():
            if department not in self.known_departments:
                raise ma.ValidationError({"by_category": {category: [unknown]}}, "departments")


def rules_of(county: CountyConfig) -> DeskRules:
    """The desk's rules from a county file (its section checked, departments among the file's)."""
    checked = county.section(SECTION, ComplaintsSection(county.departments))
    routing = checked["departments"]
    return DeskRules(answer_within_working_days=checked["answer_within_working_days"],
                     duplicate_window_days=checked["duplicate_window_days"],
                     erase_reporter_after_days=checked["erase_reporter_after_days"],
                     default_department=routing["default"],
                     departments={Category(c): d for c, d in routing["by_category"].items()})


@cache
def _rules(county: CountyConfig) -> DeskRules:
    return rules_of(county)


def complaints_rules(county: CountyConfig | None = None) -> DeskRules:
    """The desk's rules from the running service's county file (checked and typed once per file)."""
    return _rules(county or county_config())
