"""What the relay and the consumer need from a broker, and the choice between RabbitMQ and in-memory."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from shared.bus.topology import Topology

ATTEMPT = "x-offcampus-attempt"  # which attempt this delivery is, 1-based
ERROR = "x-offcampus-error"
REASON = "x-offcampus-reason"  # handler_failed | invalid | unparseable | delivery_limit
ROUTING_KEY = "x-offcampus-routing-key"  # the event type it was first published with
ATTEMPTS = "x-offcampus-attempts"
SERVICE = "x-offcampus-service"
DEAD_AT = "x-offcampus-dead-at"
REPLAYED = "x-offcampus-replayed"
# headers the broker adds on each dead-lettering; carrying them forward only grows the message
_BROKER_HEADERS = ("x-death", "x-first-death-exchange", "x-first-death-queue", "x-first-death-reason",
                   "x-delivery-count", "x-last-death-exchange", "x-last-death-queue", "x-last-death-reason")


@dataclass(frozen=True)
class Outgoing:
    """A message the relay hands to a publisher; `key` is the caller's handle (the outbox row id)."""

    key: Any
    body: bytes
    routing_key: str
    message_id: str
    timestamp: datetime
    correlation_id: str | None = None


@dataclass
class Delivery:
    """A message received by a subscription, to be settled after the database commit."""

    body: bytes
    routing_key: str
    tag: Any
    headers: dict[str, Any] = field(default_factory=dict)
    properties: dict[str, Any] = field(default_factory=dict)
    redelivered: bool = False
    generation: int = 0

    @property
    def attempt(self) -> int:
        """1 for a first delivery, n for the n-th try after retries."""
        try:
            return max(1, int(self.headers.get(ATTEMPT, 1)))
        except (TypeError, ValueError):
            return 1

    @property
    def message_id(self) -> str | None:
        """The event id, from the AMQP properties."""
        return self.properties.get("message_id")

    @property
    def event_type(self) -> str:
        """The original routing key (a retried message comes back through the default exchange)."""
        return self.headers.get(ROUTING_KEY) or self.properties.get("type") or self.routing_key


@dataclass
class Settlement:
    """What to do with a batch once its transaction committed: ack, retry later, or dead-letter."""

    acks: list[Delivery] = field(default_factory=list)
    retries: list[tuple[Delivery, str]] = field(default_factory=list)  # (delivery, error)
    deads: list[tuple[Delivery, str, str]] = field(default_factory=list)  # (delivery, reason, error)

    def __bool__(self) -> bool:
        return bool(self.acks or self.retries or self.deads)


def _clean(headers: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in headers.items() if k not in _BROKER_HEADERS}


def retry_route(topology: Topology, service: str, delivery: Delivery, error: str) -> tuple[str, dict]:
    """The retry queue for this failed attempt and the headers of the next attempt."""
    headers = _clean(delivery.headers)
    headers.update({ATTEMPT: delivery.attempt + 1, ERROR: error[:1000], ROUTING_KEY: delivery.event_type})
    return topology.retry_queue(service, topology.retry_level(delivery.attempt)), headers


def dead_route(topology: Topology, service: str, delivery: Delivery, reason: str,
               error: str) -> tuple[str, dict]:
    """The dead-letter queue and the headers an operator reads: why, after how many attempts, from where."""
    headers = _clean(delivery.headers)
    headers.update({REASON: reason, ERROR: error[:1000], ATTEMPTS: delivery.attempt,
                    ROUTING_KEY: delivery.event_type, SERVICE: service,
                    DEAD_AT: datetime.now(UTC).isoformat(timespec="seconds")})
    return topology.dead_queue(service), headers


def replay_headers(headers: dict[str, Any]) -> dict[str, Any]:
    """Headers of a dead letter sent back for a fresh round of attempts."""
    headers = _clean(headers)
    replayed = int(headers.get(REPLAYED, 0) or 0) + 1
    for name in (ERROR, REASON, ATTEMPTS, DEAD_AT):
        headers.pop(name, None)
    headers.update({ATTEMPT: 1, REPLAYED: replayed})
    return headers


def describe_dead(body: bytes, headers: dict[str, Any], properties: dict[str, Any]) -> dict[str, Any]:
    """A dead letter as an operator sees it in `offcampus dlq list`."""
    try:
        raw = json.loads(body)
        subject, correlation = raw.get("subject"), raw.get("correlationid")
    except (ValueError, UnicodeDecodeError, AttributeError):
        subject = correlation = None
    reason = headers.get(REASON) or headers.get("x-first-death-reason")
    return {"id": properties.get("message_id"), "type": headers.get(ROUTING_KEY) or properties.get("type"),
            "subject": subject, "correlation_id": correlation, "reason": reason,
            "error": headers.get(ERROR), "attempts": headers.get(ATTEMPTS) or headers.get("x-delivery-count"),
            "dead_at": headers.get(DEAD_AT)}


class Publisher(Protocol):
    """Publishes a batch and says which were confirmed (None) and which failed (the reason)."""

    def publish(self, messages: list[Outgoing], timeout: float) -> dict[Any, str | None]: ...

    def keepalive(self) -> None: ...

    def close(self) -> None: ...


class Subscription(Protocol):
    """A consuming service's stream of deliveries."""

    @property
    def unacked(self) -> int: ...

    def get(self, max_count: int, timeout: float) -> list[Delivery]: ...

    def settle(self, settlement: Settlement) -> None: ...

    def close(self) -> None: ...


class Transport(Protocol):
    """A broker as the bus uses it (RabbitMQ, or in-memory for `offcampus up` and unit tests)."""

    topology: Topology
    kind: str  # "amqp" or "memory"

    def declare(self, service: str | None = None, patterns: tuple[str, ...] = ()) -> None: ...

    def publisher(self, service: str | None = None) -> Publisher: ...

    def subscribe(self, service: str, patterns: tuple[str, ...], prefetch: int,
                  interactive: bool = False) -> Subscription: ...

    def depths(self, service: str) -> dict[str, int | None]: ...

    def list_dead(self, service: str, limit: int = 100) -> list[dict[str, Any]]: ...

    def replay_dead(self, service: str, event_id: str | None = None) -> int: ...

    def close(self) -> None: ...


def transport_from_url(url: str | None, namespace: str = "offcampus", **topology: Any) -> Transport:
    """RabbitMQ when a URL is given, else this process's shared in-memory broker; same semantics."""
    spec = Topology(namespace=namespace, **topology)
    if url:
        from shared.bus.amqp import AmqpTransport

        return AmqpTransport(url, spec)
    from shared.bus.memory import InMemoryBroker, InMemoryTransport

    return InMemoryTransport(InMemoryBroker.default(), spec)


def __getattr__(name: str) -> Any:
    # `from shared.bus.transport import InMemoryBroker` without importing the memory module eagerly
    if name in ("InMemoryBroker", "InMemoryTransport"):
        from shared.bus import memory

        return getattr(memory, name)
    if name == "AmqpTransport":
        from shared.bus.amqp import AmqpTransport

        return AmqpTransport
    raise AttributeError(name)
