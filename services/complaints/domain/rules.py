"""The desk's rules a county sets (its file's `complaints:` section, checked by adapters/county_section.py)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from services.complaints.domain import Category


@dataclass(frozen=True)
class DeskRules:
    """How long the desk has to answer, what counts as a repeat, who answers for what, how long a reporter is kept."""

    answer_within_working_days: int
    duplicate_window_days: int
    erase_reporter_after_days: int
    default_department: str
    departments: Mapping[Category, str] = field(default_factory=dict)

    def department_for(self, category: Category) -> str:
        """The department answering for a category, unless the desk routes a clue elsewhere at triage."""
        return self.departments.get(category, self.default_department)
