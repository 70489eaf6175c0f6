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
    total = 1500
    keys = [f"k{i}" for i in range(total)]
    bus.transport.declare("test", (COUNTER_TYPE,))
    relays = [Relay(bus.engine, bus.transport, "test", batch_size=50, poll_interval=0.1) for _ in range(2)]
    producer = threading.Thread(target=produce, args=(bus.engine, keys), kwargs={"rate": 600})
    with running(relays[0].run):
        workers(bus, "consume", "--delay-ms", "1")
        producer.start()
        struck = wait_until(lambda: (n := bus.handled()) >= total * 0.3 and n, timeout=60, message="30% handled")
        workers(bus, "consume", "--delay-ms", "1")  # the second replica and relay join the running pair
        with running(relays[1].run):
            producer.join()
            wait_until(lambda: bus.handled() == total, timeout=120, message="every event handled")
    assert_struck_midway(struck, total)
    assert hits(bus.engine) == dict.fromkeys(keys, 1)
    assert relays[0].published + relays[1].published == total  # SKIP LOCKED: no row published twice
    assert relays[1].published > 0
    assert len(workers_seen(bus.engine)) == 2
