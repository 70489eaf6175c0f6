"""The plain-Python fast path of `EventContract.validate` answers exactly what marshmallow answers, or stays out.

Marshmallow's `dump(load(data))` is the reference: whenever the compiled checker answers, it must give the
same dict (same values of the same types, same key order), and `validate` as a whole must accept, refuse
and word its refusals exactly as it did when it only used marshmallow.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import (
    EXCLUDE,
    Schema,
    ValidationError,
    fields,
    post_dump,
    post_load,
    pre_dump,
    pre_load,
    validate,
    validates,
    validates_schema,
)

from shared.events import EventContract, InvalidEventData, all_contracts
from shared.events.fastcheck import compile_schema
from shared.events.vocabulary import Day, Flag, Moment
from shared.testing.bus import COUNTER_TYPE, counter_contract

# Real contracts whose schemas have a @validates_schema hook: the fast path does not run hooks, so these
# are validated by marshmallow alone. A new contract that silently falls back fails the test below.
MARSHMALLOW_ONLY = {
    "inspection.campaign.launched",  # a campaign cannot end before it starts
    "inspection.case.sanction_imposed",  # the amount and the deadline must fit the kind of sanction
}
EXAMPLES = 100  # hypothesis examples per contract, on top of the deterministic edge sweep
COUNTER_EXAMPLE = {"counter_id": "c-000123", "poison": False, "payload": "x"}

_OFFSETS = st.one_of(
    st.just(dt.UTC),
    st.sampled_from([dt.timezone(dt.timedelta(hours=8)), dt.timezone(-dt.timedelta(hours=5, minutes=30))]),
    # Python allows offsets with seconds and microseconds, which RFC 3339 (and so Moment) does not.
    st.timedeltas(min_value=-dt.timedelta(hours=23, minutes=59), max_value=dt.timedelta(hours=23, minutes=59))
    .map(dt.timezone),
    st.just(zoneinfo.ZoneInfo("Asia/Shanghai")),
)
DAY_EDGES = [
    "2021-08-02", "0001-01-01", "9999-12-31", "2024-02-29", "2026-02-30", "2021-13-01", "0000-01-01", "2021-8-2",
    "20210802", "2021-W31-1", "2021-08-02\n", " 2021-08-02", "2021-08-02 ", "２０２１-０８-０２", "٢٠٢١-٠٨-٠٢",
    "2021-08-02T00:00:00", "2021-08-02Z", "2021-08-02T10:24:00+08:00",
]
MOMENT_EDGES = [
    "2021-07-15T10:24:00+08:00", "2021-07-15T10:24:00.123456+08:00", "2021-07-15T10:24:00Z",
    "2021-07-15T10:24:00-00:00", "2021-07-15T10:24:00.5+08:00", "2021-07-15T10:24:00.1234567+08:00",
    "2021-07-15T10:24:00+24:00", "2021-07-15T10:24:00+05:30:15", "2021-07-15T10:24:00.000001+05:30:15.000001",
    "2021-07-15 10:24:00+08:00", "2021-07-15T10:24+08:00", "2021-02-30T10:24:00+08:00",
    "2021-07-15T24:00:00+08:00", "2021-07-15T10:24:00+0800", "2021-07-15T10:24:00+08:00\n",
    "2021-07-15T10:24:00", "2021-07-15T10:24:00.123456", "２０２１-07-15T10:24:00+08:00", "2021-07-15",
    "20210715T102400+0800", "2021-07-15t10:24:00+08:00", "2021-07-15T10:24:00+08", "0001-01-01T00:00:00+01:00",
]
_DAY_TEXT = st.one_of(st.dates().map(dt.date.isoformat), st.sampled_from(DAY_EDGES))
# Whole-minute offsets, as RFC 3339 has them.
_MINUTE_OFFSETS = st.integers(min_value=-1439, max_value=1439).map(
    lambda minutes: dt.timezone(dt.timedelta(minutes=minutes))
)
_RFC3339_TEXT = st.one_of(
    st.datetimes(timezones=_MINUTE_OFFSETS).map(dt.datetime.isoformat),
    st.datetimes(timezones=_MINUTE_OFFSETS).map(lambda moment: moment.isoformat(timespec="seconds")),
    st.datetimes(timezones=st.just(dt.UTC)).map(lambda moment: moment.isoformat(timespec="seconds")[:-6] + "Z"),
)
_MOMENT_TEXT = st.one_of(
    st.datetimes(timezones=_OFFSETS).map(dt.datetime.isoformat),
    st.datetimes(timezones=_OFFSETS).map(lambda moment: moment.isoformat(timespec="milliseconds")),
    st.datetimes(timezones=st.just(dt.UTC)).map(lambda moment: moment.isoformat().replace("+00:00", "Z")),
    st.datetimes().map(dt.datetime.isoformat),  # naive
    st.sampled_from(MOMENT_EDGES),
)


class _Text(str):
    """A str subclass, like a StrEnum member: marshmallow takes it, the fast path leaves it to marshmallow."""


class _Number(int):
    """An int subclass, like an IntEnum member."""


def _repeated(lengths: list[int]) -> st.SearchStrategy[str]:
    """Text of exactly these lengths, cheaply (long strings from st.text are slow to draw)."""
    return st.builds(lambda unit, length: unit * length, st.sampled_from(["a", "汉", " ", "\U0001f600", "\u3000"]),
                     st.sampled_from(lengths))


_ANY = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from([0, -1, 1, 2**63, -(2**70), 10**30]),
    st.floats(),
    st.sampled_from([0.0, -0.0, 1.0, 12.5]),
    st.text(max_size=8),
    st.sampled_from(["", " ", "\n", "\t", "\u3000", "１２", "0", "true", "null", "12"]),
    _repeated([0, 1, 63, 64, 65, 199, 200, 201, 499, 500, 501, 2000, 2001]),
    st.binary(max_size=6),
    st.just(b"\xff\xfe"),  # not UTF-8
    st.builds(_Text, st.sampled_from(["discipline", "01HW8ZQ3V4N6P2K7T9R5M1X0AB", ""])),
    st.builds(_Number, st.integers(min_value=-3, max_value=3)),
    st.lists(st.one_of(st.none(), st.integers(), st.text(max_size=4), _DAY_TEXT), max_size=3),
    st.tuples(st.text(max_size=3)),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.dates(),
    st.datetimes(),
    st.datetimes(timezones=_OFFSETS),
    _DAY_TEXT,
    _MOMENT_TEXT,
)


def _valid(field: fields.Field) -> st.SearchStrategy[Any]:
    """Values the field mostly accepts, varied (lengths at the limits, unicode, every choice, None if allowed)."""
    options: list[st.SearchStrategy[Any]] = []
    low, high = 0, 30
    for rule in field.validators:
        if isinstance(rule, validate.Length):
            low = rule.equal if rule.equal is not None else max(low, rule.min or 0)
            high = rule.equal if rule.equal is not None else min(high, rule.max if rule.max is not None else high)
    if isinstance(field, fields.List):
        options.append(st.lists(_valid(field.inner), min_size=low, max_size=max(low, min(high, 4))))
    elif isinstance(field, fields.Nested):
        options.append(_valid_object(field))
    elif isinstance(field, Day):
        options += [st.dates().map(dt.date.isoformat), st.dates()]
    elif isinstance(field, Moment):
        options += [_RFC3339_TEXT, st.datetimes(timezones=_OFFSETS)]
    elif isinstance(field, fields.Boolean):
        options.append(st.booleans())
    elif isinstance(field, fields.Integer):
        options.append(st.integers())
    elif isinstance(field, fields.String):
        options.append(st.text(min_size=low, max_size=max(low, high)))
        limits = [rule.max for rule in field.validators if isinstance(rule, validate.Length) and rule.max]
        options.append(_repeated([low, *limits]))
    for rule in field.validators:
        if isinstance(rule, validate.OneOf):
            options = [st.sampled_from(list(rule.choices))]
        elif isinstance(rule, validate.Regexp):
            options = [st.from_regex(rule.regex, fullmatch=True)]
        elif isinstance(rule, validate.Range):
            low = rule.min if rule.min is not None else -(2**70)
            options = [st.integers(min_value=low, max_value=rule.max), st.just(low), st.just(low + 1)]
        elif isinstance(rule, validate.Equal):
            options = [st.just(rule.comparable)]
    if field.allow_none:
        options.append(st.none())
    return st.one_of(options)


def _valid_object(field: fields.Nested) -> st.SearchStrategy[dict[str, Any]]:
    """Objects a nested schema mostly accepts: each member valid, the optional ones sometimes left out."""
    inner = field.schema.fields
    return st.fixed_dictionaries({name: _valid(f) for name, f in inner.items() if f.required},
                                 optional={name: _valid(f) for name, f in inner.items() if not f.required})


def _nasty(field: fields.Field) -> st.SearchStrategy[Any]:
    """Near misses of the field's rules, and anything at all."""
    options: list[st.SearchStrategy[Any]] = [_ANY, _ANY]
    if isinstance(field, fields.List):
        options += [st.lists(st.one_of(_valid(field.inner), _nasty(field.inner)), max_size=4), st.just([])]
    if isinstance(field, fields.Nested):  # an object with one member broken, missing, or joined by an unknown one
        inner = field.schema.fields
        options.append(st.builds(lambda valid, name, value: {**valid, name: value}, _valid_object(field),
                                 st.sampled_from([*inner, "extra"]), _ANY))
        options.append(st.builds(lambda valid, name: {k: v for k, v in valid.items() if k != name},
                                 _valid_object(field), st.sampled_from(list(inner))))
    if isinstance(field, Day):
        options += [_DAY_TEXT, st.datetimes()]
    if isinstance(field, Moment):
        options += [_MOMENT_TEXT, st.datetimes(timezones=_OFFSETS), st.datetimes(), st.dates()]
    if isinstance(field, fields.Boolean):
        options.append(st.sampled_from([1, 0, "true", "yes", "", None]))
    for rule in field.validators:
        if isinstance(rule, validate.OneOf):
            options.append(st.sampled_from(list(rule.choices)).map(_near_miss))
        elif isinstance(rule, validate.Regexp):
            options.append(st.from_regex(rule.regex).map(_near_miss))
        elif isinstance(rule, validate.Length) and not isinstance(field, fields.List):
            bounds = [bound for bound in (rule.min, rule.max, rule.equal) if bound is not None]
            options.append(_repeated(sorted({max(0, bound + step) for bound in bounds for step in (-1, 0, 1)})))
        elif isinstance(rule, validate.Range):
            bounds = [bound for bound in (rule.min, rule.max) if bound is not None]
            options.append(st.sampled_from([bound + step for bound in bounds for step in (-1, 0, 1)]))
        elif isinstance(rule, validate.Equal):
            options.append(st.just(not rule.comparable))
    return st.one_of(options)


