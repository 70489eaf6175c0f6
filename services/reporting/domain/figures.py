"""How the county's figures are counted (DOMAIN.md, "How the figures are counted"): plain Python."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

DISCIPLINE = "discipline"
STOCK = "stock"
LICENSED = "licensed"
BANNED = "banned"
_RATE_PLACES = Decimal("0.001")  # 73/81 = 0.901, as the registry rounds it


@dataclass(frozen=True)
class Scope:
    """Which figures: a county (its towns), a town, and the inclusive local dates; None means no limit."""

    division_code: str | None = None
    town: str | None = None
    towns: tuple[str, ...] | None = None  # the county's towns, when a county is named
    date_from: date | None = None
    date_to: date | None = None
    # count from the projections' rows even for the whole country (what its daily counts are checked against)
    scan: bool = False

    @property
    def everywhere(self) -> bool:
        """Whether the scope names no place: the whole country's figures, summed from the daily counts."""
        return self.division_code is None and self.town is None and self.towns is None and not self.scan

    def within(self, day: date | None) -> bool:
        """Whether a day falls in the period."""
        return day is not None and (self.date_from is None or day >= self.date_from) and \
            (self.date_to is None or day <= self.date_to)


def rate(part: int, whole: int) -> float | None:
    """part / whole to 3 places, rounded half up; None when there is no whole."""
    if not whole:
        return None
    return float((Decimal(part) / Decimal(whole)).quantize(_RATE_PLACES, ROUND_HALF_UP))


def reduction_rate(before: int, licensed: int) -> float | None:
    """(before - licensed now) / before: (81 - 8) / 81 = 0.901; None when nothing was before."""
    return rate(before - licensed, before)


def median(values: list[float]) -> float | None:
    """The median to 1 place, or None for no values."""
    return round(statistics.median(values), 1) if values else None


def periods(start: date, end: date, interval: str) -> list[tuple[date, date]]:
    """The weeks (Monday to Sunday) or calendar months that cover [start, end], each clipped to it."""
    spans = []
    if interval == "week":
        first = start - timedelta(days=start.weekday())
        while first <= end:
            last = first + timedelta(days=6)
            spans.append((max(first, start), min(last, end)))
            first = last + timedelta(days=1)
        return spans
    first = start.replace(day=1)
    while first <= end:
        following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
        spans.append((max(first, start), min(following - timedelta(days=1), end)))
        first = following
    return spans
