"""The bus over the in-memory transport: the same outbox, inbox, retry and dead-letter semantics as RabbitMQ."""

import random
import threading

import pytest
import sqlalchemy as sa
from marshmallow import fields

from shared.bus import Event, is_stale, new_event
from shared.bus.consumer import Consumer
from shared.bus.dlq import list_dead, replay_dead
from shared.bus.memory import InMemoryBroker, InMemoryTransport
from shared.bus.ops import bus_status
from shared.bus.relay import Relay
from shared.bus.tables import outbox_table
from shared.bus.topology import Topology
from shared.db import make_engine
from shared.events import temporary_contract
from shared.testing.bus import (
    COUNTER_TYPE,
    counter_contract,
    counting_handler,
    create_schema,
    hits,
    poison_fixed,
    produce,
    running,
    wait_until,
)
from shared.unit_of_work import BatchUnitOfWork, UnitOfWork


@pytest.fixture
def engine(sqlite_url):
    engine = make_engine(sqlite_url)
    create_schema(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def transport():
    return InMemoryTransport(InMemoryBroker(), Topology(namespace="unit", retry_delays=(0.01, 0.02, 0.04)))


@pytest.fixture(autouse=True)
def contract():
    poison_fixed.clear()
    with counter_contract() as declared:
        yield declared


def _consumer(engine, transport, **options):
    consumer = Consumer("test", engine, transport, {COUNTER_TYPE: counting_handler()}, **options)
    transport.declare("test", tuple(consumer.handlers))
    return consumer


def _consume_all(consumer, transport):
    """Consume until nothing is ready or waiting for a retry."""
    subscription = transport.subscribe("test", tuple(consumer.handlers), consumer.prefetch)
    try:
        while True:
            batch = subscription.get(consumer.batch_size, timeout=0.02)
            if batch:
                subscription.settle(consumer.handle(batch))
                continue
            depths = transport.depths("test")
            if not depths["queue_depth"] and not depths["retrying"]:
                return
    finally:
        subscription.close()


def test_events_written_through_the_outbox_are_handled_exactly_once(engine, transport):
    consumer = _consumer(engine, transport)
    keys = [f"k{i}" for i in range(250)]
    produce(engine, keys)
    assert Relay(engine, transport, "test", batch_size=100).drain_once() == 250
    _consume_all(consumer, transport)
    assert hits(engine) == dict.fromkeys(keys, 1)
    assert consumer.stats["handled"] == 250


def test_a_relay_and_a_consumer_running_side_by_side_settle_the_bus(engine, transport):
    consumer = _consumer(engine, transport)
    relay = Relay(engine, transport, "test", poll_interval=0.05)
    with running(consumer.run), running(relay.run):
        produce(engine, [f"k{i}" for i in range(100)])
        wait_until(lambda: sum(hits(engine).values()) == 100, timeout=10)
        status = wait_until(lambda: (s := bus_status(engine, transport, "test"))["settled"] and s, timeout=5)
    assert status["outbox_pending"] == 0 and status["dead_letters"] == 0 and status["transport"] == "memory"


def test_a_redelivered_event_is_a_no_op(engine, transport):
    consumer = _consumer(engine, transport)
    produce(engine, ["a", "b"])
    relay = Relay(engine, transport, "test")
    relay.drain_once()
    with engine.begin() as conn:  # pretend the relay died before marking: it publishes them again
        conn.execute(outbox_table.update().values(sent_at=None))
    relay.drain_once()
    _consume_all(consumer, transport)
    assert hits(engine) == {"a": 1, "b": 1}
    assert consumer.stats["duplicate"] == 2


def test_a_failing_handler_is_retried_then_dead_lettered_and_replayed_after_a_fix(engine, transport):
    consumer = _consumer(engine, transport, max_attempts=3)
    produce(engine, ["good-1", "bad", "good-2"], poison={"bad"})
    Relay(engine, transport, "test").drain_once()
    _consume_all(consumer, transport)
    assert hits(engine) == {"good-1": 1, "bad": 0, "good-2": 1}
    assert consumer.stats["retried"] == 2 and consumer.stats["dead"] == 1
    [letter] = list_dead(transport, "unit", "test")
    assert letter["reason"] == "handler_failed" and letter["attempts"] == 3
    assert "poison event bad" in letter["error"] and letter["type"] == COUNTER_TYPE
    poison_fixed.set()
    assert replay_dead(transport, "unit", "test", event_id=letter["id"]) == 1
    _consume_all(consumer, transport)
    assert hits(engine)["bad"] == 1
    assert list_dead(transport, "unit", "test") == []


def test_a_handler_that_publishes_without_committing_its_unit_of_work_fails_and_writes_nothing(engine, transport):
    def forgetful(event, session):
        BatchUnitOfWork(session, event.correlationid).publish(new_event(COUNTER_TYPE, data={"counter_id": "echo"}))

    consumer = Consumer("test", engine, transport, {COUNTER_TYPE: forgetful}, max_attempts=2)
    transport.declare("test", tuple(consumer.handlers))
    with UnitOfWork.on(engine) as uow:
        uow.publish(new_event(COUNTER_TYPE, data={"counter_id": "first"}))
        uow.commit()
    Relay(engine, transport, "test").drain_once()
    _consume_all(consumer, transport)
    [letter] = list_dead(transport, "unit", "test")
    assert letter["reason"] == "handler_failed" and "UnwrittenEvents" in letter["error"]
    with engine.connect() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(outbox_table)) == 1  # only the first


