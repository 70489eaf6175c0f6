"""Events no contract declares: dead-lettered by default, taken by a handler that opts in (an archive)."""

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from shared.bus import Event, new_event, takes_uncontracted
from shared.bus.consumer import Consumer
from shared.bus.dlq import list_dead
from shared.bus.memory import InMemoryBroker, InMemoryTransport
from shared.bus.relay import Relay
from shared.bus.topology import Topology
from shared.db import make_engine
from shared.testing.bus import COUNTER_TYPE, counter_contract, create_schema
from shared.unit_of_work import UnitOfWork

archive = sa.Table("unit_archive", sa.MetaData(), sa.Column("event_id", sa.String, primary_key=True),
                   sa.Column("type", sa.String), sa.Column("note", sa.String))


def _archive(event, session):
    session.execute(archive.insert().values(event_id=event.id, type=event.type, note=str(event.data.get("note"))))


@pytest.fixture
def engine(sqlite_url):
    engine = make_engine(sqlite_url)
    create_schema(engine)
    archive.create(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def transport():
    return InMemoryTransport(InMemoryBroker(), Topology(namespace="unit", retry_delays=(0.01,)))


def _publish(engine, transport, *events):
    with UnitOfWork.on(engine) as uow:
        for event in events:
            uow.publish(event)
        uow.commit()
    Relay(engine, transport, "unit-publisher").drain_once()


def _undeclared(note):
    # a type a newer publisher added before any contract here knew it: built by hand, as no contract validates it
    return Event(type="registry.institution.renamed", source="/offcampus/registry", subject="42",
                 data={"note": note, "when": datetime.now(UTC).isoformat()})


def _consume(consumer, transport):
    subscription = transport.subscribe("reporting", tuple(consumer.handlers), consumer.prefetch)
    try:
        while batch := subscription.get(consumer.batch_size, timeout=0.05):
            subscription.settle(consumer.handle(batch))
    finally:
        subscription.close()


def _archived(engine):
    with engine.connect() as conn:
        return {row.type: row.note for row in conn.execute(sa.select(archive))}


def test_by_default_an_event_of_an_undeclared_type_is_dead_lettered_with_its_reason(engine, transport):
    consumer = Consumer("reporting", engine, transport, {"#": _archive})
    transport.declare("reporting", ("#",))
    _publish(engine, transport, _undeclared("one"))
    _consume(consumer, transport)
    [letter] = list_dead(transport, "unit", "reporting")
    assert letter["reason"] == "invalid" and "undeclared event type: registry.institution.renamed" in letter["error"]
    assert _archived(engine) == {}


def test_a_handler_that_opts_in_archives_events_of_undeclared_types_and_checks_declared_ones(engine, transport):
    consumer = Consumer("reporting", engine, transport, {"#": takes_uncontracted(_archive)})
    transport.declare("reporting", ("#",))
    with counter_contract(consumers=("reporting",)):
        good = new_event(COUNTER_TYPE, data={"counter_id": "c1", "payload": "kept"})
        bad = new_event(COUNTER_TYPE, data={"counter_id": "c2"})
        bad.data = {"counter_id": 7}  # a publisher that skipped its contract
        _publish(engine, transport, _undeclared("as it came"), good, bad)
        _consume(consumer, transport)
    assert _archived(engine) == {"registry.institution.renamed": "as it came", COUNTER_TYPE: "None"}
    [letter] = list_dead(transport, "unit", "reporting")  # a declared type still answers to its contract
    assert letter["id"] == bad.id and letter["reason"] == "invalid"
    assert consumer.stats["handled"] == 2 and consumer.stats["dead"] == 1
