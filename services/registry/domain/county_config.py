"""The county configuration (`services/registry/county.yaml`), read once into typed, immutable values."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from shared.calendar import CalendarConfigError, OfficialCalendar

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "county.yaml"


class CountyConfigError(ValueError):
    """The county configuration is missing a value or holds one the rules cannot use."""


@dataclass(frozen=True, slots=True)
class Vacation:
    """A school vacation of compulsory education (inclusive dates)."""

    kind: str  # `winter` or `summer`
    start: dt.date
    end: dt.date


@dataclass(frozen=True, slots=True)
class TrainingTime:
    """When classes must end and how online classes are paced."""

    offline_end_by: dt.time
    online_end_by: dt.time
    online_max_minutes: int
    online_min_gap_minutes: int


@dataclass(frozen=True, slots=True)
class Prepayment:
    """The most one collection of fees may cover."""

    max_hours: int
    max_months: int
    max_amount_fen: int


@dataclass(frozen=True)
class CountyConfig:
    """Every rule value the registry checks against, with the version it came from."""

    version: str
    county_name: str
    division_code: str
    grade_bands: Mapping[str, bool]  # grade band -> is compulsory education
    training_time: TrainingTime
    prepayment: Prepayment
    vacations: tuple[Vacation, ...]
    class_size_bands: tuple[str, ...]
    max_markup_percent: int
    guided_prices: Mapping[str, Mapping[str, Mapping[str, int]]]  # group -> grade band -> size band -> fen
    licence_expiry_reminder_days: int
    # the official calendar completed with this county's days for years not yet published; built once
    calendar: OfficialCalendar = field(default_factory=OfficialCalendar, repr=False, compare=False)

    def is_compulsory(self, grade_band: str | None) -> bool:
        """Whether a grade band (or audience) is compulsory education."""
        return bool(grade_band) and self.grade_bands.get(grade_band, False)

    def vacation_on(self, date: dt.date) -> Vacation | None:
        """The school vacation this date falls in, if any."""
        for vacation in self.vacations:
            if vacation.start <= date <= vacation.end:
                return vacation
        return None

    def guided_price_fen(self, group: str, grade_band: str, size_band: str) -> int | None:
        """The base guided price per class hour, or None when the table has no such cell."""
        return self.guided_prices.get(group, {}).get(grade_band, {}).get(size_band)

    def price_ceiling_fen(self, base_fen: int) -> int:
        """The highest price allowed over a base price (base plus the markup, rounded down to the fen)."""
        return base_fen * (100 + self.max_markup_percent) // 100


def _section(doc: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = doc.get(key)
    if not isinstance(value, Mapping):
        raise CountyConfigError(f"{key}: missing or not a mapping")
    return value


def _int(section: Mapping[str, Any], key: str, where: str, minimum: int = 0) -> int:
    value = section.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise CountyConfigError(f"{where}.{key}: needs a whole number >= {minimum}, got {value!r}")
    return value


def _time(section: Mapping[str, Any], key: str, where: str) -> dt.time:
    value = section.get(key)
    try:
        return dt.time.fromisoformat(value)
    except (TypeError, ValueError):
        raise CountyConfigError(f'{where}.{key}: needs a quoted "HH:MM", got {value!r}') from None


def _date(value: Any, where: str) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise CountyConfigError(f"{where}: needs a date YYYY-MM-DD, got {value!r}") from None


def _vacations(entries: Iterable[Any]) -> tuple[Vacation, ...]:
    found = []
    for index, entry in enumerate(entries or ()):
        where = f"vacations[{index}]"
        if not isinstance(entry, Mapping) or entry.get("kind") not in ("winter", "summer"):
            raise CountyConfigError(f"{where}: needs kind winter or summer, from and to")
        vacation = Vacation(entry["kind"], _date(entry.get("from"), f"{where}.from"),
                            _date(entry.get("to"), f"{where}.to"))
        if vacation.end < vacation.start:
            raise CountyConfigError(f"{where}: ends before it starts")
        found.append(vacation)
    return tuple(sorted(found, key=lambda v: v.start))


def _prices(table: Mapping[str, Any], grade_bands: Mapping[str, bool],
            size_bands: tuple[str, ...]) -> dict[str, dict[str, dict[str, int]]]:
    prices: dict[str, dict[str, dict[str, int]]] = {}
    for group, by_grade in table.items():
        if not isinstance(by_grade, Mapping):
            raise CountyConfigError(f"guided_prices.table.{group}: not a mapping")
        prices[group] = {}
        for grade, by_size in by_grade.items():
            if grade not in grade_bands or not isinstance(by_size, Mapping):
                raise CountyConfigError(f"guided_prices.table.{group}.{grade}: unknown grade band")
            where = f"guided_prices.table.{group}.{grade}"
            for size in by_size:
                if size not in size_bands:
                    raise CountyConfigError(f"{where}.{size}: unknown class size band")
            prices[group][grade] = {size: _int(by_size, size, where) for size in by_size}
    return prices


def parse_county_config(doc: Mapping[str, Any]) -> CountyConfig:
    """Check and type a county configuration document (as read from YAML)."""
    if not isinstance(doc, Mapping) or doc.get("version") in (None, ""):
        raise CountyConfigError("version: every county configuration carries a version")
    county = _section(doc, "county")
    grade_bands = {name: bool((spec or {}).get("compulsory_education"))
                   for name, spec in _section(doc, "grade_bands").items()}
    times = _section(doc, "training_time")
    training_time = TrainingTime(
        _time(times, "offline_end_by", "training_time"), _time(times, "online_end_by", "training_time"),
        _int(times, "online_max_minutes", "training_time", 1),
        _int(times, "online_min_gap_minutes", "training_time"))
    paying = _section(doc, "prepayment")
    prepayment = Prepayment(_int(paying, "max_hours", "prepayment", 1),
                            _int(paying, "max_months", "prepayment", 1),
                            _int(paying, "max_amount_fen", "prepayment", 1))
    size_bands = tuple(_section(doc, "class_size_bands"))
    guided = _section(doc, "guided_prices")
    try:
        calendar = OfficialCalendar.from_config(doc.get("calendar"))
    except CalendarConfigError as exc:
        raise CountyConfigError(str(exc)) from exc
    return CountyConfig(
        version=str(doc["version"]),
        county_name=str(county.get("name", "")),
        division_code=str(county.get("division_code", "")),
        grade_bands=grade_bands,
        training_time=training_time,
        prepayment=prepayment,
        vacations=_vacations(doc.get("vacations")),
        class_size_bands=size_bands,
        max_markup_percent=_int(guided, "max_markup_percent", "guided_prices"),
        guided_prices=_prices(guided.get("table") or {}, grade_bands, size_bands),
        licence_expiry_reminder_days=_int(_section(doc, "licence"), "expiry_reminder_days", "licence", 1),
        calendar=calendar,
    )


@cache
def load_county_config(path: str | Path = DEFAULT_PATH) -> CountyConfig:
    """Read and check the county configuration once per path; later calls reuse the parsed value."""
    with open(path, encoding="utf-8") as handle:
        return parse_county_config(yaml.safe_load(handle) or {})