def _near_miss(value: Any) -> Any:
    if isinstance(value, str):
        return value.upper() if value != value.upper() else value + " "
    return value


def _exactly(value: Any) -> Any:
    """A value with every type spelled out, so that True differs from 1 and key order counts."""
    if type(value) is dict:
        return ("dict", [(_exactly(key), _exactly(item)) for key, item in value.items()])
    if type(value) is list:
        return ("list", [_exactly(item) for item in value])
    return (type(value), value)


def _answer(run: Callable[[], Any]) -> tuple[str, Any]:
    """("ok", output) or ("refused", errors) or ("raised", exception type and text)."""
    try:
        return ("ok", _exactly(run()))
    except InvalidEventData as error:
        return ("refused", error.errors)
    except ValidationError as error:
        return ("refused", error.normalized_messages())
    except Exception as error:  # whatever marshmallow lets escape must escape the same way
        return ("raised", (type(error), str(error)))


def _assert_fresh(output: dict[str, Any], data: Mapping[str, Any]) -> None:
    """The output shares no mutable object with the input (marshmallow always builds new ones)."""
    assert output is not data
    for key, value in output.items():
        if isinstance(value, list):
            assert value is not data.get(key)


def _assert_agrees(schema: Schema, checker: Callable[[Any], Any], data: Any,
                   contract: EventContract | None = None) -> None:
    reference = _answer(lambda: schema.dump(schema.load(data)))
    fast = checker(data)
    if fast is not None:
        assert ("ok", _exactly(fast)) == reference, data
        _assert_fresh(fast, data)
    if contract is not None:
        assert _answer(lambda: contract.validate(data)) == reference, data
        if reference[0] == "ok":
            _assert_fresh(contract.validate(data), data)


