"""The county's values the registry's rules check against, as typed, immutable values.

They come from the county file (`shared.county`): the kit's counties, towns and calendar, and the
registry's own section (`registry:` — grade bands, training times, prepayment and the training-loan ban,
class sizes, guided prices, licence reminders), which `services.registry.adapters.county_section` checks
and hands here already valid.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from shared.calendar import OfficialCalendar, Vacation


@dataclass(frozen=True, slots=True)
class TrainingTime:
    """When classes must end and how online classes are paced."""

    offline_end_by: dt.time
    online_end_by: dt.time
    online_max_minutes: int
    online_min_gap_minutes: int


@dataclass(frozen=True, slots=True)
class Prepayment:
    """The most one collection of fees may cover, and whether fees may be paid through a training loan."""

    max_hours: int
    max_months: int
    max_amount_fen: int
    training_loans_banned: bool = True


@dataclass(frozen=True, eq=False)
class RegistryRules:
    """Every rule value the registry checks against, with the version of the county file it came from."""

    version: str
    towns: Mapping[str, frozenset[str]]  # division code of each county served -> its towns' names
    grade_bands: Mapping[str, bool]  # grade band -> is compulsory education
    training_time: TrainingTime
    prepayment: Prepayment
    class_size_bands: tuple[str, ...]
    max_markup_percent: int
    guided_prices: Mapping[str, Mapping[str, Mapping[str, int]]]  # group -> grade band -> size band -> fen
    licence_expiry_reminder_days: int
    # the official calendar completed with the county's days for years not yet published, and its vacations
    calendar: OfficialCalendar = field(default_factory=OfficialCalendar, repr=False)

    def is_compulsory(self, grade_band: str | None) -> bool:
        """Whether a grade band (or audience) is compulsory education."""
        return bool(grade_band) and self.grade_bands.get(grade_band, False)

    def vacation_on(self, date: dt.date) -> Vacation | None:
        """The school vacation this date falls in, if any."""
        return self.calendar.vacation_on(date)

    def guided_price_fen(self, group: str, grade_band: str, size_band: str) -> int | None:
        """The base guided price per class hour, or None when the table has no such cell."""
        return self.guided_prices.get(group, {}).get(grade_band, {}).get(size_band)

    def price_ceiling_fen(self, base_fen: int) -> int:
        """The highest price allowed over a base price (base plus the markup, rounded down to the fen)."""
        return base_fen * (100 + self.max_markup_percent) // 100


def registry_rules_from(section: Mapping[str, Any], *, version: str, calendar: OfficialCalendar,
                        towns: Mapping[str, Collection[str]]) -> RegistryRules:
    """Type the registry's section (already checked) with the county file's version, calendar and towns."""
    times, paying = section["training_time"], section["prepayment"]
    return RegistryRules(
        version=version,
        towns={code: frozenset(names) for code, names in towns.items()},
        grade_bands={name: band["compulsory_education"] for name, band in section["grade_bands"].items()},
        training_time=TrainingTime(times["offline_end_by"], times["online_end_by"], times["online_max_minutes"],
                                   times["online_min_gap_minutes"]),
        prepayment=Prepayment(paying["max_hours"], paying["max_months"], paying["max_amount_fen"],
                              paying["training_loans_banned"]),
        class_size_bands=tuple(section["class_size_bands"]),
        max_markup_percent=section["guided_prices"]["max_markup_percent"],
        guided_prices=section["guided_prices"]["table"],
        licence_expiry_reminder_days=section["licence"]["expiry_reminder_days"],
        calendar=calendar,
    )
