"""Reading the county file: YAML in, marshmallow's checks over it, an error that names the key and its line.

The kit's own sections are checked here (`CountyFileSchema`); a service checks its section with its own
schema through `check_section`. Dates stay text until the schema reads them (YAML's timestamp guessing is
off), so a typo in a date is reported like any other bad value.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import marshmallow as ma
import yaml

from shared.calendar import FallbackSchema, VacationSchema

DEPARTMENTAL_ROLES = ("clerk", "desk", "inspector", "supervisor", "leader")
# `admin` and `integrator` (shared.auth.ROLES) belong to no department: they never appear in the table
UNDEPARTMENTAL_ROLES = ("admin", "integrator")
DIVISION_CODE = ma.validate.Regexp(r"^[0-9]{6}$", error="Needs a 6-digit administrative division code.")
TOWN_CODE = ma.validate.Regexp(r"^[0-9]{9}$", error="Needs a 9-digit township code (GB/T 10114).")


def _departmental_role(role: str) -> None:
    if role in UNDEPARTMENTAL_ROLES:
        raise ma.ValidationError(f"{role} belongs to no department.")
    if role not in DEPARTMENTAL_ROLES:
        raise ma.ValidationError(f"{role!r} is not a role; departments hold {', '.join(DEPARTMENTAL_ROLES)}.")


class CountyConfigError(ValueError):
    """The county file is missing, unreadable, or holds a value the platform cannot use."""


class _TextLoader(yaml.SafeLoader):
    """safe_load without timestamp guessing: `2021-07-10` stays text for the schema to read."""


# a scalar YAML would read as a date or a timestamp is constructed as the text it is
_TextLoader.add_constructor("tag:yaml.org,2002:timestamp", yaml.SafeLoader.construct_yaml_str)


class _Strict(ma.Schema):
    class Meta:
        unknown = ma.RAISE


class CalendarSchema(_Strict):
    """The official calendar's fallback and the school vacations, per year."""

    fallback = ma.fields.Nested(FallbackSchema, load_default=dict)
    school_vacations = ma.fields.Dict(keys=ma.fields.Integer(strict=True, validate=ma.validate.Range(1990, 2200)),
                                      values=ma.fields.List(ma.fields.Nested(VacationSchema)), load_default=dict)

    @ma.validates_schema
    def _vacations_in_their_year(self, data: dict, **_: Any) -> None:
        for year, vacations in data.get("school_vacations", {}).items():
            for vacation in vacations:
                if vacation.start.year != year:
                    raise ma.ValidationError({str(year): [f"A vacation listed under {year} starts in "
                                                          f"{vacation.start.year}."]}, "school_vacations")


class TownSchema(_Strict):
    """A town (township or sub-district) of the county: its name and its 9-digit code."""

    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=100))
    code = ma.fields.String(required=True, validate=TOWN_CODE)


class CountySchema(_Strict):
    """One county: its division code, towns, host department and complaint hotline."""

    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1))
    division_code = ma.fields.String(required=True, validate=DIVISION_CODE)
    host_department = ma.fields.String(required=True)
    host_office = ma.fields.String(load_default=None, validate=ma.validate.Length(min=1, max=100), metadata={
        "description": "The office the public pages name as hosting the work, e.g. 城固县教育和体育局."})
    hotline = ma.fields.String(required=True, validate=ma.validate.Length(min=3, max=40))
    website = ma.fields.Url(load_default=None, schemes={"http", "https"}, metadata={
        "description": "The county's (or the host office's) public website: the open data's municipality_url."})
    contact_email = ma.fields.Email(load_default=None, metadata={
        "description": "An office's address for questions about the published data (the open data's "
                       "contact_email); never a person's own."})
    towns = ma.fields.List(ma.fields.Nested(TownSchema), required=True, validate=ma.validate.Length(min=1))

    @ma.validates_schema
    def _towns_belong_to_the_county(self, data: dict, **_: Any) -> None:
        towns = data.get("towns", [])
        for index, town in enumerate(towns):
            if not town["code"].startswith(data.get("division_code", "")):
                raise ma.ValidationError({index: {"code": [
                    f"Town code {town['code']} is not inside division {data['division_code']}."]}}, "towns")
        for what in ("name", "code"):
            values = [town[what] for town in towns]
            if len(set(values)) != len(values):
                raise ma.ValidationError(f"Two towns share a {what}.", "towns")