class _NoOffset(dt.tzinfo):
    """A tzinfo that knows no offset, which makes its datetimes naive."""

    def utcoffset(self, moment: dt.datetime | None) -> None:
        return None

    def dst(self, moment: dt.datetime | None) -> None:
        return None

    def tzname(self, moment: dt.datetime | None) -> None:
        return None


# Values tried in every field by the edge sweep, whatever the field is.
EVERYWHERE = [
    None, True, False, 0, 1, -1, 2**70, -(2**70), 0.0, 1.0, 12.5, "", " ", "\n", "\u3000", "12", "true", "null",
    b"abc", b"\xff", [], [None], ["x"], [1], {}, {"x": 1}, ("x",), {"x"}, _Text("x"), _Number(1),
    dt.date(2021, 8, 2), dt.datetime(2021, 8, 2, 10, 24), dt.datetime(2021, 8, 2, 10, 24, tzinfo=dt.UTC),
    dt.datetime(2021, 8, 2, 10, 24, tzinfo=dt.timezone(dt.timedelta(hours=8))),
    dt.datetime(2021, 8, 2, 10, 24, tzinfo=dt.timezone(dt.timedelta(hours=5, seconds=30))),
    dt.datetime(2021, 8, 2, 10, 24, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai")),
    dt.datetime(2021, 8, 2, 10, 24, tzinfo=_NoOffset()),
    *DAY_EDGES, *MOMENT_EDGES,
]


def _near(text: str) -> list[str]:
    """A text and the ways it is commonly almost right."""
    return [text, "1" + text, text + "1", "!" + text, text + "!", " " + text, text + " ", text + "\n", text.upper(),
            text.lower(), text.title(), text[:-1], text[1:], text + text]


def _edges(field: fields.Field, example: Any) -> list[Any]:
    """Every field's boundary values and near misses: limits ±1, each choice and its variants, wrong types."""
    values = list(EVERYWHERE)
    if isinstance(example, str):
        values += _near(example)
    if isinstance(field, fields.Nested) and isinstance(example, dict):
        values += [{**example, name: value} for name, inner in field.schema.fields.items()
                   for value in _edges(inner, example.get(name))]
        values += [{k: v for k, v in example.items() if k != name} for name in example]
        values += [{**example, "extra": 1}, dict(reversed(example.items())), MappingProxyType(example)]
    if isinstance(field, fields.List):
        item = example[0] if example else None
        values += [[value] for value in _edges(field.inner, item)]
        if example:
            values += [[], example[:-1], example + [item], example * 2, example * 3, [*example, None], [None, *example]]
    for rule in field.validators:
        if isinstance(rule, validate.OneOf):
            values += [variant for choice in rule.choices for variant in (_near(choice) if isinstance(choice, str)
                                                                          else [choice])]
        elif isinstance(rule, validate.Length) and not isinstance(field, fields.List):
            bounds = [bound for bound in (rule.min, rule.max, rule.equal) if bound is not None]
            values += [unit * length for bound in bounds for length in (bound - 1, bound, bound + 1) if length >= 0
                       for unit in ("a", "7", "汉", "\U0001f600")]
        elif isinstance(rule, validate.Range):
            values += [bound + step for bound in (rule.min, rule.max) if bound is not None for step in (-1, 0, 1)]
        elif isinstance(rule, validate.Equal):
            values += [rule.comparable, not rule.comparable]
    return values


def _sweep(schema_class: type[Schema], base: Mapping[str, Any], contract: EventContract | None = None) -> None:
    """Each field of a valid example set to each of its edge values, dropped, and joined by an unknown key."""
    schema, checker = schema_class(), compile_schema(schema_class())
    assert checker is not None
    base = dict(base)
    assert checker(base) is not None, "the base example is valid and certain"
    for name, field in schema.fields.items():
        for value in _edges(field, base.get(name)):
            _assert_agrees(schema, checker, {**base, name: value}, contract)
        _assert_agrees(schema, checker, {key: value for key, value in base.items() if key != name}, contract)
    for unknown in ("extra", "", 1, None):
        _assert_agrees(schema, checker, {**base, unknown: 1}, contract)
    _assert_agrees(schema, checker, dict(reversed(base.items())), contract)
    _assert_agrees(schema, checker, MappingProxyType(base), contract)


def _one_in(times: int) -> st.SearchStrategy[bool]:
    """True about once in `times` draws (st.integers would favour its bounds far more often)."""
    return st.sampled_from([False] * (times - 1) + [True])


@st.composite
def _mutations(draw: st.DrawFn, base: Mapping[str, Any], schema_fields: Mapping[str, fields.Field]) -> Any:
    """Data near a contract's example: fields revalued, a few dropped or broken, unknown keys, any key order.

    Two cases in three break nothing on purpose, so the fast path's answers are compared often, not
    only the fallback's refusals.
    """
    data = dict(base)
    names = list(schema_fields)
    broken = []
    if draw(_one_in(3)):
        broken = draw(st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True))
    for name, field in schema_fields.items():
        if name in broken:
            if draw(_one_in(4)):
                data.pop(name, None)
            else:
                data[name] = draw(_nasty(field))
        elif not field.required and draw(_one_in(5)):
            data.pop(name, None)
        elif name not in data or draw(st.booleans()):
            data[name] = draw(_valid(field))
    if draw(_one_in(10)):
        unknown = st.one_of(st.sampled_from(["extra", "Name", "institution_id ", "", "items"]), st.integers())
        data.update(draw(st.dictionaries(unknown, _ANY, min_size=1, max_size=2)))
    order = draw(st.permutations(list(data)))
    data = {key: data[key] for key in order}
    if draw(_one_in(20)):
        return MappingProxyType(data)  # a Mapping that is not a dict: marshmallow's business
    return data


