"""The outbox: written in the caller's transaction, numbered per aggregate, waking the relay on commit."""

import threading

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from shared.bus import new_event
from shared.bus.outbox import add_to_outbox, register_waker
from shared.bus.tables import outbox_table
from shared.db import make_engine
from shared.testing.bus import COUNTER_TYPE, counter_contract, create_schema


@pytest.fixture
def engine(sqlite_url):
    engine = make_engine(sqlite_url)
    create_schema(engine)
    yield engine
    engine.dispose()


@pytest.fixture(autouse=True)
def contract():
    with counter_contract() as declared:
        yield declared


def _event(key):
    return new_event(COUNTER_TYPE, subject=key, data={"counter_id": key})


def _rows(engine):
    with engine.connect() as conn:
        return conn.execute(sa.select(outbox_table).order_by(outbox_table.c.id)).all()


def test_a_rolled_back_transaction_leaves_nothing_to_publish(engine):
    with Session(engine) as session:
        add_to_outbox(session, _event("a"))
        session.rollback()
    assert _rows(engine) == []


def test_a_committed_event_is_in_the_outbox_unsent_with_its_envelope(engine):
    with Session(engine) as session, session.begin():
        event = add_to_outbox(session, _event("a"))
    [row] = _rows(engine)
    assert (row.event_id, row.type, row.subject, row.sequence, row.sent_at) == (event.id, COUNTER_TYPE, "a", 1, None)
    assert '"sequence":1' in row.payload


def test_sequences_increase_per_aggregate(engine):
    with Session(engine) as session, session.begin():
        numbered = [add_to_outbox(session, _event(key)) for key in ("a", "b", "a", "a", "b")]
    assert [event.sequence for event in numbered] == [1, 1, 2, 3, 2]


def test_concurrent_writers_of_one_aggregate_get_distinct_sequences(engine):
    def write():
        for _ in range(20):
            with Session(engine) as session, session.begin():
                add_to_outbox(session, _event("shared"))

    threads = [threading.Thread(target=write) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(row.sequence for row in _rows(engine)) == list(range(1, 81))


def test_a_commit_with_events_wakes_the_relays_of_this_process(engine):
    woken = threading.Event()
    register_waker(woken)
    with Session(engine) as session:
        add_to_outbox(session, _event("a"))
        assert not woken.is_set()
        session.commit()
    assert woken.is_set()


def test_events_added_in_a_rolled_back_savepoint_are_dropped_and_the_others_kept(engine):
    with Session(engine) as session, session.begin():
        add_to_outbox(session, _event("kept-before"))
        savepoint = session.begin_nested()
        add_to_outbox(session, _event("dropped"))
        savepoint.rollback()
        with session.begin_nested():
            add_to_outbox(session, _event("kept-inside"))
        add_to_outbox(session, _event("kept-after"))
    assert [row.subject for row in _rows(engine)] == ["kept-before", "kept-inside", "kept-after"]


def test_a_session_closed_without_commit_forgets_its_events(engine):
    session = Session(engine)
    add_to_outbox(session, _event("never"))
    session.close()
    with session.begin():
        add_to_outbox(session, _event("later"))
    assert [row.subject for row in _rows(engine)] == ["later"]
