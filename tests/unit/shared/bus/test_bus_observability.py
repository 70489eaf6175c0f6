"""What operators see: metrics, correlation ids in the handler's logs and in the events it causes, bus status."""

import pytest
import structlog
from prometheus_client import REGISTRY

from shared.bus import new_event
from shared.bus.consumer import Consumer
from shared.bus.memory import InMemoryBroker, InMemoryTransport
from shared.bus.ops import bus_status
from shared.bus.relay import Relay
from shared.bus.topology import Topology
from shared.db import make_engine
from shared.testing.bus import COUNTER_TYPE, counter_contract, create_schema, poison_fixed, produce
from shared.unit_of_work import BatchUnitOfWork, UnitOfWork


@pytest.fixture
def engine(sqlite_url):
    engine = make_engine(sqlite_url)
    create_schema(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def transport():
    return InMemoryTransport(InMemoryBroker(), Topology(namespace="obs", retry_delays=(0.01,)))


@pytest.fixture(autouse=True)
def contract():
    poison_fixed.clear()
    with counter_contract() as declared:
        yield declared


def _value(name, **labels):
    return REGISTRY.get_sample_value(name, labels) or 0.0


def _drain(consumer, transport):
    subscription = transport.subscribe("test", tuple(consumer.handlers), 100)
    try:
        while batch := subscription.get(100, timeout=0.05):
            subscription.settle(consumer.handle(batch))
    finally:
        subscription.close()


def test_a_handler_sees_the_correlation_id_in_its_log_context_and_passes_it_on(engine, transport):
    seen, caused = [], []

    def handler(event, session):
        seen.append(structlog.contextvars.get_contextvars())
        if event.data["counter_id"] == "first":
            uow = BatchUnitOfWork(session, event.correlationid)
            caused.append(uow.publish(new_event(COUNTER_TYPE, data={"counter_id": "second"})))
            uow.commit()

    consumer = Consumer("test", engine, transport, {COUNTER_TYPE: handler})
    transport.declare("test", (COUNTER_TYPE,))
    with UnitOfWork.on(engine) as uow:
        uow.publish(new_event(COUNTER_TYPE, data={"counter_id": "first"}, correlation_id="case-42"))
        uow.commit()
    relay = Relay(engine, transport, "test")
    relay.drain_once()
    _drain(consumer, transport)
    relay.drain_once()
    _drain(consumer, transport)
    assert [context["correlation_id"] for context in seen] == ["case-42", "case-42"]
    assert seen[0]["event_type"] == COUNTER_TYPE and seen[0]["service"] == "test"
    assert caused[0].correlationid == "case-42"
    assert structlog.contextvars.get_contextvars().get("correlation_id") is None  # unbound after handling


def test_publishing_consuming_and_dead_lettering_are_counted(engine, transport):
    published = _value("offcampus_events_published_total", type=COUNTER_TYPE)
    handled = _value("offcampus_events_consumed_total", service="test", type=COUNTER_TYPE, outcome="handled")
    dead = _value("offcampus_dead_letters_total", service="test", reason="handler_failed")
    lags = _value("offcampus_event_lag_seconds_count", service="test", type=COUNTER_TYPE)
    from shared.testing.bus import counting_handler

    consumer = Consumer("test", engine, transport, {COUNTER_TYPE: counting_handler()}, max_attempts=1)
    transport.declare("test", (COUNTER_TYPE,))
    produce(engine, ["a", "b", "bad"], poison={"bad"})
    Relay(engine, transport, "test").drain_once()
    _drain(consumer, transport)
    assert _value("offcampus_events_published_total", type=COUNTER_TYPE) - published == 3
    assert _value("offcampus_events_consumed_total", service="test", type=COUNTER_TYPE,
                  outcome="handled") - handled == 2
    assert _value("offcampus_dead_letters_total", service="test", reason="handler_failed") - dead == 1
    assert _value("offcampus_event_lag_seconds_count", service="test", type=COUNTER_TYPE) - lags == 2
    assert _value("offcampus_event_handling_seconds_count", service="test", type=COUNTER_TYPE) >= 2


def test_bus_status_tells_what_is_still_in_flight(engine, transport):
    transport.declare("test", (COUNTER_TYPE,))
    produce(engine, ["a", "b"])
    before = bus_status(engine, transport, "test", namespace="obs")
    assert before["outbox_pending"] == 2 and before["queue_depth"] == 0 and not before["settled"]
    Relay(engine, transport, "test").drain_once()
    after = bus_status(engine, transport, "test", namespace="obs")
    assert after["outbox_pending"] == 0 and after["queue_depth"] == 2 and not after["settled"]
    assert _value("offcampus_outbox_pending", service="test") == 0


def test_the_relay_exports_the_age_of_the_oldest_unpublished_row_even_while_it_cannot_publish(engine, transport):
    import datetime as dt
    import threading

    import sqlalchemy as sa

    from shared.bus.tables import outbox_table
    from shared.testing.bus import wait_until

    produce(engine, ["a"])
    with engine.begin() as conn:  # written two minutes ago
        conn.execute(outbox_table.update().values(created_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=2)))

    class Refusing:  # a broker that refuses every publish
        def publisher(self, service=None):
            raise ConnectionError("broker away")

    stop = threading.Event()
    runner = threading.Thread(target=Relay(engine, Refusing(), "aged").run, args=(stop,), daemon=True)
    runner.start()
    try:
        wait_until(lambda: _value("offcampus_outbox_oldest_age_seconds", service="aged") >= 120, 30,
                   message="the relay to export the age of the oldest row")
    finally:
        stop.set()
        runner.join(10)
    assert _value("offcampus_outbox_pending", service="aged") == 1
    with engine.connect() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(outbox_table)
                           .where(outbox_table.c.sent_at.is_(None))) == 1


def test_pruning_removes_only_rows_sent_or_handled_long_ago(engine, transport):
    from datetime import timedelta

    from shared.bus.ops import prune_bus_tables
    from shared.testing.bus import counting_handler

    transport.declare("test", (COUNTER_TYPE,))
    produce(engine, ["old", "new"])
    Relay(engine, transport, "test").drain_once()
    _drain(Consumer("test", engine, transport, {COUNTER_TYPE: counting_handler()}), transport)
    assert prune_bus_tables(engine, timedelta(days=7), timedelta(days=30)) == {"outbox_deleted": 0,
                                                                                "inbox_deleted": 0}
    assert prune_bus_tables(engine, timedelta(0), timedelta(0)) == {"outbox_deleted": 2, "inbox_deleted": 2}
