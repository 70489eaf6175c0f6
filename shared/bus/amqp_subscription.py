"""A consuming service's RabbitMQ connection, owned by one I/O thread.

py-amqp is not thread-safe, so one thread owns the connection: it reads deliveries into a local queue,
sends heartbeats (also while a handler runs for minutes in the consumer's thread), performs the
settlements the consumer hands it (publish retries and dead letters with confirms, then ack), and
reconnects and resubscribes whenever the broker goes away. Deliveries of a lost connection are dropped:
the broker redelivers them, and the inbox makes that harmless.
"""

from __future__ import annotations

import queue
import select
import socket
import threading
import time
from contextlib import suppress
from typing import Any

import amqp
import structlog

from shared.bus.amqp import connect, message_of
from shared.bus.topology import Topology
from shared.bus.transport import Delivery, Settlement, dead_route, retry_route

log = structlog.get_logger("offcampus.bus")
_DRAIN_FRAMES = 1000  # read at most this many frames before looking at settlements again


class AmqpSubscription:
    """Deliveries of one service's queue, settled in order, over a connection that heals itself."""

    def __init__(self, url: str, topology: Topology, service: str, patterns: tuple[str, ...],
                 prefetch: int, heartbeat: int = 30, confirm_timeout: float = 30.0, queue_name: str | None = None):
        self._url, self._topology, self._service = url, topology, service
        self._queue = queue_name or topology.queue(service)  # the work queue, or the interactive one
        self._patterns, self._prefetch, self._heartbeat = patterns, prefetch, heartbeat
        self._confirm_timeout = confirm_timeout
        self._deliveries: queue.SimpleQueue[Delivery] = queue.SimpleQueue()
        self._settlements: queue.SimpleQueue[Settlement] = queue.SimpleQueue()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._closed = threading.Event()
        self.connected = threading.Event()
        self._generation = 0
        self._conn: amqp.Connection | None = None
        self._outstanding: set[int] = set()
        self._confirms: dict[int, bool | None] = {}
        self._thread = threading.Thread(target=self._run, name=f"bus-io-{service}", daemon=True)
        self._thread.start()

    # --- the consumer's side -------------------------------------------------------------------------
    def get(self, max_count: int, timeout: float) -> list[Delivery]:
        """Up to max_count deliveries: waits up to timeout for the first, then takes what is there."""
        try:
            batch = [self._deliveries.get(timeout=timeout)]
        except queue.Empty:
            return []
        while len(batch) < max_count:
            try:
                batch.append(self._deliveries.get_nowait())
            except queue.Empty:
                break
        return [d for d in batch if d.generation == self._generation]

    @property
    def unacked(self) -> int:
        """Deliveries of the current connection not acked yet (handed out, being handled, or awaiting the ack)."""
        return len(self._outstanding)

    def settle(self, settlement: Settlement) -> None:
        """Hand over a committed batch's outcome; the I/O thread acts on it in order."""
        if settlement:
            self._settlements.put(settlement)
            self._wake()

    def close(self, timeout: float = 10.0) -> None:
        """Perform the settlements handed over, then disconnect.

        Closing the connection returns every delivery not acked to the queue at once, for another consumer
        (or this one, restarted) to take: the broker requeues them, as a `basic.reject` with requeue would.
        """
        self._closed.set()
        self._wake()
        self._thread.join(timeout)
        self._wake_r.close()
        self._wake_w.close()

    def _wake(self) -> None:
        with suppress(OSError):
            self._wake_w.send(b"x")

    # --- the I/O thread ------------------------------------------------------------------------------
    def _run(self) -> None:
        backoff = 0.2
        while not self._closed.is_set():
            try:
                self._connect()
                backoff = 0.2
                self._loop()
            except Exception as exc:  # any broker or socket failure: reconnect, never die
                if not self._closed.is_set():
                    log.warning("bus.connection_lost", service=self._service, error=repr(exc)[:300])
            finally:
                self.connected.clear()
                self._generation += 1
                self._disconnect()
            self._closed.wait(backoff)
            backoff = min(backoff * 2, 5.0)

    def _connect(self) -> None:
        conn = connect(self._url, heartbeat=self._heartbeat,
                       name=f"offcampus-{self._service}-consumer-{self._queue.rsplit('.', 1)[-1]}")
        self._conn = conn
        channel = conn.channel()
        self._topology.declare(channel, self._service, self._patterns)
        channel.basic_qos(0, self._prefetch, False)
        publisher = conn.channel()
        publisher.confirm_select()
        publisher.events["basic_ack"].add(lambda tag, multiple: self._confirmed(tag, multiple, True))
        publisher.events["basic_nack"].add(lambda tag, multiple: self._confirmed(tag, multiple, False))
        self._channel, self._publisher, self._next_publish_tag = channel, publisher, 1
        self._outstanding, self._confirms = set(), {}
        channel.basic_consume(self._queue, callback=self._on_message, no_ack=False)
        self.connected.set()
        log.info("bus.subscribed", service=self._service, queue=self._queue)

    def _disconnect(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with suppress(Exception):
                conn.close() if conn.connected else None
            with suppress(Exception):
                conn.collect()

    def _on_message(self, message: amqp.Message) -> None:
        info = message.delivery_info
        tag = info["delivery_tag"]
        self._outstanding.add(tag)
        properties = {k: v for k, v in message.properties.items() if k != "application_headers"}
        self._deliveries.put(Delivery(
            body=message.body, routing_key=info.get("routing_key", ""), tag=tag,
            headers=dict(message.headers or {}), properties=properties,
            redelivered=bool(info.get("redelivered")), generation=self._generation))

    def _loop(self) -> None:
        tick = max(0.5, self._heartbeat / 4) if self._heartbeat else 1.0
        while True:
            self._perform_settlements()
            if self._closed.is_set():
                return
            if self._wait_readable(tick):
                self._drain()
            self._conn.heartbeat_tick()

    def _wait_readable(self, timeout: float) -> bool:
        """Wait for the broker (or a wake-up from the consumer); True when the broker sent something."""
        sock = self._conn.sock
        readable, _, _ = select.select([sock, self._wake_r], [], [], timeout)
        if self._wake_r in readable:
            with suppress(BlockingIOError):
                while self._wake_r.recv(4096):
                    pass
        return sock in readable

    def _drain(self, frames: int = _DRAIN_FRAMES) -> None:
        """Handle the frames that have arrived (one blocking read each: a started frame completes quickly).

        py-amqp reads exactly the bytes of the frame it reads, so the socket is readable while more wait.
        """
        sock = self._conn.sock
        for _ in range(frames):
            if not select.select([sock], [], [], 0)[0]:
                return
            self._conn.blocking_read(None)

    def _confirmed(self, tag: int, multiple: bool, ok: bool) -> None:
        for t in [t for t in self._confirms if t <= tag] if multiple else [tag]:
            if t in self._confirms:
                self._confirms[t] = ok

    def _perform_settlements(self) -> None:
        while True:
            try:
                settlement = self._settlements.get_nowait()
            except queue.Empty:
                return
            self._perform(settlement)

    def _perform(self, s: Settlement) -> None:
        current = self._generation

        def live(delivery: Delivery) -> bool:
            return delivery.generation == current  # an older connection's tags mean nothing now

        routed = [(d, *retry_route(self._topology, self._service, d, err)) for d, err in s.retries if live(d)]
        routed += [(d, *dead_route(self._topology, self._service, d, reason, err))
                   for d, reason, err in s.deads if live(d)]
        acks = [d.tag for d in s.acks if live(d)]
        failed = []
        if routed:
            tags = {}
            for delivery, queue_name, headers in routed:
                tags[self._next_publish_tag] = delivery
                self._confirms[self._next_publish_tag] = None
                self._next_publish_tag += 1
                self._publisher.basic_publish(message_of(delivery.body, delivery.properties, headers),
                                              exchange="", routing_key=queue_name)
            deadline = time.monotonic() + self._confirm_timeout
            while any(self._confirms[t] is None for t in tags) and (left := deadline - time.monotonic()) > 0:
                if select.select([self._conn.sock], [], [], left)[0]:
                    self._drain()
            for t, delivery in tags.items():
                (acks if self._confirms.pop(t) else failed).append(delivery.tag)
        self._ack(acks)
        for tag in failed:  # not safely parked elsewhere: give it back to try again
            self._outstanding.discard(tag)
            self._channel.basic_nack(tag, multiple=False, requeue=True)

    def _ack(self, tags: list[int]) -> None:
        if not tags:
            return
        self._outstanding.difference_update(tags)
        highest = max(tags)
        if not self._outstanding or min(self._outstanding) > highest:
            self._channel.basic_ack(highest, multiple=True)  # one frame settles the whole batch
            return
        for tag in tags:
            self._channel.basic_ack(tag)

    @property
    def details(self) -> dict[str, Any]:
        """Connection state for diagnostics."""
        return {"connected": self.connected.is_set(), "generation": self._generation,
                "buffered": self._deliveries.qsize()}
