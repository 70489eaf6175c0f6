"""A plain-Python fast path for the contracts' marshmallow schemas, for data that is certainly valid.

Every event is validated when it is published and again when it is consumed, and a marshmallow load plus
dump costs tens of microseconds. `compile_schema` reads a schema once and, when it understands every part
of it exactly, returns a checker that gives the same JSON-ready dict as `schema.dump(schema.load(data))`
for data it is sure about, and `None` ("not sure") for anything else. It never refuses anything itself:
the caller then asks marshmallow, which alone decides refusals and their messages, and also accepts the
odd inputs the checker is merely conservative about (bytes for a string, a `datetime` with a zoneinfo).

The checker mirrors marshmallow 4's documented behaviour (`Schema.load`/`dump`, `Field.deserialize`/
`serialize`) for what the contracts use: `fields.String`, `fields.Integer(strict=True)`, `fields.Boolean`,
`fields.List` and the vocabulary's `Day`, `Moment` and `Flag`; the validators `Length`, `Range`, `Regexp`,
`OneOf` and `Equal`; `required`, `allow_none` and constant defaults. It reads only marshmallow's public
attributes (fields, their options and validators, the schema's options) and looks at the schema's own
classes with plain Python: one that declares any method (a hook, an override) is left to marshmallow. A
schema with anything else (`data_key`, `load_only`, other `unknown` handling, nested schemas, other fields
or validators, callable defaults) is not compiled either, and validation keeps going through marshmallow.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from collections.abc import Callable, Mapping
from typing import Any

from marshmallow import RAISE, Schema, fields, missing, validate

from shared.events.vocabulary import Day, Flag, Moment

Checker = Callable[[Mapping[str, Any]], dict[str, Any] | None]
# A field converter turns one present value into its dumped form, or answers _UNSURE.
Converter = Callable[[Any], Any]
Check = Callable[[Any], bool]
# Every `Length` of a field folds into one inclusive range of lengths, tested inline by the converters.
Lengths = tuple[int, int]

_UNSURE = object()
_ABSENT = object()
# What an absent key becomes: a required field's absence is an error (not sure), an optional field
# without defaults is left out, anything else is the precomputed dumped default (None included);
# _UNKNOWN marks a default the checker cannot reproduce.
_REQUIRED = object()
_OMIT = object()
_UNKNOWN = object()

# Formats whose (de)serialisation is `fromisoformat`/`isoformat` in marshmallow's temporal fields.
_ISO_FORMATS = ("iso", "iso8601")
# Moment's own pattern, matched whole (its `$` would also take a trailing newline), so whatever matches
# here matches there; the rest goes to marshmallow.
_ASCII_MOMENT = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?(Z|[+-][0-9]{2}:[0-9]{2})"
).fullmatch
# Defaults are dumped once, at compile time, and shared by every output: only immutable values qualify.
_IMMUTABLE = (str, int, bool, type(None))


def compile_schema(schema: Schema) -> Checker | None:
    """A fast checker for `schema`, or None when the schema uses anything it does not mirror exactly.

    The checker takes an event's `data` and returns what `schema.dump(schema.load(data))` would return
    (an equal dict, in the same key order) when `data` is certainly valid, and None when it is not sure.
    """
    if not _is_plain_schema(schema):
        return None
    plan: list[tuple[str, Converter, Any]] = []
    for name, field in schema.fields.items():
        # A missing optional key is looked up again on dump with a getattr fallback (`utils.get_value`),
        # so a name that is a dict attribute ("items", "keys") or a dotted path means something else.
        if not name or "." in name or hasattr(dict, name):
            return None
        convert = _converter(field)
        absent = _when_absent(field, name)
        if convert is None or absent is _UNKNOWN:
            return None
        plan.append((name, convert, absent))
    return _checker(tuple(plan))


def _declares_no_methods(cls: type) -> bool:
    """Whether the schema's classes below marshmallow's `Schema` declare fields and options only.

    A method there may override load or dump, or be a hook (`@pre_load`, `@validates`,
    `@validates_schema`...): every hook is a method, so a schema without methods has none.
    """
    for klass in cls.__mro__:
        if klass is Schema:
            return True
        for name, value in vars(klass).items():
            if name != "Meta" and (callable(value) or isinstance(value, (classmethod, staticmethod, property))):
                return False
    return False  # not a marshmallow Schema at all


def _is_plain_schema(schema: Schema) -> bool:
    """Load and dump are marshmallow's own, one field list in one order, and unknown keys are refused."""
    cls = type(schema)
    if not isinstance(schema, Schema) or cls.dict_class is not dict or not _declares_no_methods(cls):
        return False
    if schema.many or schema.partial is not None or schema.unknown != RAISE:
        return False
    # No load_only/dump_only: load and dump see exactly the same fields in the same order.
    ordered = list(schema.fields.items())
    return list(schema.load_fields.items()) == ordered and list(schema.dump_fields.items()) == ordered


