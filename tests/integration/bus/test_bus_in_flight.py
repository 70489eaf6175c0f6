"""Deliveries in a consumer's hands: `/v1/ops/bus` does not call the bus settled while any is unacked, and a
worker stopped with SIGTERM settles the batch it is handling and gives back the rest before it exits."""

import threading

import pytest

from shared.bus.consumer import Consumer
from shared.bus.ops import bus_status
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

pytestmark = [pytest.mark.integration]


def _status(bus):
    return bus_status(bus.engine, bus.amqp_url, "test", bus.namespace)


def test_the_bus_is_not_settled_while_a_consumer_holds_an_unacked_delivery(bus):
    release = threading.Event()
    count = counting_handler()

    def held(event, session):
        assert release.wait(30), "never released"
        count(event, session)

    consumer = Consumer("test", bus.engine, bus.transport, {COUNTER_TYPE: held}, prefetch=1)
    bus.transport.declare("test", (COUNTER_TYPE,))
    produce(bus.engine, ["held"])
    Relay(bus.engine, bus.transport, "test").drain_once()
    with running(consumer.run):
        try:
            # the broker's ready count can trail the delivery by a moment: wait until the delivery is only in
            # the consumer's hands (nothing ready, nothing in the outbox, nothing retrying)
            status = wait_until(lambda: (s := _status(bus))["consumers_holding_unacked"] == 1
                                and (s["queue_depth"], s["outbox_pending"], s["retrying"]) == (0, 0, 0) and s,
                                timeout=30, message="the delivery in the consumer's hands and nowhere else")
            # only the unacked delivery keeps the bus unsettled
            assert status["settled"] is False
        finally:
            release.set()
        wait_until(lambda: bus.handled() == 1, timeout=30, message="the event handled")
        status = wait_until(lambda: (s := _status(bus))["settled"] and s, timeout=30, message="settled")
    assert status["consumers_holding_unacked"] == 0
    assert hits(bus.engine) == {"held": 1}


@pytest.mark.fault
def test_a_worker_stopped_with_sigterm_acks_what_it_handled_gives_back_the_rest_and_exits(bus, workers):
    total = 1000
    keys = [f"k{i}" for i in range(total)]
    bus.transport.declare("test", (COUNTER_TYPE,))
    produce(bus.engine, keys)
    Relay(bus.engine, bus.transport, "test").drain_once()
    # the service worker itself (shared.worker), 3 ms per event: SIGTERM finds a batch in its hands
    first = workers(bus, "worker", "--delay-ms", "3")
    wait_until(lambda: bus.handled() >= total * 0.3, timeout=60, message="30% handled")
    said = first.stop()  # SIGTERM, then wait for the process to exit
    assert first.process.returncode == 0, said
    assert "worker_stopped" in said and "unfinished=[]" in said
    struck = bus.handled()
    # every event it handled was acked before it left, every other went back to the queue at once
    wait_until(lambda: bus.transport.depths("test")["queue_depth"] == total - struck, timeout=30,
               message=f"{total - struck} events ready again")
    workers(bus, "consume")
    wait_until(lambda: bus.handled() == total, timeout=120, message="every event handled")
    assert_struck_midway(struck, total)
    assert hits(bus.engine) == dict.fromkeys(keys, 1)
