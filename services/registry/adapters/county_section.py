"""The registry's section of the county file (`registry:`), checked with marshmallow and typed once per file."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

import marshmallow as ma

from services.registry.domain.county_config import RegistryRules, registry_rules_from
from shared.county import CountyConfig, CountyConfigError, county_config
from shared.county_file import refusal

SECTION = "registry"
_TIME = {"invalid": 'Needs a quoted "HH:MM" (unquoted, YAML reads 20:30 as a number).'}
_WHOLE = {"strict": True}


def _whole(minimum: int) -> ma.fields.Integer:
    return ma.fields.Integer(required=True, validate=ma.validate.Range(min=minimum), **_WHOLE)


class _Strict(ma.Schema):
    class Meta:
        unknown = ma.RAISE


class GradeBandSection(_Strict):
    """A grade band a course or fee item names; discipline tutoring of compulsory education is restricted."""

    compulsory_education = ma.fields.Boolean(required=True)


class TrainingTimeSection(_Strict):
    """National training-time limits (2021)."""

    offline_end_by = ma.fields.Time(required=True, error_messages=_TIME)
    online_end_by = ma.fields.Time(required=True, error_messages=_TIME)
    online_max_minutes = _whole(1)
    online_min_gap_minutes = _whole(0)


class PrepaymentSection(_Strict):
    """What one collection of fees may cover, and the training-loan ban."""

    max_hours = _whole(1)
    max_months = _whole(1)
    max_amount_fen = _whole(1)
    training_loans_banned = ma.fields.Boolean(required=True)


class ClassSizeSection(_Strict):
    """A class size band: students per class (no upper bound when max_students is null)."""

    min_students = _whole(1)
    max_students = ma.fields.Integer(required=True, allow_none=True, strict=True, validate=ma.validate.Range(min=1))


class GuidedPricesSection(_Strict):
    """The guided price table, fen per student per class hour: group -> grade band -> class size band."""

    max_markup_percent = _whole(0)
    table = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Dict(
        keys=ma.fields.String(), values=ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer(
            strict=True, validate=ma.validate.Range(min=0)))), load_default=dict)


class LicenceSection(_Strict):
    """When a licence's expiry is reminded."""

    expiry_reminder_days = _whole(1)


class RegistrySection(_Strict):
    """The registry's section of the county file."""

    grade_bands = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Nested(GradeBandSection), required=True)
    training_time = ma.fields.Nested(TrainingTimeSection, required=True)
    prepayment = ma.fields.Nested(PrepaymentSection, required=True)
    class_size_bands = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Nested(ClassSizeSection),
                                      required=True)
    guided_prices = ma.fields.Nested(GuidedPricesSection, required=True)
    licence = ma.fields.Nested(LicenceSection, required=True)

    @ma.validates_schema
    def _prices_name_known_bands(self, data: dict, **_: Any) -> None:
        grades, sizes = data.get("grade_bands", {}), data.get("class_size_bands", {})
        for group, by_grade in data.get("guided_prices", {}).get("table", {}).items():
            for grade, by_size in by_grade.items():
                if grade not in grades:
                    raise ma.ValidationError({"table": {group: {grade: ["Not a grade band of grade_bands."]}}},
                                             "guided_prices")
                for size in by_size:
                    if size not in sizes:
                        raise ma.ValidationError({"table": {group: {grade: {size: [
                            "Not a class size band of class_size_bands."]}}}}, "guided_prices")


def rules_of(county: CountyConfig, section: Mapping[str, Any] | None = None) -> RegistryRules:
    """The registry's rules from a county file (or from a section given instead of the file's own)."""
    if section is None:
        checked = county.section(SECTION, RegistrySection())
    else:
        try:
            checked = RegistrySection().load(section)
        except ma.ValidationError as exc:
            raise refusal(county.source, None, exc, prefix=(SECTION,)) from exc
    towns = {c.division_code: [town.name for town in c.towns] for c in county.counties}
    return registry_rules_from(checked, version=county.version, calendar=county.calendar, towns=towns)


@cache
def _rules(county: CountyConfig) -> RegistryRules:
    return rules_of(county)


def registry_rules(county: CountyConfig | None = None) -> RegistryRules:
    """The registry's rules from the running service's county file (checked and typed once per file)."""
    return _rules(county or county_config())


__all__ = ["CountyConfigError", "RegistrySection", "registry_rules", "rules_of"]
