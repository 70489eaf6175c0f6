"""A target's risk tier, A (highest) to D, from its own record, with the reasons behind it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from shared.refusals import N_, Text

# Points per finding; the tier follows from the sum. A clean or new institution is tier D and still drawn
# with the floor chance its round gives tier D ("no one is never checked").
TIER_FLOORS = (("A", 6), ("B", 3), ("C", 1), ("D", 0))
STALE_AFTER_DAYS = 365

REASONS = {
    "risk.violations": N_("%(count)s past inspections found a violation"),
    "risk.open_clues": N_("%(count)s complaint clues about it are open"),
    "risk.rectification_overdue": N_("its rectification deadline %(deadline)s has passed"),
    "risk.in_rectification": N_("it is ordered to rectify by %(deadline)s"),
    "risk.no_filing": N_("it is licensed but has published no filing"),
    "risk.never_inspected": N_("it has never been inspected"),
    "risk.not_inspected_lately": N_("it was last inspected on %(last)s, over a year ago"),
    "risk.clean": N_("nothing in its record raises its risk"),
}


@dataclass(frozen=True, slots=True)
class Record:
    """What inspection knows of a target's history."""

    state: str
    rectification_deadline: dt.date | None = None
    rectification_overdue: bool = False
    has_filing: bool = False
    violations: int = 0
    open_clues: int = 0
    last_inspected_on: dt.date | None = None


@dataclass(frozen=True, slots=True)
class Risk:
    """A tier and each reason with the points it added."""

    tier: str
    points: int
    reasons: tuple[tuple[str, int, dict], ...]  # (code, points, facts)

    def texts(self) -> list[Text]:
        """The reasons as texts to render in the reader's language."""
        return [Text(REASONS[code], facts) for code, _, facts in self.reasons]


def assess(record: Record, today: dt.date) -> Risk:
    """The target's tier and why: violations, open clues, rectification, filing, time since the last visit."""
    found: list[tuple[str, int, dict]] = []
    if record.violations:
        found.append(("risk.violations", 2 * min(record.violations, 2), {"count": record.violations}))
    if record.open_clues:
        found.append(("risk.open_clues", 2 * min(record.open_clues, 2), {"count": record.open_clues}))
    deadline = record.rectification_deadline.isoformat() if record.rectification_deadline else "-"
    if record.state == "rectification" and record.rectification_overdue:
        found.append(("risk.rectification_overdue", 3, {"deadline": deadline}))
    elif record.state == "rectification":
        found.append(("risk.in_rectification", 2, {"deadline": deadline}))
    if record.state == "licensed" and not record.has_filing:
        found.append(("risk.no_filing", 1, {}))
    if record.last_inspected_on is None:
        found.append(("risk.never_inspected", 1, {}))
    elif (today - record.last_inspected_on).days > STALE_AFTER_DAYS:
        found.append(("risk.not_inspected_lately", 1, {"last": record.last_inspected_on.isoformat()}))
    points = sum(p for _, p, _ in found)
    tier = next(tier for tier, floor in TIER_FLOORS if points >= floor)
    return Risk(tier, points, tuple(found) or (("risk.clean", 0, {}),))
