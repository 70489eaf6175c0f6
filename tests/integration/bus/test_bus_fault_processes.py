"""Fault tests: workers and relays die by SIGKILL, or run as competing replicas. Every effect exactly once."""

import threading

import pytest

from shared.bus.amqp import connect
from shared.bus.consumer import Consumer
from shared.bus.relay import Relay
from shared.testing.bus import (
    COUNTER_TYPE,
    assert_struck_midway,
    counting_handler,
    hits,
    produce,
    records_per_key,
    running,
    wait_until,
    workers_seen,
)

pytestmark = [pytest.mark.fault, pytest.mark.integration]


def _consumers(bus) -> int:
    conn = connect(bus.amqp_url)
    try:
        return conn.channel().queue_declare(bus.transport.topology.queue("test"), passive=True).consumer_count
    finally:
        conn.close()


def _effects(bus, effect: str) -> dict[str, int]:
    """Each key's effect so far: its counter's hits, or the rows inserted for it."""
    if effect == "count":
        return {key: n for key, n in hits(bus.engine).items() if n}
    return records_per_key(bus.engine)


# `count` increments a counter (an UPDATE, which always waits for its answer); `insert` adds a row per event,
# which the consumer's pipeline sends without waiting: a kill must lose none and repeat none either way.
@pytest.mark.parametrize("effect", ["count", "insert"])
def test_a_worker_killed_mid_batch_and_restarted_applies_every_event_once(bus, workers, effect):
    total = 1000
    keys = [f"k{i}" for i in range(total)]
    bus.transport.declare("test", (COUNTER_TYPE,))
    produce(bus.engine, keys)
    Relay(bus.engine, bus.transport, "test").drain_once()
    # 3 ms per event: a batch of 100 takes 0.3 s, so the kill lands inside one
    first = workers(bus, "consume", "--effect", effect, "--delay-ms", "3")
    wait_until(lambda: len(_effects(bus, effect)) >= total * 0.3, timeout=60, message="30% handled")
    first.kill()
    struck = len(_effects(bus, effect))
    workers(bus, "consume", "--effect", effect)
    wait_until(lambda: len(_effects(bus, effect)) == total, timeout=120, message="every event handled")
    assert_struck_midway(struck, total)
    assert _effects(bus, effect) == dict.fromkeys(keys, 1)


def test_a_relay_killed_after_publishing_but_before_marking_sent_causes_no_double_effect(bus, workers):
    total, batch = 1000, 100
    keys = [f"k{i}" for i in range(total)]
    consumer = Consumer("test", bus.engine, bus.transport, {COUNTER_TYPE: counting_handler()})
    bus.transport.declare("test", (COUNTER_TYPE,))
    produce(bus.engine, keys)
    with running(consumer.run):
        wait_until(lambda: _consumers(bus) == 1, timeout=30, message="the consumer subscribed")
        dying = workers(bus, "relay", "--batch-size", str(batch), "--die-before-marking", "5", "--batch-pause", "0.2")
        assert dying.process.wait(timeout=60) == -9
        struck = bus.handled()
        assert "dying with 100 rows published but not marked" in dying.stop()
        relay = Relay(bus.engine, bus.transport, "test", batch_size=batch)
        assert relay.drain_once() == total - 4 * batch  # the fifth batch goes out a second time
        wait_until(lambda: bus.handled() == total, timeout=60, message="every event handled")
        wait_until(lambda: consumer.stats["duplicate"] == batch, timeout=30, message="the republished batch")
    assert_struck_midway(struck, total)
    assert hits(bus.engine) == dict.fromkeys(keys, 1)


def test_two_worker_replicas_and_two_relays_share_the_work_without_repeating_it(bus, workers):
    total, early = 1500, 600
    keys = [f"k{i}" for i in range(total)]
    bus.transport.declare("test", (COUNTER_TYPE,))
    relays = [Relay(bus.engine, bus.transport, "test", batch_size=50, poll_interval=0.1) for _ in range(2)]
    producer = threading.Thread(target=produce, args=(bus.engine, keys[:early]), kwargs={"rate": 600})
    with running(relays[0].run):
        workers(bus, "consume", "--delay-ms", "1")
        producer.start()
        struck = wait_until(lambda: (n := bus.handled()) >= total * 0.3 and n, timeout=60, message="30% handled")
        workers(bus, "consume", "--delay-ms", "1")  # the second replica and relay join the running pair
        wait_until(lambda: _consumers(bus) == 2, timeout=60, message="the second replica subscribed")
        with running(relays[1].run):
            producer.join()
            produce(bus.engine, keys[early:], rate=600)
            wait_until(lambda: bus.handled() == total, timeout=120, message="every event handled")
    assert_struck_midway(struck, total)
    assert hits(bus.engine) == dict.fromkeys(keys, 1)
    # SKIP LOCKED: no row is published twice. Which relay takes which rows is not fixed: one that keeps up
    # may take them all (a relay held mid-batch, below, shows the other taking the rest).
    assert relays[0].published + relays[1].published == total
    # both replicas were subscribed while the last 900 events arrived, and RabbitMQ deals a queue's messages
    # round-robin to the consumers with prefetch room: each handled some
    assert len(workers_seen(bus.engine)) == 2


class _HeldPublisher:
    """A real publisher that waits for `release` before publishing its first batch (its rows stay locked)."""

    def __init__(self, publisher, holding: threading.Event, release: threading.Event):
        self.publisher, self.holding, self.release = publisher, holding, release

    def publish(self, messages, timeout):
        self.holding.set()
        assert self.release.wait(60), "never released"
        return self.publisher.publish(messages, timeout)

    def keepalive(self):
        self.publisher.keepalive()

    def close(self):
        self.publisher.close()


class _HoldingTransport:
    """The bus's transport, whose publishers are held."""

    def __init__(self, transport, holding: threading.Event, release: threading.Event):
        self.transport, self.holding, self.release = transport, holding, release

    def publisher(self, service=None):
        return _HeldPublisher(self.transport.publisher(service), self.holding, self.release)


def test_while_a_relay_holds_a_batch_a_second_relay_publishes_every_other_row(bus):
    total, batch = 300, 100
    keys = [f"k{i}" for i in range(total)]
    bus.transport.declare("test", (COUNTER_TYPE,))
    produce(bus.engine, keys)
    holding, release = threading.Event(), threading.Event()
    held = Relay(bus.engine, _HoldingTransport(bus.transport, holding, release), "test", batch_size=batch)
    other = Relay(bus.engine, bus.transport, "test", batch_size=batch)
    thread = threading.Thread(target=held.drain_once)
    thread.start()
    try:
        assert holding.wait(30), "the first relay never took a batch"
        assert other.drain_once() == total - batch  # it skipped the locked rows instead of waiting for them
    finally:
        release.set()
        thread.join(60)
    assert held.published == batch
    consumer = Consumer("test", bus.engine, bus.transport, {COUNTER_TYPE: counting_handler()})
    with running(consumer.run):
        wait_until(lambda: bus.handled() == total, timeout=60, message="every event handled")
    assert hits(bus.engine) == dict.fromkeys(keys, 1)
    assert consumer.stats["duplicate"] == 0
