"""The bus over real RabbitMQ and PostgreSQL: the wire format, the topology, confirms, heartbeats, sequences."""

import json
import random
import subprocess
import threading
import time
from urllib.parse import urlsplit

import pika
import pytest
import sqlalchemy as sa
from cloudevents.core.formats.json import JSONFormat
from marshmallow import fields

from shared.bus import CONTENT_TYPE, is_stale, new_event
from shared.bus.amqp import AmqpTransport, connect, message_of
from shared.bus.consumer import Consumer
from shared.bus.ops import bus_status
from shared.bus.relay import Relay
from shared.bus.tables import outbox_table
from shared.bus.topology import Topology
from shared.events import temporary_contract
from shared.testing.bus import COUNTER_TYPE, counting_handler, hits, produce, running, wait_until
from shared.unit_of_work import UnitOfWork

pytestmark = pytest.mark.integration


def _integrator_queue(bus) -> tuple[pika.BlockingConnection, str]:
    """A queue an outside integrator binds to the exchange, read with plain pika."""
    bus.transport.declare()
    parts = urlsplit(bus.amqp_url)  # kombu's `//` means vhost "/", which pika's URL parser reads otherwise
    connection = pika.BlockingConnection(pika.ConnectionParameters(
        parts.hostname, parts.port or 5672, "/", pika.PlainCredentials(parts.username, parts.password)))
    channel = connection.channel()
    name = f"{bus.namespace}.integrator"
    channel.queue_declare(name, durable=False, exclusive=True)
    channel.queue_bind(name, bus.transport.topology.exchange, routing_key="test.#")
    return connection, name


def _get(connection, name, timeout=10.0):
    channel = connection.channel()
    return wait_until(lambda: (got := channel.basic_get(name, auto_ack=True))[0] is not None and got,
                      timeout=timeout, message="a message on the integrator's queue")


def test_events_cross_rabbitmq_exactly_once_and_the_bus_settles(bus):
    consumer = Consumer("test", bus.engine, bus.transport, {COUNTER_TYPE: counting_handler()})
    relay = Relay(bus.engine, bus.transport, "test")
    with running(consumer.run), running(relay.run):
        keys = [f"k{i}" for i in range(500)]
        produce(bus.engine, keys)
        wait_until(lambda: bus.handled() == 500, timeout=60, message="500 events handled")
        status = wait_until(lambda: (s := bus_status(bus.engine, bus.amqp_url, "test", bus.namespace))["settled"]
                            and s, timeout=10, message="the bus to settle")
    assert hits(bus.engine) == dict.fromkeys(keys, 1)
    assert status["outbox_pending"] == 0 and status["queue_depth"] == 0 and status["dead_letters"] == 0


def test_a_plain_pika_consumer_reads_a_published_event_with_its_amqp_properties(bus):
    connection, name = _integrator_queue(bus)
    [event] = produce(bus.engine, ["wire-1"])
    Relay(bus.engine, bus.transport, "test").drain_once()
    method, properties, body = _get(connection, name)
    connection.close()
    assert method.routing_key == COUNTER_TYPE and method.exchange == f"{bus.namespace}.events"
    assert properties.message_id == event.id
    assert properties.type == COUNTER_TYPE
    assert properties.delivery_mode == 2
    assert properties.content_type == CONTENT_TYPE
    assert abs(properties.timestamp - time.time()) < 60
    assert properties.correlation_id == event.correlationid
    assert json.loads(body)["sequence"] == 1


def test_the_cloudevents_sdk_parses_a_published_event(bus):
    connection, name = _integrator_queue(bus)
    [event] = produce(bus.engine, ["wire-2"])
    Relay(bus.engine, bus.transport, "test").drain_once()
    _, _, body = _get(connection, name)
    connection.close()
    parsed = JSONFormat().read(None, body)
    attributes = parsed.get_attributes()
    assert attributes["specversion"] == "1.0" and attributes["id"] == event.id
    assert attributes["source"] == "/offcampus/test" and attributes["subject"] == "wire-2"
    assert attributes["dataschema"].endswith(f"{COUNTER_TYPE}:1")
    assert attributes["correlationid"] == event.correlationid and attributes["sequence"] == 1
    assert parsed.get_data()["counter_id"] == "wire-2"


def _queues_of(namespace: str) -> dict[str, list[str]]:
    """name -> [name, type, arguments] of the broker's queues in the namespace."""
    out = subprocess.run(["rabbitmqctl", "-q", "list_queues", "name", "type", "arguments", "--no-table-headers"],
                         capture_output=True, text=True, check=True, timeout=60).stdout
    return {line.split("\t")[0]: line.split("\t") for line in out.splitlines() if line.startswith(namespace)}


def test_queues_are_quorum_queues_with_retry_and_dead_letter_queues(bus):
    bus.transport.declare("test", (COUNTER_TYPE,))
    ours = _queues_of(bus.namespace)
    assert set(ours) == {f"{bus.namespace}.test", f"{bus.namespace}.test.dead",
                         f"{bus.namespace}.test.retry.100ms", f"{bus.namespace}.test.retry.300ms"}
    assert {kind for _, kind, _ in ours.values()} == {"quorum"}
    assert '{"x-message-ttl",300}' in ours[f"{bus.namespace}.test.retry.300ms"][2]
    assert f'{{"x-dead-letter-routing-key","{bus.namespace}.test.dead"}}' in ours[f"{bus.namespace}.test"][2]


