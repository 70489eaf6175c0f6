"""An event type's versioned contract, and the register every contract is declared in once."""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from marshmallow import Schema, ValidationError
from marshmallow import fields as ma_fields

from shared.events.fastcheck import compile_schema

# `<service>.<aggregate>.<what happened>`, as ARCHITECTURE.md names routing keys.
_TYPE = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")
DATASCHEMA_PREFIX = "urn:offcampus:events:"


class ContractError(Exception):
    """Base of the errors raised by the event contracts."""


class UnknownEventType(ContractError, LookupError):
    """No contract is declared for this event type (or this version of it)."""

    def __init__(self, type: str, version: int | None = None) -> None:
        self.type = type
        self.version = version
        named = type if version is None else f"{type} v{version}"
        super().__init__(f"undeclared event type: {named}")


class InvalidEventData(ContractError, ValueError):
    """An event's `data` breaks its contract; `errors` maps each field to its messages."""

    def __init__(self, type: str, errors: Mapping[str, Any]) -> None:
        self.type = type
        self.errors = dict(errors)
        super().__init__(f"invalid data for {type}: {self.errors}")


class DuplicateContract(ContractError, ValueError):
    """A contract for this type and version is already declared."""


@dataclass(frozen=True, eq=False, kw_only=True)
class EventContract:
    """What one version of one event type means and carries; `type` is also the AMQP routing key."""

    type: str
    schema: type[Schema]
    summary: str = ""
    summary_zh: str = ""
    consumers: tuple[str, ...] = ()
    # the consumers that take it on their interactive queue, apart from their bulk: someone waits to see its
    # effect (docs/bus.md); each must be one of `consumers`
    interactive_for: tuple[str, ...] = ()
    example: Mapping[str, Any] = field(default_factory=dict)
    version: int = 1
    publisher: str = ""
    aggregate: str = ""
    subject_field: str = ""

    def __post_init__(self) -> None:
        if not _TYPE.match(self.type):
            raise ValueError(f"event type {self.type!r} is not <service>.<aggregate>.<what happened>")
        if not isinstance(self.version, int) or isinstance(self.version, bool) or self.version < 1:
            raise ValueError(f"{self.type}: version must be a positive integer")
        service, aggregate, _ = self.type.split(".")
        # Defaults follow the routing key; a contract overrides them when the aggregate whose id is the
        # CloudEvents subject is not the noun in the key (a licence or a filing belongs to an institution).
        object.__setattr__(self, "publisher", self.publisher or service)
        object.__setattr__(self, "aggregate", self.aggregate or aggregate)
        object.__setattr__(self, "subject_field", self.subject_field or f"{self.aggregate}_id")
        object.__setattr__(self, "consumers", tuple(self.consumers))
        object.__setattr__(self, "interactive_for", tuple(self.interactive_for))
        if not set(self.interactive_for) <= set(self.consumers):
            raise ValueError(f"{self.type}: interactive_for names services that do not consume it: "
                             f"{', '.join(sorted(set(self.interactive_for) - set(self.consumers)))}")
        # One schema instance per contract: marshmallow schemas are reusable, and building one per event
        # would cost the bus more than the validation itself.
        object.__setattr__(self, "_schema", self.schema())
        # Its plain-Python twin for data that is certainly valid, or None when marshmallow must do it all.
        object.__setattr__(self, "_fast", compile_schema(self._schema))
        subject = self._schema.fields.get(self.subject_field)
        if subject is None or not subject.required or subject.allow_none:
            raise ValueError(f"{self.type}: subject field {self.subject_field!r} must be required, never null")
        if self.example:
            object.__setattr__(self, "example", MappingProxyType(self.validate(self.example)))

    @property
    def dataschema(self) -> str:
        """The stable URI that names this type and version (the CloudEvents `dataschema`)."""
        return f"{DATASCHEMA_PREFIX}{self.type}:{self.version}"

    @property
    def routing_key(self) -> str:
        """The AMQP routing key on the `offcampus.events` exchange: the event type itself."""
        return self.type

    @property
    def source(self) -> str:
        """The CloudEvents `source` of every event of this type."""
        return f"/offcampus/{self.publisher}"

    @property
    def fields(self) -> Mapping[str, ma_fields.Field]:
        """The marshmallow fields of `data`, by name."""
        return self._schema.fields

    def subject_of(self, data: Mapping[str, Any]) -> str:
        """The CloudEvents `subject` of an event with this `data`: its aggregate's id."""
        return str(data[self.subject_field])

    def validate(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """Check `data` against the contract; return it JSON-ready (dates as ISO text) or raise.

        The result is always marshmallow's `dump(load(data))`: a compiled checker returns it directly for
        data it is certain about (the common case, several times faster), and anything else, every refusal
        included, goes through the schema itself.
        """
        if not isinstance(data, Mapping):
            raise InvalidEventData(self.type, {"_schema": ["Event data must be a JSON object."]})
        if self._fast is not None and not _NO_FASTCHECK:
            checked = self._fast(data)
            if checked is not None:
                return checked
        try:
            loaded = self._schema.load(data)
        except ValidationError as error:
            raise InvalidEventData(self.type, error.normalized_messages()) from None
        return self._schema.dump(loaded)


# For `bench/bus_throughput.py --ablation` (docs/bus.md): "fastcheck" there sends every event through marshmallow.
_NO_FASTCHECK = "fastcheck" in os.environ.get("OFFCAMPUS_BUS_ABLATE", "")
_lock = threading.Lock()
_contracts: dict[tuple[str, int], EventContract] = {}
# The latest version of each type, kept beside the full register because the bus looks a contract up
# for every event it publishes and consumes.
_latest: dict[str, EventContract] = {}


def _refresh_latest(type: str) -> None:
    versions = [contract for (name, _), contract in _contracts.items() if name == type]
    if versions:
        _latest[type] = max(versions, key=lambda contract: contract.version)
    else:
        _latest.pop(type, None)


def register_contract(contract: EventContract) -> EventContract:
    """Add a contract to the register; a type and version can be declared only once."""
    key = (contract.type, contract.version)
    with _lock:
        if key in _contracts:
            raise DuplicateContract(f"{contract.type} v{contract.version} is already declared")
        _contracts[key] = contract
        _refresh_latest(contract.type)
    return contract


def declare(**attributes: Any) -> EventContract:
    """Build an `EventContract` from its attributes and register it."""
    return register_contract(EventContract(**attributes))


def contract_for(type: str, version: int | None = None) -> EventContract:
    """The contract of an event type: the given version, or else the latest one declared."""
    if version is not None:
        try:
            return _contracts[(type, version)]
        except KeyError:
            raise UnknownEventType(type, version) from None
    try:
        return _latest[type]
    except KeyError:
        raise UnknownEventType(type) from None


def all_contracts() -> list[EventContract]:
    """Every declared contract, sorted by type then version."""
    return sorted(list(_contracts.values()), key=lambda contract: (contract.type, contract.version))


def published_by(service: str) -> list[EventContract]:
    """The contracts a service publishes, sorted by type."""
    return [contract for contract in all_contracts() if contract.publisher == service]


def consumed_by(service: str) -> list[EventContract]:
    """The contracts a service consumes, sorted by type."""
    return [contract for contract in all_contracts() if service in contract.consumers]


@contextmanager
def temporary_contract(
    contract: EventContract | None = None, /, **attributes: Any
) -> Iterator[EventContract]:
    """For tests only: declare a contract (or build one from `attributes`) and remove it on exit.

    `schema` may be a dict of marshmallow fields, e.g. `{"counter_id": fields.String(required=True)}`.
    """
    if contract is None:
        schema = attributes.get("schema")
        if isinstance(schema, Mapping):
            name = "".join(part.title() for part in re.split(r"[._]", attributes["type"])) + "Schema"
            attributes["schema"] = Schema.from_dict(dict(schema), name=name)
        contract = EventContract(**attributes)
    register_contract(contract)
    try:
        yield contract
    finally:
        with _lock:
            if _contracts.get((contract.type, contract.version)) is contract:
                del _contracts[(contract.type, contract.version)]
                _refresh_latest(contract.type)
