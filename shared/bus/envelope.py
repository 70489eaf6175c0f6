"""The envelope: a CloudEvents 1.0 event in structured JSON mode, with `correlationid` and `sequence`."""

from __future__ import annotations

import base64
import json
import os
import threading
import time as _time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import structlog

CONTENT_TYPE = "application/cloudevents+json"
SPECVERSION = "1.0"
_REQUIRED = ("specversion", "id", "source", "type", "time", "data")


class MalformedEvent(ValueError):
    """A message body that is not a CloudEvents 1.0 structured JSON event."""


def _json_default(value: Any) -> Any:
    # contracts may hand back dates and decimals; the wire format is ISO text and strings
    if isinstance(value, datetime):
        return format_time(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


# one encoder for every body: json.dumps with options builds a new one per call
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=_json_default)


def format_time(moment: datetime) -> str:
    """RFC 3339 in UTC with a `Z`, as CloudEvents wants it."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    elif moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    return moment.isoformat(timespec="microseconds")[:-6] + "Z"


# ULIDs as python-ulid's default generator makes them (48-bit milliseconds, 80 random bits, strictly
# increasing within a millisecond in this process, Crockford base32), at a fraction of its cost: the bus
# names every event with one. The 130 bits shifted to 136 are 17 bytes whose first 26 base32 digits are
# the ULID; RFC 4648's alphabet is then mapped onto Crockford's.
_CROCKFORD = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", b"0123456789ABCDEFGHJKMNPQRSTVWXYZ")
_MAX_RANDOMNESS = (1 << 80) - 1
_ulid_lock = threading.Lock()
_ulid_last = [0, 0]  # the last (milliseconds, randomness)


def new_ulid() -> str:
    """A new ULID as text, e.g. `01J8Z6Q4WJ7V3K2M5N8P9R0S1T`."""
    millis = _time.time_ns() // 1_000_000
    with _ulid_lock:
        if millis == _ulid_last[0]:
            if _ulid_last[1] == _MAX_RANDOMNESS:
                raise ValueError("Randomness within same millisecond exhausted")
            randomness = _ulid_last[1] + 1
        else:
            randomness = int.from_bytes(os.urandom(10), "big")
        _ulid_last[0], _ulid_last[1] = millis, randomness
    value = (millis << 80 | randomness) << 6
    return base64.b32encode(value.to_bytes(17, "big"))[:26].translate(_CROCKFORD).decode()


def parse_time(text: str) -> datetime:
    """Read an RFC 3339 time (a trailing `Z` included) as an aware UTC datetime."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def aggregate_of(event_type: str) -> str:
    """The kind of thing an event's `subject` names: `registry.institution` for `registry.filing.published`."""
    from shared.events import UnknownEventType, contract_for

    try:
        contract = contract_for(event_type)
    except UnknownEventType:
        return ".".join(event_type.split(".")[:2])
    # a contract may name another aggregate than the key's noun (a filing belongs to an institution)
    return f"{contract.publisher}.{contract.aggregate}"


@dataclass
class Event:
    """One integration event; `sequence` is set by the outbox, `correlationid` follows one case."""

    type: str
    source: str
    subject: str
    data: dict[str, Any]
    id: str = field(default_factory=new_ulid)
    time: datetime = field(default_factory=lambda: datetime.now(UTC))
    dataschema: str | None = None
    correlationid: str | None = None
    sequence: int | None = None
    datacontenttype: str = "application/json"
    specversion: str = SPECVERSION

    @property
    def aggregate(self) -> str:
        """The aggregate key `sequence` counts within: `registry.institution:42`."""
        return f"{aggregate_of(self.type)}:{self.subject}"

    def to_dict(self) -> dict[str, Any]:
        """The structured-mode JSON object (attributes, extensions and `data`)."""
        body: dict[str, Any] = {
            "specversion": self.specversion, "id": self.id, "source": self.source, "type": self.type,
            "subject": self.subject, "time": format_time(self.time),
            "datacontenttype": self.datacontenttype,
        }
        if self.dataschema:
            body["dataschema"] = self.dataschema
        if self.correlationid:
            body["correlationid"] = self.correlationid
        if self.sequence is not None:
            body["sequence"] = self.sequence
        body["data"] = self.data
        return body

    def to_json(self) -> str:
        """The message body."""
        return _ENCODER.encode(self.to_dict())

    @classmethod
    def from_json(cls, body: bytes | str) -> Event:
        """Parse a message body; raises MalformedEvent when it is not a structured CloudEvent."""
        try:
            raw = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise MalformedEvent(f"not JSON: {exc}") from exc
        if not isinstance(raw, dict):
            raise MalformedEvent("not a JSON object")
        missing = [name for name in _REQUIRED if name not in raw]
        if missing:
            raise MalformedEvent(f"missing attributes: {', '.join(missing)}")
        if raw["specversion"] != SPECVERSION:
            raise MalformedEvent(f"specversion {raw['specversion']!r} is not {SPECVERSION}")
        if not isinstance(raw["data"], dict):
            raise MalformedEvent("data is not a JSON object")
        sequence = raw.get("sequence")
        try:
            return cls(
                type=str(raw["type"]), source=str(raw["source"]), subject=str(raw.get("subject", "")),
                data=raw["data"], id=str(raw["id"]), time=parse_time(str(raw["time"])),
                dataschema=raw.get("dataschema"), correlationid=raw.get("correlationid"),
                sequence=int(sequence) if sequence is not None else None,
                datacontenttype=raw.get("datacontenttype", "application/json"),
            )
        except (TypeError, ValueError) as exc:
            raise MalformedEvent(f"bad attribute: {exc}") from exc


def current_correlation_id() -> str | None:
    """The correlation id bound to this request's or message's log context, if any."""
    return structlog.contextvars.get_contextvars().get("correlation_id")


def new_event(type: str, subject: str | int | None = None, data: dict[str, Any] | None = None,
              correlation_id: str | None = None, time: datetime | None = None) -> Event:
    """A validated event of a declared type; raises UnknownEventType or InvalidEventData before any write.

    `subject` defaults to the aggregate id the contract finds in `data`.
    """
    from shared.events import contract_for

    contract = contract_for(type)
    validated = contract.validate(data if data is not None else {})
    subject = contract.subject_of(validated) if subject is None else subject
    event = Event(type=type, source=contract.source, subject=str(subject), data=validated,
                  dataschema=contract.dataschema, time=time or datetime.now(UTC))
    # an event caused while handling another (or a request) carries that case's correlation id onwards
    event.correlationid = correlation_id or current_correlation_id() or event.id
    return event
