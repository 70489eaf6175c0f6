"""Handlers' writes in psycopg's pipeline mode on PostgreSQL: what a handler reads, raises and commits is
what it would be without the pipeline."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from shared.bus import new_event
from shared.bus.consumer import Consumer
from shared.bus.memory import InMemoryBroker, InMemoryTransport
from shared.bus.pipelining import pipelined
from shared.bus.topology import Topology
from shared.bus.transport import Delivery
from shared.db import make_engine
from shared.testing.bus import COUNTER_TYPE, counter_contract, create_schema

metadata = sa.MetaData()
notes = sa.Table(
    "pipelining_note", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("key", sa.String(40), nullable=False, unique=True),
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
)


@pytest.fixture
def engine(pg_url):
    engine = make_engine(pg_url)
    metadata.create_all(engine)
    create_schema(engine)
    yield engine
    engine.dispose()


def _keys(engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.scalars(sa.select(notes.c.key).order_by(notes.c.key)))


def test_pipelined_writes_are_read_back_counted_and_committed(engine):
    with Session(engine) as session, session.begin(), pipelined(session):
        for key in ("a", "b", "c"):
            session.execute(notes.insert().inline(), {"key": key})
        # a read waits for the writes before it
        assert session.scalar(sa.select(sa.func.count()).select_from(notes)) == 3
        # RETURNING and row counts are answered as without the pipeline
        new_id = session.execute(notes.insert().returning(notes.c.id), {"key": "d"}).scalar_one()
        assert new_id > 0
        updated = session.execute(notes.update().where(notes.c.key.in_(["a", "b"]), notes.c.version == 1)
                                  .values(version=2))
        assert updated.rowcount == 2
        stale = session.execute(notes.update().where(notes.c.key == "a", notes.c.version == 1).values(version=3))
        assert stale.rowcount == 0
    assert _keys(engine) == ["a", "b", "c", "d"]


def test_a_constraint_broken_by_a_pipelined_insert_is_raised_inside_the_transaction(engine):
    with (pytest.raises(sa.exc.IntegrityError, match="pipelining_note_key_key"), Session(engine) as session,
          session.begin(), pipelined(session)):
        session.execute(notes.insert().inline(), {"key": "same"})
        session.execute(notes.insert().inline(), {"key": "same"})  # nothing waits for this one's answer
        session.execute(notes.insert().inline(), {"key": "other"})
    assert _keys(engine) == []  # rolled back: nothing of the block was committed


def test_a_savepoint_catches_a_broken_constraint_as_it_would_without_the_pipeline(engine):
    with Session(engine) as session, session.begin(), pipelined(session):
        session.execute(notes.insert().inline(), {"key": "kept"})
        try:
            with session.begin_nested():
                session.execute(notes.insert().inline(), {"key": "kept"})
        except sa.exc.IntegrityError:
            pass  # a handler's "already there" branch
        session.execute(notes.insert().inline(), {"key": "after"})
    assert _keys(engine) == ["after", "kept"]


def test_a_handler_whose_insert_fails_late_is_retried_alone_and_the_others_are_handled_once(engine):
    """The failing insert's error arrives at the end of the batch; the consumer then handles each event alone."""
    with Session(engine) as session, session.begin():
        session.execute(notes.insert(), {"key": "taken"})

    def record(event, session):
        session.execute(notes.insert().inline(), {"key": event.data["counter_id"]})

    transport = InMemoryTransport(InMemoryBroker(), Topology(namespace="pipelining"))
    with counter_contract():
        consumer = Consumer("test", engine, transport, {COUNTER_TYPE: record})
        events = [new_event(COUNTER_TYPE, data={"counter_id": key}) for key in ("a", "b", "taken", "c")]
        deliveries = [Delivery(body=e.to_json().encode(), routing_key=e.type, tag=n) for n, e in enumerate(events)]
        settlement = consumer.handle(deliveries, threading.Event())
        again = consumer.handle(deliveries, threading.Event())  # every copy delivered again: no second effect

    assert [d.tag for d in settlement.acks] == [0, 1, 3]
    [(retried, error)] = settlement.retries
    assert retried.tag == 2 and "IntegrityError" in error and "UniqueViolation" in error
    assert _keys(engine) == ["a", "b", "c", "taken"]
    assert [d.tag for d in again.acks] == [0, 1, 3] and len(again.retries) == 1
    assert consumer.stats["handled"] == 3 and consumer.stats["duplicate"] == 3 and consumer.stats["retried"] == 2


def test_a_handler_that_swallows_a_database_error_gets_its_event_retried_not_lost(engine):
    """PostgreSQL rolls back a failed transaction even when told to commit: the consumer must not ack it."""

    def careless(event, session):
        session.execute(notes.insert().inline(), {"key": event.data["counter_id"]})
        try:
            session.execute(sa.text("SELECT 1 / 0"))
        except sa.exc.DataError:
            pass  # no savepoint: the transaction is failed from here on

    transport = InMemoryTransport(InMemoryBroker(), Topology(namespace="pipelining"))
    with counter_contract():
        consumer = Consumer("test", engine, transport, {COUNTER_TYPE: careless})
        event = new_event(COUNTER_TYPE, data={"counter_id": "a"})
        settlement = consumer.handle([Delivery(body=event.to_json().encode(), routing_key=event.type, tag=1)],
                                     threading.Event())
    assert settlement.acks == []
    [(_, error)] = settlement.retries
    assert "FailedTransaction" in error
    assert _keys(engine) == []
