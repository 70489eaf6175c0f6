"""The bus over RabbitMQ (py-amqp): pipelined confirmed publishing, queue depths, dead-letter handling."""

from __future__ import annotations

import time
from contextlib import contextmanager, suppress
from typing import Any
from urllib.parse import unquote, urlsplit

import amqp

from shared.bus.envelope import CONTENT_TYPE
from shared.bus.topology import Topology, contract_bindings, interactive_types
from shared.bus.transport import Outgoing, describe_dead, replay_headers

# ops and dead-letter tools should answer quickly when the broker is away rather than hang a request
ADMIN_TIMEOUT = 5.0


def connect(url: str, heartbeat: int = 0, name: str = "offcampus", timeout: float = 5.0) -> amqp.Connection:
    """An open py-amqp connection to the broker at `url` (`amqp://user:pass@host:port/vhost`)."""
    parts = urlsplit(url)
    vhost = unquote(parts.path[1:]) if parts.path and parts.path != "/" else "/"
    conn = amqp.Connection(
        host=f"{parts.hostname or 'localhost'}:{parts.port or 5672}",
        userid=unquote(parts.username or "guest"), password=unquote(parts.password or "guest"),
        virtual_host=vhost or "/", heartbeat=heartbeat, connect_timeout=timeout,
        client_properties={"connection_name": name},
    )
    conn.connect()
    return conn


def message_of(body: bytes, properties: dict[str, Any], headers: dict[str, Any]) -> amqp.Message:
    """An AMQP message carrying a CloudEvent: persistent, typed, identified."""
    props = {"content_type": CONTENT_TYPE, "delivery_mode": 2}
    props.update({k: v for k, v in properties.items() if v is not None and k != "application_headers"})
    return amqp.Message(body, application_headers=headers or None, **props)


def _event_message(m: Outgoing) -> amqp.Message:
    """A relayed event as an AMQP message: persistent, typed, identified, stamped."""
    return message_of(m.body, {"message_id": m.message_id, "type": m.routing_key,
                               "timestamp": int(m.timestamp.timestamp()), "correlation_id": m.correlation_id}, {})


class AmqpPublisher:
    """Publishes batches with pipelined publisher confirms and `mandatory`; one connection, reused."""

    def __init__(self, url: str, topology: Topology, service: str | None = None, heartbeat: int = 60,
                 name: str = "offcampus-relay"):
        self._url, self._topology, self._service = url, topology, service
        self._heartbeat, self._name = heartbeat, name
        self._conn: amqp.Connection | None = None
        self._channel: Any = None
        self._next_tag = 1
        self._pending: dict[int, Outgoing] = {}
        self._returned: set[str] = set()
        self._results: dict[Any, str | None] = {}

    def _ensure(self) -> None:
        if self._conn is not None:
            return
        conn = connect(self._url, heartbeat=self._heartbeat, name=self._name)
        try:
            channel = conn.channel()
            self._topology.declare(channel)
            if self._service:
                # the contracted consumers' queues exist before the first event: a consumer that is not
                # running yet finds its events waiting, and nothing the contract routes is ever returned
                for consumer, types in contract_bindings(self._service).items():
                    self._topology.declare(channel, consumer, types)
            channel.confirm_select()
            channel.events["basic_ack"].add(self._on_ack)
            channel.events["basic_nack"].add(self._on_nack)
            channel.events["basic_return"].add(self._on_return)
        except Exception:
            with suppress(Exception):
                conn.collect()
            raise
        self._conn, self._channel, self._next_tag = conn, channel, 1

    def _settle(self, tag: int, multiple: bool, failure: str | None) -> None:
        tags = [t for t in self._pending if t <= tag] if multiple else [tag]
        for t in tags:
            message = self._pending.pop(t, None)
            if message is None:
                continue
            # the broker acks a returned (unroutable) message too: the return came first and wins
            returned = message.message_id in self._returned
            self._results[message.key] = "unroutable: no queue is bound to this type" if returned else failure

    def _on_ack(self, delivery_tag: int, multiple: bool) -> None:
        self._settle(delivery_tag, multiple, None)

    def _on_nack(self, delivery_tag: int, multiple: bool) -> None:
        self._settle(delivery_tag, multiple, "nacked by the broker")

    def _on_return(self, exc: Exception, exchange: str, routing_key: str, message: amqp.Message) -> None:
        self._returned.add(message.properties.get("message_id"))

    def publish(self, messages: list[Outgoing], timeout: float) -> dict[Any, str | None]:
        """Publish all, then wait (up to timeout) for their confirms; raises if the connection fails."""
        try:
            self._ensure()
            return self._publish(messages, timeout)
        except Exception:
            self.close()
            raise

    def _publish(self, messages: list[Outgoing], timeout: float) -> dict[Any, str | None]:
        # the whole batch goes out before any confirm is awaited: the batch is the window of unconfirmed messages
        self._pending, self._returned, self._results = {}, set(), {}
        publish, exchange = self._channel.basic_publish, self._topology.exchange
        for m in messages:
            self._pending[self._next_tag] = m
            self._next_tag += 1
            publish(_event_message(m), exchange=exchange, routing_key=m.routing_key, mandatory=True)
        deadline = time.monotonic() + timeout
        while self._pending and (remaining := deadline - time.monotonic()) > 0:
            with suppress(TimeoutError):
                self._conn.drain_events(timeout=remaining)
        results = dict(self._results)
        if self._pending:
            # late confirms would arrive with tags we no longer track: start over on a fresh channel
            for message in self._pending.values():
                results[message.key] = f"no confirm within {timeout:g}s"
            self.close()
        return results

    def keepalive(self) -> None:
        """Send or check heartbeats while idle, so an idle relay's connection stays open."""
        if self._conn is None:
            return
        try:
            self._conn.heartbeat_tick()
            with suppress(TimeoutError):
                self._conn.drain_events(timeout=0.001)
        except Exception:
            self.close()

    def close(self) -> None:
        """Drop the connection (the next publish reconnects)."""
        conn, self._conn, self._channel = self._conn, None, None
        if conn is not None:
            with suppress(Exception):
                conn.close() if conn.connected else conn.collect()
            with suppress(Exception):
                conn.collect()