def test_invalid_data_goes_to_the_dead_letters_at_once(engine, transport):
    consumer = _consumer(engine, transport)
    event = new_event(COUNTER_TYPE, data={"counter_id": "x"})
    event.data = {"counter_id": 42, "poison": "no"}  # a publisher that skipped validation
    with UnitOfWork.on(engine) as uow:
        uow.publish(event)
        uow.commit()
    Relay(engine, transport, "test").drain_once()
    _consume_all(consumer, transport)
    [letter] = list_dead(transport, "unit", "test")
    assert letter["reason"] == "invalid" and letter["attempts"] == 1 and letter["id"] == event.id


def test_an_event_no_contract_routes_stays_in_the_outbox_with_its_error(engine, transport):
    with temporary_contract(type="test.orphan.recorded", schema={"orphan_id": fields.String(required=True)}):
        with UnitOfWork.on(engine) as uow:
            uow.publish(new_event("test.orphan.recorded", data={"orphan_id": "1"}))
            uow.commit()
        assert Relay(engine, transport, "test").drain_once() == 0
    with engine.connect() as conn:
        row = conn.execute(sa.select(outbox_table)).one()
    assert row.sent_at is None and row.attempts == 1 and "unroutable" in row.last_error
    assert row.next_attempt_at is not None


def test_events_wait_in_the_queue_of_a_contracted_consumer_that_has_not_started(engine, transport):
    produce(engine, ["early"])
    assert Relay(engine, transport, "test").drain_once() == 1  # the relay declared the consumer's queue
    _consume_all(_consumer(engine, transport), transport)
    assert hits(engine) == {"early": 1}


def test_a_stopping_consumer_gives_back_what_it_did_not_settle(engine, transport):
    consumer = _consumer(engine, transport)
    produce(engine, ["a", "b", "c"])
    Relay(engine, transport, "test").drain_once()
    subscription = transport.subscribe("test", (COUNTER_TYPE,), 10)
    assert len(subscription.get(10, timeout=0.1)) == 3
    subscription.close()
    _consume_all(consumer, transport)
    assert hits(engine) == {"a": 1, "b": 1, "c": 1}