def test_an_event_nobody_is_bound_to_stays_in_the_outbox_until_a_queue_is_bound(bus):
    orphan = "test.orphan.recorded"
    with temporary_contract(type=orphan, schema={"orphan_id": fields.String(required=True)}):
        with UnitOfWork.on(bus.engine) as uow:
            uow.publish(new_event(orphan, data={"orphan_id": "1"}))
            uow.commit()
        relay = Relay(bus.engine, bus.transport, "test")
        assert relay.drain_once() == 0  # published with `mandatory`, returned, kept
        with bus.engine.begin() as conn:
            row = conn.execute(sa.select(outbox_table)).one()
            assert row.sent_at is None and row.attempts == 1 and "unroutable" in row.last_error
            conn.execute(outbox_table.update().values(next_attempt_at=None))
        bus.transport.declare("test", (orphan,))
        assert relay.drain_once() == 1


def test_the_relay_declares_the_queues_of_contracted_consumers_before_they_start(bus):
    produce(bus.engine, ["early"])
    assert Relay(bus.engine, bus.transport, "test").drain_once() == 1
    consumer = Consumer("test", bus.engine, bus.transport, {COUNTER_TYPE: counting_handler()})
    with running(consumer.run):
        wait_until(lambda: bus.handled() == 1, timeout=30, message="the early event handled")


def test_the_consumer_keeps_its_connection_while_a_handler_outlasts_the_heartbeat(bus):
    transport = AmqpTransport(bus.amqp_url, Topology(bus.namespace, retry_delays=(0.1,)), heartbeat=1)
    consumer = Consumer("test", bus.engine, transport, {COUNTER_TYPE: counting_handler(delay=3.5)}, prefetch=1)
    transport.declare("test", (COUNTER_TYPE,))
    produce(bus.engine, ["slow-1", "slow-2"])
    Relay(bus.engine, transport, "test").drain_once()
    with running(consumer.run):
        wait_until(lambda: bus.handled() == 2, timeout=30)
        time.sleep(1)  # a window in which a redelivery (after a dropped connection) would show
    assert hits(bus.engine) == {"slow-1": 1, "slow-2": 1}
    assert consumer.stats["duplicate"] == 0  # a dropped connection would have redelivered one


def test_concurrent_writers_of_one_aggregate_get_distinct_sequences_on_postgresql(bus):
    def write():
        for _ in range(10):
            with UnitOfWork.on(bus.engine) as uow:
                for _ in range(3):
                    uow.publish(new_event(COUNTER_TYPE, data={"counter_id": "shared"}))
                uow.commit()

    threads = [threading.Thread(target=write) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with bus.engine.connect() as conn:
        rows = conn.execute(sa.select(outbox_table.c.sequence, outbox_table.c.payload)).all()
    assert sorted(row.sequence for row in rows) == list(range(1, 121))
    assert all(json.loads(row.payload)["sequence"] == row.sequence for row in rows)


def test_the_exported_definitions_import_into_rabbitmq_and_agree_with_the_code(bus):
    topology = Topology(bus.namespace)
    definitions = json.dumps(topology.export_definitions({"test": [COUNTER_TYPE]}))
    # through stdin: rabbitmqctl may run as another user who cannot read pytest's private tmp dirs
    imported = subprocess.run(["rabbitmqctl", "-q", "import_definitions"], input=definitions, capture_output=True,
                              text=True, timeout=60)
    assert imported.returncode == 0, imported.stdout + imported.stderr
    expected = len(topology.queues("test"))
    wait_until(lambda: len(_queues_of(bus.namespace)) == expected, timeout=30, message="the import")  # asynchronous
    # declaring by code over the imported queues would fail on any differing argument
    AmqpTransport(bus.amqp_url, topology).declare("test", (COUNTER_TYPE,))
    produce(bus.engine, ["imported"])
    assert Relay(bus.engine, AmqpTransport(bus.amqp_url, topology), "test").drain_once() == 1


def test_a_projection_ignores_older_events_when_delivery_is_shuffled_on_postgresql(bus):
    latest = sa.Table("it_latest", sa.MetaData(), sa.Column("aggregate", sa.String, primary_key=True),
                      sa.Column("value", sa.Integer, nullable=False))
    latest.create(bus.engine)

    def project(event, session):
        if is_stale(session, event):
            return
        session.execute(sa.delete(latest).where(latest.c.aggregate == event.subject))
        session.execute(latest.insert().values(aggregate=event.subject, value=int(event.data["payload"])))

    with UnitOfWork.on(bus.engine) as uow:
        for n in range(1, 41):
            for key in ("p", "q", "r", "s", "t"):
                uow.publish(new_event(COUNTER_TYPE, data={"counter_id": key, "payload": str(n)}))
        uow.commit()
    with bus.engine.connect() as conn:
        rows = conn.execute(sa.select(outbox_table.c.event_id, outbox_table.c.payload)).all()
    random.Random(11).shuffle(rows)
    consumer = Consumer("test", bus.engine, bus.transport, {COUNTER_TYPE: project}, prefetch=20, batch_size=7)
    bus.transport.declare("test", (COUNTER_TYPE,))
    conn = connect(bus.amqp_url)
    channel = conn.channel()
    for row in rows:  # out of order, as replicas and retries deliver
        channel.basic_publish(message_of(row.payload.encode(), {"message_id": row.event_id}, {}),
                              exchange=bus.transport.topology.exchange, routing_key=COUNTER_TYPE)
    conn.close()
    with running(consumer.run):
        wait_until(lambda: consumer.stats["handled"] == 200, timeout=30, message="200 events handled")
    with bus.engine.connect() as conn:
        assert dict(conn.execute(sa.select(latest.c.aggregate, latest.c.value)).all()) == dict.fromkeys("pqrst", 40)