@contextmanager
def _admin(url: str):
    conn = connect(url, name="offcampus-admin", timeout=ADMIN_TIMEOUT)
    try:
        yield conn
    finally:
        with suppress(Exception):
            conn.close()


def queue_counts(url: str, names: list[str]) -> dict[str, int | None]:
    """Ready messages in each queue (None where the queue does not exist)."""
    counts: dict[str, int | None] = {}
    with _admin(url) as conn:
        for name in names:
            channel = conn.channel()
            try:
                counts[name] = channel.queue_declare(name, passive=True).message_count
                channel.close()
            except amqp.exceptions.NotFound:
                counts[name] = None  # the failed passive declare closed that channel
    return counts


def _fetch(channel: Any, queue: str, limit: int) -> list[amqp.Message]:
    fetched = []
    while len(fetched) < limit:
        message = channel.basic_get(queue, no_ack=False)
        if message is None:
            break
        fetched.append(message)
    return fetched


def list_dead(url: str, topology: Topology, service: str, limit: int = 100) -> list[dict[str, Any]]:
    """Describe the first dead letters; they stay in the queue (closing the channel returns them)."""
    with _admin(url) as conn:
        channel = conn.channel()
        letters = _fetch(channel, topology.dead_queue(service), limit)
        return [describe_dead(m.body, dict(m.headers or {}), m.properties) for m in letters]


def replay_dead(url: str, topology: Topology, service: str, event_id: str | None = None,
                limit: int = 100_000) -> int:
    """Move dead letters (all, or one event's) back to the service's queue with a fresh set of attempts."""
    with _admin(url) as conn:
        source = conn.channel()
        letters = _fetch(source, topology.dead_queue(service), limit)
        chosen = [m for m in letters if event_id is None or m.properties.get("message_id") == event_id]
        publish = conn.channel().basic_publish_confirm  # slow (one round trip each), fine for an operator
        for m in chosen:
            properties = {k: v for k, v in m.properties.items() if k != "application_headers"}
            publish(message_of(m.body, properties, replay_headers(dict(m.headers or {}))),
                    exchange="", routing_key=topology.queue(service), mandatory=True)
            source.basic_ack(m.delivery_tag)
        # the letters not chosen go back to the dead queue when the channel closes unacked
        source.close()
        return len(chosen)


class AmqpTransport:
    """The bus over RabbitMQ: publishers for relays, subscriptions for consumers, dead-letter tools."""

    kind = "amqp"

    def __init__(self, url: str, topology: Topology, heartbeat: int = 30):
        self.url, self.topology, self.heartbeat = url, topology, heartbeat

    def declare(self, service: str | None = None, patterns: tuple[str, ...] = ()) -> None:
        """Declare the exchange and, for a service, its queues and bindings."""
        with _admin(self.url) as conn:
            self.topology.declare(conn.channel(), service, patterns)

    def publisher(self, service: str | None = None) -> AmqpPublisher:
        """A confirmed publisher (one connection) for a relay of `service`."""
        return AmqpPublisher(self.url, self.topology, service)

    def subscribe(self, service: str, patterns: tuple[str, ...], prefetch: int, interactive: bool = False):
        """Consume the service's work queue (or its interactive queue) on a connection of its own that
        reconnects by itself."""
        from shared.bus.amqp_subscription import AmqpSubscription

        name = self.topology.interactive_queue(service) if interactive else self.topology.queue(service)
        return AmqpSubscription(self.url, self.topology, service, tuple(patterns), prefetch, self.heartbeat,
                                queue_name=name)

    def depths(self, service: str) -> dict[str, int | None]:
        """Ready messages in the service's work and interactive queues, its retry queues and its dead letters."""
        retry_names = [self.topology.retry_queue(service, n) for n in range(len(self.topology.retry_delays))]
        work = self.topology.queue(service)
        interactive = [self.topology.interactive_queue(service)] if interactive_types(service) else []
        counts = queue_counts(self.url, [work, *interactive, self.topology.dead_queue(service), *retry_names])
        retrying = [counts[n] for n in retry_names if counts[n] is not None]
        fast = sum(counts[n] or 0 for n in interactive) if interactive else None
        ready = None if counts[work] is None else counts[work] + (fast or 0)
        return {"queue_depth": ready, "interactive_depth": fast, "retrying": sum(retrying),
                "dead_letters": counts[self.topology.dead_queue(service)]}

    def list_dead(self, service: str, limit: int = 100) -> list[dict[str, Any]]:
        """The first dead letters of the service, described."""
        return list_dead(self.url, self.topology, service, limit)

    def replay_dead(self, service: str, event_id: str | None = None) -> int:
        """Send dead letters back to the service's queue."""
        return replay_dead(self.url, self.topology, service, event_id)

    def close(self) -> None:
        """Nothing held: publishers and subscriptions own their connections."""
