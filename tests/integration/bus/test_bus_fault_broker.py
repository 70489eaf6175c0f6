"""Fault tests: the broker goes away mid-stream, or is away when the worker starts. No event lost, none twice."""

import threading
import time

import pytest

from shared.bus.consumer import Consumer
from shared.bus.relay import Relay
from shared.testing.bus import (
    COUNTER_TYPE,
    assert_struck_midway,
    counting_handler,
    hits,
    produce,
    running,
    wait_until,
)

pytestmark = [pytest.mark.fault, pytest.mark.integration]


def _consumer(bus):
    return Consumer("test", bus.engine, bus.transport, {COUNTER_TYPE: counting_handler()})


def _relay(bus):
    return Relay(bus.engine, bus.transport, "test", poll_interval=0.2)


def test_a_broker_restart_while_publishing_and_consuming_loses_nothing_and_repeats_nothing(bus, broker):
    total = 1500
    keys = [f"k{i}" for i in range(total)]
    bus.transport.declare("test", (COUNTER_TYPE,))
    producer = threading.Thread(target=produce, args=(bus.engine, keys), kwargs={"rate": 500})
    with running(_consumer(bus).run), running(_relay(bus).run):
        producer.start()
        struck = wait_until(lambda: (n := bus.handled()) >= total // 4 and n, timeout=60, message="a quarter handled")
        broker.stop()
        time.sleep(1.5)  # the producer keeps writing; the relay and the consumer see only refused connections
        broker.start()
        producer.join()
        wait_until(lambda: bus.handled() == total, timeout=120, message="every event handled")
        time.sleep(0.5)  # room for a late duplicate to show
    assert_struck_midway(struck, total)
    assert hits(bus.engine) == dict.fromkeys(keys, 1)


def test_a_worker_started_while_the_broker_is_down_waits_then_works(bus, broker):
    total = 1000
    keys = [f"k{i}" for i in range(total)]
    bus.transport.declare("test", (COUNTER_TYPE,))
    with running(_relay(bus).run):
        with running(_consumer(bus).run):
            produce(bus.engine, keys[:300])
            wait_until(lambda: bus.handled() == 300, timeout=60, message="the first 300 handled")
        struck = bus.handled()
        broker.stop()
        late = _consumer(bus)
        with running(late.run):
            produce(bus.engine, keys[300:])  # they wait in the outbox: the relay cannot publish
            time.sleep(2.0)  # a window in which nothing may be handled: the broker is down
            assert bus.handled() == struck
            broker.start()
            wait_until(lambda: bus.handled() == total, timeout=120, message="every event handled")
            time.sleep(0.5)
    assert_struck_midway(struck, total)
    assert late.stats["handled"] == total - struck
    assert hits(bus.engine) == dict.fromkeys(keys, 1)