class CountyFileSchema(ma.Schema):
    """The kit's sections of the county file; any other top-level key is a service's own section."""

    class Meta:
        unknown = ma.INCLUDE  # services' sections, checked by each service's schema

    version = ma.fields.Raw(required=True, validate=lambda v: str(v).strip() != "")
    counties = ma.fields.List(ma.fields.Nested(CountySchema), required=True, validate=ma.validate.Length(min=1))
    departments = ma.fields.Dict(
        keys=ma.fields.String(validate=ma.validate.Regexp(r"^[a-z][a-z_]*$")),
        values=ma.fields.List(ma.fields.String(validate=_departmental_role)),
        required=True, validate=ma.validate.Length(min=1))
    calendar = ma.fields.Nested(CalendarSchema, load_default=dict)

    @ma.validates_schema
    def _consistent(self, data: dict, **_: Any) -> None:
        departments = data.get("departments", {})
        for index, county in enumerate(data.get("counties", [])):
            if county["host_department"] not in departments:
                raise ma.ValidationError({index: {"host_department": [
                    f"{county['host_department']!r} is not in the departments table."]}}, "counties")
        codes = [county["division_code"] for county in data.get("counties", [])]
        if len(set(codes)) != len(codes):
            raise ma.ValidationError("Two counties share a division code.", "counties")


def _errors(messages: Any, path: tuple = ()) -> Iterator[tuple[tuple, str]]:
    """Flatten marshmallow's nested messages into (path, message) pairs."""
    if isinstance(messages, Mapping):
        for key, inner in messages.items():
            if key == "_schema":
                yield from _errors(inner, path)
            else:
                yield from _errors(inner, (*path, key))
    elif isinstance(messages, list | tuple):
        for message in messages:
            yield from _errors(message, path)
    else:
        yield path, str(messages)


def _line(node: yaml.Node | None, path: tuple) -> int | None:
    """The line (1-based) of the deepest node of the document the path reaches."""
    if node is None:
        return None
    for key in path:
        if isinstance(node, yaml.MappingNode):
            found = [value for name, value in node.value if name.value == str(key)]
            if not found:
                break
            node = found[0]
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
        else:  # marshmallow's "key"/"value" of a Dict entry: the entry's own line is the best answer
            continue
    return node.start_mark.line + 1


def refusal(where: str, text: str | None, error: ma.ValidationError, prefix: tuple = ()) -> CountyConfigError:
    """A CountyConfigError naming the file, the line and the dotted key of each bad value."""
    root = yaml.compose(text, Loader=_TextLoader) if text else None
    found = []
    for path, message in _errors(error.messages):
        full = (*prefix, *path)
        line = _line(root, full)
        at = f"line {line}: " if line else ""
        key = ".".join(str(part) for part in full if part != "value")  # a Dict entry's value is the entry
        found.append(f"{at}{key or '(top)'}: {message}")
    return CountyConfigError(f"county file {where}: " + "; ".join(found))


def read_document(path: Path) -> tuple[dict, str]:
    """The file's document (a mapping) and its text; a CountyConfigError when it cannot be read as one."""
    try:
        text = path.read_text(encoding="utf-8")
        document = yaml.load(text, Loader=_TextLoader)  # noqa: S506 - _TextLoader is a SafeLoader
    except OSError as exc:
        raise CountyConfigError(f"county file {path}: cannot be read ({exc.strerror})") from exc
    except yaml.YAMLError as exc:
        raise CountyConfigError(f"county file {path}: not YAML: {exc}") from exc
    if not isinstance(document, dict):
        raise CountyConfigError(f"county file {path}: needs a mapping of sections at the top")
    return document, text


def check_section(schema: ma.Schema, document: Mapping[str, Any], name: str, where: str,
                  text: str | None) -> Any:
    """Check one top-level section with its schema; a CountyConfigError naming key and line when it fails."""
    if name not in document:
        raise CountyConfigError(f"county file {where}: {name}: the section is missing")
    try:
        return schema.load(document[name])
    except ma.ValidationError as exc:
        raise refusal(where, text, exc, prefix=(name,)) from exc