def _agrees_with_marshmallow(schema_class: type[Schema], base: Mapping[str, Any],
                             contract: EventContract | None = None) -> None:
    """Hypothesis: the compiled checker (and `validate`) against a separate marshmallow schema instance."""
    schema = schema_class()
    checker = compile_schema(schema_class())
    assert checker is not None

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(data=_mutations(base, schema.fields))
    def agrees(data: Any) -> None:
        _assert_agrees(schema, checker, data, contract)

    agrees()


def _compiled_contracts() -> list[EventContract]:
    return [contract for contract in all_contracts() if contract.type not in MARSHMALLOW_ONLY]


def test_every_contract_compiles_except_those_with_schema_hooks():
    falls_back = {contract.type for contract in all_contracts() if compile_schema(contract.schema()) is None}
    assert falls_back == MARSHMALLOW_ONLY
    for name in MARSHMALLOW_ONLY:  # and for the reason given: each declares a method (its @validates_schema)
        schema = next(contract for contract in all_contracts() if contract.type == name).schema
        assert [key for key, value in vars(schema).items() if callable(value) and key != "Meta"]


def test_the_counter_contract_compiles():
    with counter_contract() as contract:
        assert contract.type == COUNTER_TYPE
        assert compile_schema(contract.schema()) is not None


