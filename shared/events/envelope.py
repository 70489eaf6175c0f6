"""The CloudEvents 1.0 envelope every event travels in, as ARCHITECTURE.md's bus contract fixes it.

These are the constants the bus and the catalog share; building and parsing envelopes is the bus's job.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from shared.events.contract import EventContract

SPECVERSION = "1.0"
# Structured mode: the whole event is the JSON message body.
CONTENT_TYPE = "application/cloudevents+json"
DATACONTENTTYPE = "application/json"
EXCHANGE = "offcampus.events"
EXCHANGE_TYPE = "topic"
DELIVERY_MODE = 2  # persistent
REQUIRED_ATTRIBUTES = (
    "specversion",
    "id",
    "source",
    "type",
    "subject",
    "time",
    "datacontenttype",
    "dataschema",
)
# Extension attributes, with what each means to a consumer.
EXTENSIONS = {
    "correlationid": "Follows one case across services: the id of the request, clue, task or case that "
    "caused this event, reused for every event about it.",
    "sequence": "Increasing per aggregate (per subject), from 1: a consumer keeping state per aggregate "
    "ignores an event whose sequence is not above the one it holds. An integer.",
}
# AMQP 0-9-1 basic properties the relay sets on every message.
AMQP_PROPERTIES = {
    "message_id": "the CloudEvents `id`",
    "type": "the CloudEvents `type` (also the routing key)",
    "content_type": CONTENT_TYPE,
    "delivery_mode": "2 (persistent)",
    "timestamp": "publication time, seconds since the epoch",
}
SERVICES = ("registry", "inspection", "complaints", "reporting")


def source_for(service: str) -> str:
    """The CloudEvents `source` of the events a service publishes."""
    return f"/offcampus/{service}"


# Fixed values keep the generated catalog byte-for-byte reproducible.
_EXAMPLE_TIME = "2021-07-21T09:30:00+08:00"
_EXAMPLE_CORRELATION = "c0a80101-7d2e-4b1f-9c3a-5e6f70818293"


def example_message(contract: EventContract) -> dict[str, Any]:
    """A complete structured-mode CloudEvents message carrying the contract's example `data`."""
    data = dict(contract.example)
    return {
        "specversion": SPECVERSION,
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, contract.dataschema)),
        "source": source_for(contract.publisher),
        "type": contract.type,
        "subject": contract.subject_of(data),
        "time": _EXAMPLE_TIME,
        "datacontenttype": DATACONTENTTYPE,
        "dataschema": contract.dataschema,
        "correlationid": _EXAMPLE_CORRELATION,
        "sequence": 1,
        "data": data,
    }