def _converter(field: fields.Field) -> Converter | None:
    """The converter of one field's present value, or None when the field is not understood exactly."""
    if field.data_key is not None or field.attribute is not None or field.load_only or field.dump_only:
        return None
    if field.pre_load or field.post_load:
        return None
    kind = type(field)
    allow_none = bool(field.allow_none)
    if kind is fields.String:
        rules = _rules(field.validators, str)
        return None if rules is None else _text(*rules, allow_none)
    if kind is fields.Integer:
        # Not strict, marshmallow would take 12.0 and "12"; as_string would dump text.
        if field.strict is not True or field.as_string:
            return None
        rules = _rules(field.validators, int)
        return None if rules is None else _plain(int, rules[1], allow_none)
    if kind is fields.Boolean or kind is Flag:
        # Flag takes only bools and keeps them; Boolean maps through truthy/falsy, which must keep them too.
        if kind is fields.Boolean and not _keeps_bools(field):
            return None
        rules = _rules(field.validators, bool)
        return None if rules is None else _plain(bool, rules[1], allow_none)
    if kind is Day:
        if field.validators or field.format not in _ISO_FORMATS:
            return None
        return _day(allow_none)
    if kind is Moment:
        if field.validators or field.format not in _ISO_FORMATS:
            return None
        return _moment(allow_none)
    if kind is fields.List:
        inner = _converter(field.inner)
        rules = _rules(field.validators, list)
        if inner is None or rules is None:
            return None
        return _list(inner, *rules, allow_none)
    if kind is fields.Nested:
        # one plain object of a plain schema, as the schema itself would load and dump it
        if field.validators or field.many or field.only is not None or field.exclude or field.unknown is not None:
            return None
        nested = field.schema
        checker = compile_schema(nested) if nested.only is None and not nested.exclude else None
        return None if checker is None else _object(checker, allow_none)
    return None


def _keeps_bools(field: fields.Boolean) -> bool:
    """Whether a `Boolean` field loads True as True and False as False (it dumps them unchanged)."""
    if not field.truthy:  # an empty truthy set means bool(value)
        return True
    return True in field.truthy and False not in field.truthy and False in field.falsy


def _rules(validators: list[Any], kind: type) -> tuple[Lengths, tuple[Check, ...]] | None:
    """The validators of a loaded value of type `kind` as (lengths, other checks), or None if one is unknown."""
    low, high = 0, sys.maxsize
    checks: list[Check] = []
    for validator in validators:
        cls = type(validator)
        check: Check | None = None
        if cls is validate.Length and kind in (str, list):
            lengths = _lengths(validator)
            if lengths is None:
                return None
            low, high = max(low, lengths[0]), min(high, lengths[1])
            continue
        if cls is validate.Range and kind is int:
            check = _range(validator)
        elif cls is validate.Regexp and kind is str:
            check = _regexp(validator)
        elif cls is validate.OneOf and kind in (str, int, bool):
            check = _one_of(validator.choices, kind)
        elif cls is validate.Equal and kind in (str, int, bool):
            check = _equal(validator.comparable, kind)
        if check is None:
            return None
        checks.append(check)
    return (low, high), tuple(checks)


def _is_bound(value: Any) -> bool:
    return value is None or type(value) is int


def _lengths(validator: validate.Length) -> Lengths | None:
    low, high, equal = validator.min, validator.max, validator.equal
    if not (_is_bound(low) and _is_bound(high) and _is_bound(equal)):
        return None
    if equal is not None:  # `equal` overrides min and max in marshmallow
        return equal, equal
    return (0 if low is None else low), (sys.maxsize if high is None else high)


def _range(validator: validate.Range) -> Check | None:
    low, high = validator.min, validator.max
    if not (_is_bound(low) and _is_bound(high)):
        return None
    low_in, high_in = bool(validator.min_inclusive), bool(validator.max_inclusive)

    def check(value: int) -> bool:
        if low is not None and (value < low if low_in else value <= low):
            return False
        return not (high is not None and (value > high if high_in else value >= high))

    return check


def _regexp(validator: validate.Regexp) -> Check | None:
    if not isinstance(validator.regex.pattern, str):  # a bytes pattern raises TypeError on text
        return None
    match = validator.regex.match  # marshmallow anchors at the start only, as `re.match` does
    return lambda value: match(value) is not None


def _equal(comparable: Any, kind: type) -> Check | None:
    # Between two plain values of one type, `==` is the exact negation of marshmallow's `!=`.
    if type(comparable) is not kind:
        return None
    return lambda value: value == comparable


def _one_of(choices: Any, kind: type) -> Check | None:
    # Membership in a set equals membership in the original container only for a real container of
    # plain values of the same type (a str as `choices` would test substrings).
    if type(choices) not in (tuple, list, set, frozenset) or any(type(choice) is not kind for choice in choices):
        return None
    allowed = frozenset(choices)
    return lambda value: value in allowed


def _text(lengths: Lengths, checks: tuple[Check, ...], allow_none: bool) -> Converter:
    """`fields.String`: a str of an allowed length that passes every check dumps as itself."""
    low, high = lengths

    def convert(value: Any) -> Any:
        if type(value) is str and low <= len(value) <= high:
            for check in checks:
                if not check(value):
                    return _UNSURE
            return value
        if value is None and allow_none:
            return None
        return _UNSURE

    return convert