@pytest.mark.parametrize("contract", _compiled_contracts(), ids=lambda contract: contract.type)
def test_each_example_takes_the_fast_path(contract, monkeypatch):
    example = dict(contract.example)
    assert compile_schema(contract.schema())(example) == example

    def no_marshmallow(*args, **kwargs):
        raise AssertionError("validate fell back to marshmallow for a valid example")

    monkeypatch.setattr(contract._schema, "load", no_marshmallow)
    validated = contract.validate(example)
    assert list(validated.items()) == list(example.items())


def test_counter_events_take_the_fast_path_defaults_included(monkeypatch):
    with counter_contract() as contract:
        checker = compile_schema(contract.schema())
        assert list(checker({"counter_id": "c-1"}).items()) == [("counter_id", "c-1"), ("poison", False),
                                                                 ("payload", "")]
        assert checker({"payload": "x", "poison": True, "counter_id": "c-2"}) == {
            "counter_id": "c-2", "poison": True, "payload": "x"}
        monkeypatch.setattr(contract._schema, "load", None)  # any use of marshmallow would fail
        assert contract.validate({"counter_id": "c-3", "poison": False}) == {
            "counter_id": "c-3", "poison": False, "payload": ""}


@pytest.mark.parametrize("contract", all_contracts(), ids=lambda contract: contract.type)
def test_each_contract_agrees_with_marshmallow(contract):
    schema_class = contract.schema
    if contract.type in MARSHMALLOW_ONLY:
        # No checker: validate is marshmallow itself; still compare it, on a smaller sample.
        schema = schema_class()

        @settings(max_examples=20, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
        @given(data=_mutations(contract.example, schema.fields))
        def agrees(data: Any) -> None:
            _assert_agrees(schema, lambda _: None, data, contract)

        agrees()
        return
    _agrees_with_marshmallow(schema_class, contract.example, contract)


def test_the_counter_contract_agrees_with_marshmallow():
    with counter_contract() as contract:
        _sweep(contract.schema, COUNTER_EXAMPLE, contract)
        _agrees_with_marshmallow(contract.schema, COUNTER_EXAMPLE, contract)


@pytest.mark.parametrize("contract", _compiled_contracts(), ids=lambda contract: contract.type)
def test_each_field_at_its_edges_agrees_with_marshmallow(contract):
    _sweep(contract.schema, contract.example, contract)


def test_what_the_fast_path_is_merely_cautious_about_is_still_accepted():
    contract = next(contract for contract in all_contracts() if contract.type == "complaints.clue.received")
    example = dict(contract.example)
    cautious = {
        **example,
        "clue_id": _Text(example["clue_id"]),  # a str subclass
        "town": example["town"].encode(),  # bytes for a string
        "received_at": dt.datetime(2021, 7, 15, 10, 24, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai")),
    }
    assert compile_schema(contract.schema())(cautious) is None
    assert contract.validate(cautious) == {**example, "received_at": "2021-07-15T10:24:00+08:00"}


# Features the real contracts do not use (yet), each checked against marshmallow all the same.
SYNTHETIC = {
    "defaults": {
        "id": fields.String(required=True),
        "flag": fields.Boolean(load_default=False),
        "note": fields.String(load_default=""),
        "count": fields.Integer(strict=True, dump_default=7),
        "coerced": fields.Integer(strict=True, load_default="12"),  # dumped by int(), never validated
        "maybe": fields.String(load_default=None),
        "word": fields.String(allow_none=True, validate=validate.Length(equal=3)),
        "when": Day(required=False, allow_none=True),
    },
    "bounds": {
        "id": fields.String(required=True, validate=validate.Length(min=1)),
        "open": fields.Integer(strict=True, validate=validate.Range(0, 10, min_inclusive=False, max_inclusive=False)),
        "twice": fields.Integer(strict=True, validate=[validate.Range(min=-5), validate.Range(max=5)]),
        "code": fields.String(validate=[validate.Length(min=2, max=4), validate.Regexp(r"[a-z]+")]),  # start only
        "pick": fields.Integer(strict=True, validate=validate.OneOf([1, 2, 3])),
        "yes": Flag(validate=validate.Equal(True)),
        "exact": fields.String(validate=validate.Equal("x")),
        "plain": fields.Boolean(truthy=set(), allow_none=True),
        "at": Moment(allow_none=True),
    },
    "lists": {
        "id": fields.String(required=True),
        "days": fields.List(Day(), validate=validate.Length(max=2)),
        "moments": fields.List(Moment(allow_none=True)),
        "grid": fields.List(fields.List(fields.Integer(strict=True)), allow_none=True),
        "tags": fields.List(fields.String(validate=validate.OneOf(["a", "b"])),
                            validate=[validate.Length(min=1), validate.Length(max=3)]),
    },
}


SYNTHETIC_EXAMPLES = {
    "defaults": {"id": "x", "flag": True, "note": "n", "count": 3, "coerced": 4, "maybe": "m", "word": "abc",
                 "when": "2021-08-02"},
    "bounds": {"id": "x", "open": 5, "twice": 0, "code": "abc", "pick": 2, "yes": True, "exact": "x", "plain": False,
               "at": "2021-07-15T10:24:00+08:00"},
    "lists": {"id": "x", "days": ["2021-08-02"], "moments": ["2021-07-15T10:24:00+08:00", None],
              "grid": [[1, 2], []], "tags": ["a", "b"]},
}


@pytest.mark.parametrize("name", SYNTHETIC)
def test_other_supported_features_agree_with_marshmallow(name):
    schema_class = Schema.from_dict(SYNTHETIC[name], name=f"Synthetic{name.title()}Schema")
    _sweep(schema_class, SYNTHETIC_EXAMPLES[name])
    _agrees_with_marshmallow(schema_class, SYNTHETIC_EXAMPLES[name])


class _Hooked(Schema):
    id = fields.String(required=True)


def _schema_with(decorator: Any, *arguments: Any) -> type[Schema]:
    def hook(self, data, **kwargs):
        return data

    return type("HookedSchema", (_Hooked,), {"hook": decorator(*arguments)(hook)})


class _Exclude(Schema):
    class Meta:
        unknown = EXCLUDE

    id = fields.String()


class _DayFirst(Schema):
    class Meta:
        dateformat = "%d/%m/%Y"

    on = Day()


class _OwnDump(Schema):
    id = fields.String()

    def get_attribute(self, obj, attr, default):
        return "always"


class _InheritsAHook(_schema_with(pre_load)):
    more = fields.String()


class _StaticHelper(Schema):
    id = fields.String()
    shout = staticmethod(str.upper)


def _from(declared: dict[str, fields.Field]) -> type[Schema]:
    return Schema.from_dict(declared)


NOT_COMPILED = {
    "validates_schema": _schema_with(validates_schema),
    "validates": _schema_with(validates, "id"),
    "pre_load": _schema_with(pre_load),
    "post_load": _schema_with(post_load),
    "pre_dump": _schema_with(pre_dump),
    "post_dump": _schema_with(post_dump),
    "unknown exclude": _Exclude,
    "dateformat": _DayFirst,
    "overridden get_attribute": _OwnDump,
    "hook in a base schema": _InheritsAHook,
    "static method": _StaticHelper,
    "data_key": _from({"id": fields.String(data_key="ID")}),
    "attribute": _from({"id": fields.String(attribute="ident")}),
    "load_only": _from({"id": fields.String(load_only=True)}),
    "dump_only": _from({"id": fields.String(dump_only=True)}),
    "field pre_load": _from({"id": fields.String(pre_load=str.strip)}),
    "nested with a hook": _from({"child": fields.Nested(_schema_with(post_load))}),
    "nested, many": _from({"children": fields.Nested(_Hooked, many=True)}),
    "nested, only some": _from({"child": fields.Nested(_Hooked, only=("id",))}),
    "nested, its own unknown": _from({"child": fields.Nested(_Hooked, unknown=EXCLUDE)}),
    "nested, excluding unknown": _from({"child": fields.Nested(_Exclude)}),
    "float": _from({"x": fields.Float()}),
    "email": _from({"x": fields.Email()}),
    "plain date": _from({"x": fields.Date()}),
    "datetime": _from({"x": fields.DateTime()}),
    "lax integer": _from({"x": fields.Integer()}),
    "integer as string": _from({"x": fields.Integer(strict=True, as_string=True)}),
    "custom truthy": _from({"x": fields.Boolean(truthy={"y"}, falsy={"n"})}),
    "function validator": _from({"x": fields.String(validate=lambda value: True)}),
    "and validator": _from({"x": fields.String(validate=validate.And(validate.Length(max=3)))}),
    "choices in a str": _from({"x": fields.String(validate=validate.OneOf("abc"))}),
    "day with a validator": _from({"x": Day(validate=validate.Length(max=3))}),
    "callable default": _from({"x": fields.String(load_default=lambda: "now")}),
    "mutable default": _from({"x": fields.List(fields.String(), load_default=["a"])}),
    "dict attribute as name": _from({"items": fields.String()}),
    "dotted name": _from({"a.b": fields.String()}),
}


@pytest.mark.parametrize("name", NOT_COMPILED)
def test_what_is_not_understood_exactly_is_left_to_marshmallow(name):
    assert compile_schema(NOT_COMPILED[name]()) is None


def test_schema_instances_with_other_options_are_left_to_marshmallow():
    schema_class = _from({"id": fields.String()})
    assert compile_schema(schema_class()) is not None
    assert compile_schema(schema_class(partial=True)) is None
    assert compile_schema(schema_class(many=True)) is None
    assert compile_schema(schema_class(unknown=EXCLUDE)) is None
    assert compile_schema(schema_class(load_only=("id",))) is None


def test_a_plain_nested_object_compiles_and_agrees_with_marshmallow():
    person = _from({"name": fields.String(required=True, validate=validate.Length(min=1, max=3)),
                    "no": fields.String(required=True, allow_none=True)})
    schema = _from({"id": fields.String(required=True), "people": fields.List(fields.Nested(person)),
                    "head": fields.Nested(person, allow_none=True)})
    assert compile_schema(schema()) is not None
    base = {"id": "x", "people": [{"name": "李明", "no": None}, {"name": "王", "no": "1"}],
            "head": {"name": "ab", "no": "2"}}
    _sweep(schema, base)
    _agrees_with_marshmallow(schema, base)
