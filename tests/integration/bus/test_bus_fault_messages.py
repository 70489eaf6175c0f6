"""Fault tests: every event delivered twice; a poison message among good ones, dead-lettered and replayed."""

import random
import threading

import pytest
import sqlalchemy as sa

from shared.bus.amqp import connect, message_of
from shared.bus.consumer import Consumer
from shared.bus.dlq import list_dead, replay_dead
from shared.bus.relay import Relay
from shared.bus.tables import outbox_table
from shared.testing.bus import (
    COUNTER_TYPE,
    assert_struck_midway,
    counting_handler,
    handled_count,
    hits,
    poison_fixed,
    produce,
    running,
    wait_until,
)

pytestmark = [pytest.mark.fault, pytest.mark.integration]


def _publish_raw(bus, messages: list[tuple[str, bytes, str]]) -> None:
    """Publish (message id, body, type) straight to the exchange, confirmed, as a misbehaving peer would."""
    conn = connect(bus.amqp_url)
    try:
        channel = conn.channel()
        for message_id, body, event_type in messages:
            channel.basic_publish_confirm(message_of(body, {"message_id": message_id, "type": event_type}, {}),
                                          exchange=bus.transport.topology.exchange, routing_key=event_type)
    finally:
        conn.close()


def _outbox_copies(bus, exclude: set[str]) -> list[tuple[str, bytes, str]]:
    """Byte-for-byte copies of the events in the outbox (sent or not), except those already copied."""
    with bus.engine.connect() as conn:
        rows = conn.execute(sa.select(outbox_table.c.event_id, outbox_table.c.payload, outbox_table.c.type)).all()
    return [(r.event_id, r.payload.encode(), r.type) for r in rows if r.event_id not in exclude]


def test_every_event_delivered_twice_is_applied_once(bus):
    total = 1000
    keys = [f"k{i}" for i in range(total)]
    consumer = Consumer("test", bus.engine, bus.transport, {COUNTER_TYPE: counting_handler()})
    bus.transport.declare("test", (COUNTER_TYPE,))
    producer = threading.Thread(target=produce, args=(bus.engine, keys), kwargs={"rate": 500})
    with running(consumer.run), running(Relay(bus.engine, bus.transport, "test", poll_interval=0.1).run):
        producer.start()
        struck = wait_until(lambda: (n := bus.handled()) >= total * 0.3 and n, timeout=60, message="30% handled")
        copied: set[str] = set()
        first = _outbox_copies(bus, copied)
        random.Random(3).shuffle(first)
        _publish_raw(bus, first)  # copies of events handled, in flight and not yet published
        copied.update(message_id for message_id, _, _ in first)
        producer.join()
        _publish_raw(bus, _outbox_copies(bus, copied))
        wait_until(lambda: consumer.stats["duplicate"] + consumer.stats["handled"] == 2 * total, timeout=120,
                   message="both copies of every event settled")
    assert_struck_midway(struck, total)
    assert consumer.stats["handled"] == total and consumer.stats["duplicate"] == total
    assert hits(bus.engine) == dict.fromkeys(keys, 1)


def test_a_poison_message_is_dead_lettered_without_blocking_the_others_and_replays_after_a_fix(bus):
    total = 1000
    keys = [f"k{i}" for i in range(total)]
    struck = []
    count = counting_handler()

    def handler(event, session):
        if event.data["poison"] and not struck:
            struck.append(handled_count(bus.engine))
        count(event, session)

    consumer = Consumer("test", bus.engine, bus.transport, {COUNTER_TYPE: handler}, max_attempts=3)
    bus.transport.declare("test", (COUNTER_TYPE,))
    with running(consumer.run), running(Relay(bus.engine, bus.transport, "test", poll_interval=0.1).run):
        produce(bus.engine, keys, rate=800, poison={"k500"})
        _publish_raw(bus, [("not-json", b"{oops", COUNTER_TYPE),
                           ("invalid", b'{"specversion":"1.0","id":"invalid","source":"/x","type":"'
                            + COUNTER_TYPE.encode() + b'","time":"2024-01-01T00:00:00Z","data":{"poison":7}}',
                            COUNTER_TYPE)])
        wait_until(lambda: bus.handled() == total - 1, timeout=60, message="every good event handled")
        dead = wait_until(lambda: len(d := list_dead(bus.amqp_url, bus.namespace, "test")) == 3 and d,
                          timeout=30, message="three dead letters")
        letters = {letter["id"]: letter for letter in dead}
        poison = next(letter for letter in dead if letter["reason"] == "handler_failed")
        assert poison["attempts"] == 3 and "poison event k500" in poison["error"]
        assert poison["type"] == COUNTER_TYPE and poison["subject"] == "k500"
        assert letters["invalid"]["reason"] == "invalid" and letters["invalid"]["attempts"] == 1
        assert letters["not-json"]["reason"] == "unparseable"
        assert hits(bus.engine)["k500"] == 0

        poison_fixed.set()
        assert replay_dead(bus.amqp_url, bus.namespace, "test", event_id=poison["id"]) == 1
        wait_until(lambda: bus.handled() == total, timeout=30, message="the replayed event handled")
        remaining = list_dead(bus.amqp_url, bus.namespace, "test")
    assert_struck_midway(struck[0], total)
    assert sorted(letter["id"] for letter in remaining) == ["invalid", "not-json"]
    assert hits(bus.engine) == dict.fromkeys(keys, 1)
