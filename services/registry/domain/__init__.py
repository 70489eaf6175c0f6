"""The registry's domain: institutions, their lifecycle and licences, filings and the rules they must pass.

Plain Python: nothing here imports Flask, SQLAlchemy, marshmallow or kombu (import-linter checks it).
"""

from services.registry.domain.county_config import RegistryRules, registry_rules_from
from services.registry.domain.errors import (
    FilingRejected,
    IllegalTransition,
    InvalidInstitution,
    RegistryRefusal,
    TransitionRefused,
    Violation,
)
from services.registry.domain.filing import Course, FeeItem, Filing, Session, Teacher, WeeklySlot
from services.registry.domain.filing_rules import FilingCheck, check_filing, review_filing
from services.registry.domain.identity import (
    check_credit_code,
    check_division_code,
    is_valid_credit_code,
    normalise_credit_code,
)
from services.registry.domain.institution import (
    Institution,
    licence_halves_expiring,
    rectification_overdue,
)
from services.registry.domain.licence import HistoryEntry, Licence, LicenceHalf
from services.registry.domain.rule_texts import action_label, render, render_all, state_label

__all__ = [
    "Course", "FeeItem", "Filing", "FilingCheck", "FilingRejected",
    "HistoryEntry", "IllegalTransition", "Institution", "InvalidInstitution", "Licence", "LicenceHalf",
    "RegistryRefusal", "Session", "Teacher", "TransitionRefused", "Violation", "WeeklySlot", "action_label",
    "check_credit_code", "check_division_code", "check_filing", "is_valid_credit_code", "licence_halves_expiring",
    "normalise_credit_code", "rectification_overdue", "RegistryRules", "registry_rules_from", "render",
    "render_all", "review_filing", "state_label",
]
