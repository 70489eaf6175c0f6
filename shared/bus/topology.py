"""Exchange, queues and bindings, declared by code and exported as RabbitMQ definitions."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

DEFAULT_RETRY_DELAYS = (1.0, 5.0, 30.0, 120.0)
# a message that kills its worker before the ack comes back this often, then it is dead-lettered
DEFAULT_DELIVERY_LIMIT = 20
_RELIABLE_DEAD_LETTERING = {"x-dead-letter-strategy": "at-least-once", "x-overflow": "reject-publish"}
# For an on/off measurement only (docs/bus.md): "interactive" there sends every event through the work queue.
_NO_INTERACTIVE = "interactive" in os.environ.get("OFFCAMPUS_BUS_ABLATE", "")


def _match(pattern: tuple[str, ...], key: tuple[str, ...]) -> bool:
    if not pattern:
        return not key
    head, rest = pattern[0], pattern[1:]
    if head == "#":
        return any(_match(rest, key[i:]) for i in range(len(key) + 1))
    return bool(key) and head in ("*", key[0]) and _match(rest, key[1:])


@lru_cache(maxsize=4096)
def matches(pattern: str, routing_key: str) -> bool:
    """AMQP topic matching: `*` is exactly one word, `#` zero or more."""
    return _match(tuple(pattern.split(".")), tuple(routing_key.split(".")))


def _delay_name(seconds: float) -> str:
    millis = round(seconds * 1000)
    return f"{millis // 1000}s" if millis % 1000 == 0 else f"{millis}ms"


@dataclass(frozen=True)
class QueueSpec:
    """A queue's name and arguments."""

    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True)
class Topology:
    """Names and arguments of everything on the broker for one namespace."""

    namespace: str = "offcampus"
    retry_delays: tuple[float, ...] = DEFAULT_RETRY_DELAYS
    delivery_limit: int = DEFAULT_DELIVERY_LIMIT

    @property
    def exchange(self) -> str:
        """The one topic exchange every event is published to."""
        return f"{self.namespace}.events"

    def queue(self, service: str) -> str:
        """The service's work queue."""
        return f"{self.namespace}.{service}"

    def interactive_queue(self, service: str) -> str:
        """The service's small queue for the event types someone waits on (`interactive_for` in a contract)."""
        return f"{self.namespace}.{service}.interactive"

    def dead_queue(self, service: str) -> str:
        """Where the service's dead letters wait for an operator."""
        return f"{self.namespace}.{service}.dead"

    def retry_queue(self, service: str, level: int) -> str:
        """The retry queue of a level; named by its delay so changing delays never clashes on arguments."""
        return f"{self.namespace}.{service}.retry.{_delay_name(self.retry_delays[level])}"

    def retry_level(self, attempt: int) -> int:
        """Which retry queue follows a failed attempt (1-based): later attempts wait longer."""
        return max(0, min(attempt - 1, len(self.retry_delays) - 1))

    def queues(self, service: str) -> list[QueueSpec]:
        """The service's work queue, its interactive queue (if the contracts give it interactive types), its
        retry queues and its dead-letter queue, with their arguments."""
        def work(name: str) -> QueueSpec:
            return QueueSpec(name, {
                "x-queue-type": "quorum", "x-delivery-limit": self.delivery_limit,
                "x-dead-letter-exchange": "", "x-dead-letter-routing-key": self.dead_queue(service),
                **_RELIABLE_DEAD_LETTERING,
            })

        # the interactive queue is a work queue like the other, dead letters and all
        interactive = [work(self.interactive_queue(service))] if interactive_types(service) else []
        # an expired retry message goes straight back to this service's work queue through the default
        # exchange, so other services bound to the same event never see the retry
        retries = [QueueSpec(self.retry_queue(service, level), {
            "x-queue-type": "quorum", "x-message-ttl": round(delay * 1000),
            "x-dead-letter-exchange": "", "x-dead-letter-routing-key": self.queue(service),
            **_RELIABLE_DEAD_LETTERING,
        }) for level, delay in enumerate(self.retry_delays)]
        dead = QueueSpec(self.dead_queue(service), {"x-queue-type": "quorum"})
        return [work(self.queue(service)), *interactive, *retries, dead]

    def destination(self, service: str, routing_key: str) -> str:
        """The queue of the service that a binding of this key fills: interactive types their own queue."""
        interactive = routing_key in interactive_types(service)
        return self.interactive_queue(service) if interactive else self.queue(service)

    def declare(self, channel: Any, service: str | None = None, patterns: Iterable[str] = ()) -> None:
        """Declare the exchange and, for a consuming service, its queues and bindings (py-amqp channel)."""
        channel.exchange_declare(self.exchange, "topic", durable=True, auto_delete=False)
        if service is None:
            return
        for spec in self.queues(service):
            channel.queue_declare(spec.name, durable=True, auto_delete=False, arguments=spec.arguments)
        for pattern in sorted(set(patterns)):
            destination = self.destination(service, pattern)
            channel.queue_bind(destination, self.exchange, routing_key=pattern)
            if destination != self.queue(service):
                # bound to the work queue by a version before the interactive queue: one copy is enough
                channel.queue_unbind(self.queue(service), self.exchange, routing_key=pattern)

    def export_definitions(self, consumers: Mapping[str, Iterable[str]] | None = None) -> dict[str, Any]:
        """RabbitMQ definitions (as `rabbitmqctl import_definitions` reads them) for the given bindings.

        `consumers` maps a service to the routing keys it consumes; by default the event contracts say.
        """
        consumers = contract_bindings() if consumers is None else consumers
        queues, bindings = [], []
        for service in sorted(consumers):
            for spec in self.queues(service):
                queues.append({"name": spec.name, "vhost": "/", "durable": True, "auto_delete": False,
                               "arguments": spec.arguments})
            for key in sorted(set(consumers[service])):
                bindings.append({"source": self.exchange, "vhost": "/", "destination": self.destination(service, key),
                                 "destination_type": "queue", "routing_key": key, "arguments": {}})
        exchange = {"name": self.exchange, "vhost": "/", "type": "topic", "durable": True,
                    "auto_delete": False, "internal": False, "arguments": {}}
        return {"rabbit_version": "3.10.8", "vhosts": [{"name": "/"}], "exchanges": [exchange],
                "queues": queues, "bindings": bindings}


def contract_bindings(publisher: str | None = None) -> dict[str, list[str]]:
    """Each consuming service's routing keys, from the event contracts (only `publisher`'s, if given)."""
    from shared.events import all_contracts

    bindings: dict[str, set[str]] = {}
    for contract in all_contracts():
        if publisher is not None and contract.publisher != publisher:
            continue
        for service in contract.consumers:
            bindings.setdefault(service, set()).add(contract.type)
    return {service: sorted(types) for service, types in bindings.items()}


def interactive_types(service: str) -> frozenset[str]:
    """The event types the service takes on its interactive queue: those whose contract names it in
    `interactive_for` (someone waits to see their effect), apart from its bulk on the work queue."""
    from shared.events import all_contracts

    if _NO_INTERACTIVE:
        return frozenset()
    return frozenset(c.type for c in all_contracts() if service in c.interactive_for)


def write_definitions(path: str | Path, topology: Topology | None = None) -> Path:
    """Write the definitions file (`deploy/rabbitmq/definitions.json`) for the production namespace."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps((topology or Topology()).export_definitions(), indent=2, sort_keys=True) + "\n"
    path.write_text(text, encoding="utf-8")
    return path
