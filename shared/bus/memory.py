"""An in-process broker with RabbitMQ's semantics as the bus uses them, for `offcampus up` and unit tests."""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections import deque
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

from shared.bus.envelope import CONTENT_TYPE
from shared.bus.topology import Topology, contract_bindings, interactive_types, matches
from shared.bus.transport import (
    Delivery,
    Outgoing,
    Settlement,
    dead_route,
    describe_dead,
    replay_headers,
    retry_route,
)


@dataclass
class _Message:
    body: bytes
    routing_key: str
    headers: dict[str, Any] = field(default_factory=dict)
    properties: dict[str, Any] = field(default_factory=dict)
    redelivered: bool = False


@dataclass
class _Queue:
    ready: deque[_Message] = field(default_factory=deque)
    delayed: list[tuple[float, int, _Message]] = field(default_factory=list)
    unacked: dict[int, tuple[_Message, int]] = field(default_factory=dict)  # tag -> (message, owner)


class InMemoryBroker:
    """Queues, topic bindings, delayed (retry) messages, unacked messages returned when a consumer leaves."""

    _default: ClassVar[InMemoryBroker | None] = None
    _default_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._queues: dict[str, _Queue] = {}
        self._bindings: dict[str, dict[str, set[str]]] = {}
        self._tags = itertools.count(1)
        self._order = itertools.count()

    @classmethod
    def default(cls) -> InMemoryBroker:
        """The broker every service of this process shares."""
        with cls._default_lock:
            if cls._default is None:
                cls._default = cls()
            return cls._default

    def declare_queue(self, name: str) -> None:
        """Create the queue if it does not exist."""
        with self._cond:
            self._queues.setdefault(name, _Queue())

    def bind(self, exchange: str, queue: str, pattern: str) -> None:
        """Route the exchange's messages whose key matches `pattern` to `queue`."""
        with self._cond:
            self._bindings.setdefault(exchange, {}).setdefault(queue, set()).add(pattern)

    def publish(self, exchange: str, routing_key: str, message: _Message, delay: float = 0.0) -> bool:
        """Route a copy to each bound queue (the default exchange `""` routes by queue name); False if none."""
        with self._cond:
            if exchange == "":
                targets = [routing_key] if routing_key in self._queues else []
            else:
                bound = self._bindings.get(exchange, {})
                targets = [q for q, patterns in bound.items() if any(matches(p, routing_key) for p in patterns)]
            for name in targets:
                copy = replace(message, headers=dict(message.headers), redelivered=False)
                queue = self._queues[name]
                if delay > 0:
                    heapq.heappush(queue.delayed, (time.monotonic() + delay, next(self._order), copy))
                else:
                    queue.ready.append(copy)
            if targets:
                self._cond.notify_all()
            return bool(targets)

    def _promote(self, queue: _Queue) -> float | None:
        now = time.monotonic()
        while queue.delayed and queue.delayed[0][0] <= now:
            queue.ready.append(heapq.heappop(queue.delayed)[2])
        return queue.delayed[0][0] - now if queue.delayed else None

    def get(self, name: str, max_count: int, timeout: float, owner: int) -> list[tuple[int, _Message]]:
        """Take up to max_count ready messages (waiting up to timeout for the first); they stay unacked."""
        deadline = time.monotonic() + timeout
        with self._cond:
            queue = self._queues[name]
            while True:
                next_due = self._promote(queue)
                if queue.ready:
                    taken = []
                    while queue.ready and len(taken) < max_count:
                        message, tag = queue.ready.popleft(), next(self._tags)
                        queue.unacked[tag] = (message, owner)
                        taken.append((tag, message))
                    return taken
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return []
                self._cond.wait(min(remaining, next_due) if next_due is not None else remaining)

    def ack(self, name: str, tags: list[int]) -> None:
        """Forget acknowledged messages."""
        with self._cond:
            for tag in tags:
                self._queues[name].unacked.pop(tag, None)

    def release(self, name: str, owner: int) -> None:
        """Return a departing consumer's unacked messages to the head of the queue, marked redelivered."""
        with self._cond:
            queue = self._queues.get(name)
            if queue is None:
                return
            mine = sorted(tag for tag, (_, who) in queue.unacked.items() if who == owner)
            for tag in reversed(mine):
                message, _ = queue.unacked.pop(tag)
                message.redelivered = True
                queue.ready.appendleft(message)
            self._cond.notify_all()

    def depth(self, name: str) -> tuple[int, int, int] | None:
        """(ready, delayed, unacked) counts, or None for a queue never declared."""
        with self._cond:
            queue = self._queues.get(name)
            return None if queue is None else (len(queue.ready), len(queue.delayed), len(queue.unacked))

    def take(self, name: str, predicate) -> list[_Message]:
        """Remove and return the ready messages the predicate accepts (for dead-letter replay)."""
        with self._cond:
            queue = self._queues.get(name)
            if queue is None:
                return []
            taken = [m for m in queue.ready if predicate(m)]
            queue.ready = deque(m for m in queue.ready if not predicate(m))
            return taken

    def peek(self, name: str, limit: int) -> list[_Message]:
        """The first `limit` ready messages, left in place."""
        with self._cond:
            queue = self._queues.get(name)
            return [] if queue is None else list(itertools.islice(queue.ready, limit))