def _plain(kind: type, checks: tuple[Check, ...], allow_none: bool) -> Converter:
    """An int or bool field: a value of exactly that type that passes every check dumps as itself."""

    def convert(value: Any) -> Any:
        if type(value) is kind:
            for check in checks:
                if not check(value):
                    return _UNSURE
            return value
        if value is None and allow_none:
            return None
        return _UNSURE

    return convert


def _day(allow_none: bool) -> Converter:
    """`vocabulary.Day`: ISO text or a `date` loads to a date, which dumps as `date.isoformat()`."""
    from_iso = dt.date.fromisoformat

    def convert(value: Any) -> Any:
        if type(value) is str:
            try:
                day = from_iso(value)
            except ValueError:  # 2026-02-30, or not a date at all: let marshmallow word the refusal
                return _UNSURE
            # Only YYYY-MM-DD in ASCII digits equals its own `isoformat()`, and Day's pattern takes all of it
            # (Python also parses 20210802 or 2021-W31-1, which Day refuses).
            return value if day.isoformat() == value else _UNSURE
        if type(value) is dt.date:
            return value.isoformat()
        if value is None and allow_none:
            return None
        return _UNSURE

    return convert


def _moment(allow_none: bool) -> Converter:
    """`vocabulary.Moment`: RFC 3339 text or an aware datetime, dumped by `datetime.isoformat()`."""
    from_iso = dt.datetime.fromisoformat

    def convert(value: Any) -> Any:
        if type(value) is str:
            try:
                moment = from_iso(value)
            except ValueError:  # an impossible date, time or offset, or no date-time at all
                return _UNSURE
            text = moment.isoformat()
            # Text that is its own `isoformat()` and 25 or 32 long has an offset of exactly +HH:MM and no
            # or 6 fraction digits, so it fits Moment's pattern; other text ("Z", 3 digits) is checked here.
            if text == value and len(text) in (25, 32):
                return text
            if _ASCII_MOMENT(value) is not None and moment.tzinfo is not None:
                return text
            return _UNSURE
        # A fixed offset always answers utcoffset(); other tzinfo classes are left to marshmallow.
        if type(value) is dt.datetime and type(value.tzinfo) is dt.timezone:
            return value.isoformat()
        if value is None and allow_none:
            return None
        return _UNSURE

    return convert


def _list(inner: Converter, lengths: Lengths, checks: tuple[Check, ...], allow_none: bool) -> Converter:
    """`fields.List`: every item through the inner field, and the list's own validators; always a new list."""
    low, high = lengths

    def convert(value: Any) -> Any:
        # marshmallow validates the loaded list, which has the same length and items as the dumped one
        if type(value) is list and low <= len(value) <= high:
            dumped = []
            for item in value:
                item = inner(item)
                if item is _UNSURE:
                    return _UNSURE
                dumped.append(item)
            for check in checks:
                if not check(dumped):
                    return _UNSURE
            return dumped
        if value is None and allow_none:
            return None
        return _UNSURE

    return convert


def _object(checker: Checker, allow_none: bool) -> Converter:
    """`fields.Nested` of a plain schema: a dict its compiled checker is certain about dumps as the checker says."""

    def convert(value: Any) -> Any:
        if value is None and allow_none:
            return None
        dumped = checker(value)
        return _UNSURE if dumped is None else dumped

    return convert


def _when_absent(field: fields.Field, name: str) -> Any:
    """What the output holds when the key is missing: _REQUIRED, _OMIT, a dumped default, or _UNKNOWN.

    On load a missing key takes `load_default` (stored as is, never validated); on dump a key missing from
    the loaded dict takes `dump_default`; a default is then dumped as the field dumps any value.
    """
    if field.required:
        return _REQUIRED
    default = field.load_default
    if default is missing:
        default = field.dump_default
        if default is missing:
            return _OMIT
    # A callable default is called on every load or dump; the checker would have to call it too, and a
    # second call whenever it falls back would be observable.
    if callable(default) or type(default) not in _IMMUTABLE:
        return _UNKNOWN
    try:
        dumped = field.serialize(name, {name: default})
    except Exception:  # marshmallow fails the same way on every dump; let it
        return _UNKNOWN
    return dumped if type(dumped) in _IMMUTABLE else _UNKNOWN


def _checker(plan: tuple[tuple[str, Converter, Any], ...]) -> Checker:
    """The checker for a compiled plan: (field name, converter, absent value) in the schema's field order."""

    def check(data: Mapping[str, Any]) -> dict[str, Any] | None:
        if type(data) is not dict:
            return None
        dumped: dict[str, Any] = {}
        found = 0
        for name, convert, absent in plan:
            value = data.get(name, _ABSENT)
            if value is _ABSENT:
                if absent is _REQUIRED:
                    return None
                if absent is not _OMIT:
                    dumped[name] = absent
                continue
            found += 1
            value = convert(value)
            if value is _UNSURE:
                return None
            dumped[name] = value
        # Any other key is unknown, which marshmallow refuses (unknown=RAISE).
        return dumped if found == len(data) else None

    return check
