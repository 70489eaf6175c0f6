"""The county's facts and rules: one YAML file, chosen by `OFFCAMPUS_COUNTY_CONFIG`, loaded and checked once.

The kit reads the sections every service shares: `counties` (division code, towns, host department,
complaint hotline), `departments` (the roles each department may hold) and `calendar` (holidays for years
the official calendar does not know, school vacations per year). Each service reads its own section
(`registry`: filing rules and guided prices) with its own schema through `CountyConfig.section`.

At run time a service never reads the file itself: `create_app` and the worker load it once
(`load_county_config`, cached per path) and carry it (`app.extensions["offcampus.county"]`,
`Worker.county`); `county_config()` answers the current app's, or outside an app the configured file's.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import marshmallow as ma
from flask import current_app, has_app_context

from shared.calendar import OfficialCalendar
from shared.county_file import (
    DEPARTMENTAL_ROLES,
    CountyConfigError,
    CountyFileSchema,
    check_section,
    read_document,
    refusal,
)

ENV_VAR = "OFFCAMPUS_COUNTY_CONFIG"
CHENGGU = Path(__file__).resolve().parent / "counties" / "chenggu.yaml"  # the packaged default
EXTENSION = "offcampus.county"

__all__ = ["CHENGGU", "DEPARTMENTAL_ROLES", "County", "CountyConfig", "CountyConfigError", "Town",
           "configured_county", "county_config", "county_config_path", "load_county_config"]


@dataclass(frozen=True, slots=True)
class Town:
    """A town (township or sub-district) of a county: the name people use and its 9-digit code."""

    name: str
    code: str


@dataclass(frozen=True)
class County:
    """One county: its GB/T 2260 division code, its towns, the department hosting the work and its hotline."""

    name: str
    division_code: str
    host_department: str
    hotline: str
    towns: tuple[Town, ...]
    host_office: str | None = None  # the office the public pages name (else the host department's office name)
    website: str | None = None  # the county's public website (open data: municipality_url)
    contact_email: str | None = None  # an office's address for questions about the open data

    def town(self, name: str) -> Town | None:
        """The county's town of that name, if it has one."""
        return next((town for town in self.towns if town.name == name), None)


@dataclass(frozen=True, eq=False)  # one loaded file is one value: compared and hashed by identity
class CountyConfig:
    """The loaded county file: counties, the department × role table, the calendar, services' sections."""

    version: str
    counties: tuple[County, ...]
    departments: Mapping[str, frozenset[str]]  # department -> the roles it may hold
    calendar: OfficialCalendar = field(repr=False, compare=False)
    source: str = ""  # the file it came from, for error messages
    _document: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)
    _text: str | None = field(default=None, repr=False, compare=False)

    def roles_of(self, department: str) -> frozenset[str]:
        """The roles a department may hold; empty for a department not in the table.

        `admin` and `integrator` belong to no department, so they are never in an answer: a token that
        holds them carries no department's rights."""
        return self.departments.get(department, frozenset())

    def may_hold(self, department: str, role: str) -> bool:
        """Whether the department's people may hold the role."""
        return role in self.roles_of(department)

    def county(self, division_code: str) -> County | None:
        """The configured county with that division code, if any."""
        return next((county for county in self.counties if county.division_code == division_code), None)

    @property
    def division_codes(self) -> tuple[str, ...]:
        """Every configured county's division code."""
        return tuple(county.division_code for county in self.counties)

    def section(self, name: str, schema: ma.Schema) -> Any:
        """A service's own section, checked with its schema (an error names the key and the line)."""
        return check_section(schema, self._document, name, self.source, self._text)


def parse_county_config(document: Mapping[str, Any], source: str = "(document)",
                        text: str | None = None) -> CountyConfig:
    """Check the kit's sections of a county document and type them."""
    try:
        data = CountyFileSchema().load(document)
    except ma.ValidationError as exc:
        raise refusal(source, text, exc) from exc
    counties = tuple(County(name=c["name"], division_code=c["division_code"],
                            host_department=c["host_department"], hotline=c["hotline"],
                            host_office=c.get("host_office"), website=c.get("website"),
                            contact_email=c.get("contact_email"),
                            towns=tuple(Town(t["name"], t["code"]) for t in c["towns"]))
                     for c in data["counties"])
    calendar = data["calendar"]
    return CountyConfig(
        version=str(data["version"]),
        counties=counties,
        departments={name: frozenset(roles) for name, roles in data["departments"].items()},
        calendar=OfficialCalendar.from_checked(calendar.get("fallback"), calendar.get("school_vacations")),
        source=source,
        _document=dict(document),
        _text=text,
    )


def load_county_config(path: str | Path = CHENGGU) -> CountyConfig:
    """Read and check the county file once per path; later calls answer the same object."""
    return _load(Path(path).resolve())


@cache
def _load(path: Path) -> CountyConfig:
    document, text = read_document(path)
    return parse_county_config(document, str(path), text)


def county_config_path(environ: Mapping[str, str] | None = None) -> Path:
    """The county file `OFFCAMPUS_COUNTY_CONFIG` names, else the packaged Chenggu file."""
    environ = os.environ if environ is None else environ
    return Path(environ.get(ENV_VAR) or CHENGGU)


def configured_county(path: str | Path | None = None, spec: Any = None) -> CountyConfig:
    """The county file at `path` (Settings.county_config), else the one the environment names, else Chenggu's;
    with a ServiceSpec, its own section checked too (`spec.check_county`)."""
    county = load_county_config(Path(path) if path else county_config_path())
    if spec is not None and spec.check_county is not None:
        spec.check_county(county)
    return county


def county_config() -> CountyConfig:
    """The county file of the running service: the app's inside a request, else the configured file's."""
    if has_app_context() and EXTENSION in current_app.extensions:
        return current_app.extensions[EXTENSION]
    return configured_county()