class _Publisher:
    def __init__(self, broker: InMemoryBroker, topology: Topology) -> None:
        self._broker, self._topology = broker, topology

    def publish(self, messages: list[Outgoing], timeout: float) -> dict[Any, str | None]:
        results = {}
        for m in messages:
            properties = {"message_id": m.message_id, "type": m.routing_key, "content_type": CONTENT_TYPE,
                          "delivery_mode": 2, "timestamp": int(m.timestamp.timestamp()),
                          "correlation_id": m.correlation_id}
            routed = self._broker.publish(self._topology.exchange, m.routing_key,
                                          _Message(m.body, m.routing_key, {}, properties))
            results[m.key] = None if routed else "unroutable: no queue is bound to this type"
        return results

    def keepalive(self) -> None:
        pass

    def close(self) -> None:
        pass


class _Subscription:
    _owners = itertools.count(1)

    def __init__(self, broker: InMemoryBroker, topology: Topology, service: str, interactive: bool = False) -> None:
        self._broker, self._topology, self._service = broker, topology, service
        self._queue = topology.interactive_queue(service) if interactive else topology.queue(service)
        self._owner = next(self._owners)
        self._held: set[int] = set()

    @property
    def unacked(self) -> int:
        """Deliveries taken and not settled yet."""
        return len(self._held)

    def get(self, max_count: int, timeout: float) -> list[Delivery]:
        taken = self._broker.get(self._queue, max_count, timeout, self._owner)
        self._held.update(tag for tag, _ in taken)
        return [Delivery(body=m.body, routing_key=m.routing_key, tag=tag, headers=dict(m.headers),
                         properties=dict(m.properties), redelivered=m.redelivered) for tag, m in taken]

    def settle(self, settlement: Settlement) -> None:
        work = self._topology.queue(self._service)  # a retry comes back on the work queue, as over RabbitMQ
        for delivery, error in settlement.retries:
            _, headers = retry_route(self._topology, self._service, delivery, error)
            delay = self._topology.retry_delays[self._topology.retry_level(delivery.attempt)]
            self._broker.publish("", work, _Message(delivery.body, work, headers, delivery.properties), delay=delay)
        for delivery, reason, error in settlement.deads:
            queue, headers = dead_route(self._topology, self._service, delivery, reason, error)
            self._broker.publish("", queue, _Message(delivery.body, queue, headers, delivery.properties))
        done = settlement.acks + [d for d, _ in settlement.retries] + [d for d, _, _ in settlement.deads]
        self._broker.ack(self._queue, [d.tag for d in done])
        self._held.difference_update(d.tag for d in done)

    def close(self) -> None:
        self._broker.release(self._queue, self._owner)
        self._held.clear()


class InMemoryTransport:
    """The bus over an InMemoryBroker: same outbox, inbox, retry and dead-letter behaviour as RabbitMQ."""

    kind = "memory"

    def __init__(self, broker: InMemoryBroker, topology: Topology) -> None:
        self.broker, self.topology = broker, topology

    def declare(self, service: str | None = None, patterns: tuple[str, ...] = ()) -> None:
        """Create the service's work, interactive and dead-letter queues and bind its patterns."""
        if service is None:
            return
        self.broker.declare_queue(self.topology.queue(service))
        if interactive_types(service):
            self.broker.declare_queue(self.topology.interactive_queue(service))
        self.broker.declare_queue(self.topology.dead_queue(service))
        for pattern in patterns:
            self.broker.bind(self.topology.exchange, self.topology.destination(service, pattern), pattern)

    def publisher(self, service: str | None = None) -> _Publisher:
        """A publisher for the relay of `service` (every routed message counts as confirmed)."""
        if service:  # as over RabbitMQ: the contracted consumers' queues wait for them
            for consumer, types in contract_bindings(service).items():
                self.declare(consumer, tuple(types))
        return _Publisher(self.broker, self.topology)

    def subscribe(self, service: str, patterns: tuple[str, ...], prefetch: int,
                  interactive: bool = False) -> _Subscription:
        """Declare the service's queues and consume from its work queue (or its interactive queue)."""
        self.declare(service, patterns)
        return _Subscription(self.broker, self.topology, service, interactive)

    def depths(self, service: str) -> dict[str, int | None]:
        """Messages waiting (work and interactive queues), retrying, being handled and dead for the service."""
        main = self.broker.depth(self.topology.queue(service))
        fast = self.broker.depth(self.topology.interactive_queue(service)) or (0, 0, 0)
        dead = self.broker.depth(self.topology.dead_queue(service))
        if main is None:
            return {"queue_depth": None, "interactive_depth": None, "retrying": None, "unacked": None,
                    "dead_letters": dead[0] if dead else None}
        return {"queue_depth": main[0] + fast[0], "interactive_depth": fast[0], "retrying": main[1] + fast[1],
                "unacked": main[2] + fast[2], "dead_letters": dead[0] if dead else None}

    def list_dead(self, service: str, limit: int = 100) -> list[dict[str, Any]]:
        """The first dead letters, described."""
        return [describe_dead(m.body, m.headers, m.properties)
                for m in self.broker.peek(self.topology.dead_queue(service), limit)]

    def replay_dead(self, service: str, event_id: str | None = None) -> int:
        """Send dead letters (all, or one event's) back to the service's queue for a fresh set of attempts."""
        letters = self.broker.take(self.topology.dead_queue(service),
                                   lambda m: event_id is None or m.properties.get("message_id") == event_id)
        for m in letters:
            self.broker.publish("", self.topology.queue(service),
                                _Message(m.body, m.routing_key, replay_headers(m.headers), m.properties))
        return len(letters)

    def close(self) -> None:
        """Nothing to release: the broker outlives its transports."""