def test_a_projection_ignores_events_older_than_what_it_holds_under_shuffled_delivery(engine, transport):
    state = sa.Table("unit_latest", sa.MetaData(), sa.Column("aggregate", sa.String, primary_key=True),
                     sa.Column("value", sa.Integer))
    state.create(engine)

    def project(event: Event, session):
        if is_stale(session, event):
            return
        session.execute(sa.delete(state).where(state.c.aggregate == event.subject))
        session.execute(state.insert().values(aggregate=event.subject, value=int(event.data["payload"])))

    consumer = Consumer("test", engine, transport, {COUNTER_TYPE: project})
    events = []
    with UnitOfWork.on(engine) as uow:
        for n in range(1, 31):
            for key in ("x", "y", "z"):
                events.append(uow.publish(new_event(COUNTER_TYPE, data={"counter_id": key, "payload": str(n)})))
        uow.commit()
    random.Random(7).shuffle(events)
    batches = [events[i:i + 7] for i in range(0, len(events), 7)]
    from shared.bus.transport import Delivery

    for batch in batches:
        consumer.handle([Delivery(body=e.to_json().encode(), routing_key=e.type, tag=i) for i, e in enumerate(batch)],
                        threading.Event())
    with engine.connect() as conn:
        assert dict(conn.execute(sa.select(state.c.aggregate, state.c.value)).all()) == {"x": 30, "y": 30, "z": 30}


def test_a_handler_failing_with_a_database_error_of_its_own_is_retried_then_dead_lettered(engine, transport):
    def times_out(event, session):
        raise sa.exc.OperationalError("UPDATE counters", {}, Exception("canceling statement due to lock timeout"))

    consumer = Consumer("test", engine, transport, {COUNTER_TYPE: times_out}, max_attempts=2)
    transport.declare("test", (COUNTER_TYPE,))
    produce(engine, ["a"])
    Relay(engine, transport, "test").drain_once()
    _consume_all(consumer, transport)
    [letter] = list_dead(transport, "unit", "test")
    assert letter["attempts"] == 2 and "lock timeout" in letter["error"]


def test_a_batch_waits_while_the_database_is_unreachable_and_settles_nothing(tmp_path, transport):
    unreachable = make_engine(f"sqlite:///{tmp_path / 'missing' / 'nowhere.sqlite3'}")
    consumer = Consumer("test", unreachable, transport, {COUNTER_TYPE: counting_handler()})
    event = new_event(COUNTER_TYPE, data={"counter_id": "a"})
    stop = threading.Event()
    threading.Timer(0.5, stop.set).start()
    from shared.bus.transport import Delivery

    assert consumer.handle([Delivery(body=event.to_json().encode(), routing_key=event.type, tag=1)], stop) is None
    assert consumer.stats["retried"] == 0 and consumer.stats["dead"] == 0


def test_an_interactive_type_waits_in_its_own_queue_not_behind_the_work_queue(engine, transport):
    # as `offcampus up` runs it: the in-memory broker routes an interactive type as RabbitMQ does
    call = "test.call.placed"
    answered = []
    handlers = {COUNTER_TYPE: counting_handler(), call: lambda event, session: answered.append(event.id)}
    with temporary_contract(type=call, schema={"call_id": fields.String(required=True)}, consumers=("test",),
                            interactive_for=("test",)):
        transport.declare("test", tuple(handlers))
        produce(engine, [f"k{i}" for i in range(300)])
        with UnitOfWork.on(engine) as uow:
            placed = uow.publish(new_event(call, data={"call_id": "c1"}))
            uow.commit()
        assert Relay(engine, transport, "test").drain_once() == 301
        depths = transport.depths("test")
        assert (depths["queue_depth"], depths["interactive_depth"]) == (301, 1)
        lane = Consumer("test", engine, transport, handlers, prefetch=20, interactive=True)
        with running(lane.run):  # the work queue's consumer has not even started
            wait_until(lambda: answered == [placed.id], timeout=10, message="the call answered")
            status = wait_until(lambda: (s := bus_status(engine, transport, "test"))["unacked"] == 0 and s,
                                timeout=5, message="the call acked")
        assert (status["queue_depth"], status["interactive_depth"], status["settled"]) == (300, 0, False)
        _consume_all(_consumer(engine, transport), transport)
    assert sum(hits(engine).values()) == 300 and bus_status(engine, transport, "test")["settled"]
