"""The outbox through the unit of work: written in its commit, numbered per aggregate, waking the relay; none lost."""

import threading

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from shared.bus import new_event
from shared.bus.outbox import UnwrittenEvents, register_waker
from shared.bus.tables import outbox_table
from shared.db import make_engine
from shared.testing.bus import COUNTER_TYPE, counter_contract, create_schema
from shared.unit_of_work import BatchUnitOfWork, UnitOfWork


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
    with UnitOfWork.on(engine) as uow:
        uow.publish(_event("a"))
        uow.rollback()
        uow.commit()
    assert _rows(engine) == []


def test_a_committed_event_is_in_the_outbox_unsent_with_its_envelope(engine):
    with UnitOfWork.on(engine) as uow:
        event = uow.publish(_event("a"))
        uow.commit()
    [row] = _rows(engine)
    assert (row.event_id, row.type, row.subject, row.sequence, row.sent_at) == (event.id, COUNTER_TYPE, "a", 1, None)
    assert '"sequence":1' in row.payload


def test_sequences_increase_per_aggregate(engine):
    with UnitOfWork.on(engine) as uow:
        numbered = [uow.publish(_event(key)) for key in ("a", "b", "a", "a", "b")]
        uow.commit()
    assert [event.sequence for event in numbered] == [1, 1, 2, 3, 2]


def test_concurrent_writers_of_one_aggregate_get_distinct_sequences(engine):
    def write():
        for _ in range(20):
            with UnitOfWork.on(engine) as uow:
                uow.publish(_event("shared"))
                uow.commit()

    threads = [threading.Thread(target=write) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(row.sequence for row in _rows(engine)) == list(range(1, 81))


def test_a_commit_with_events_wakes_the_relays_of_this_process(engine):
    woken = threading.Event()
    register_waker(woken)
    with UnitOfWork.on(engine) as uow:
        uow.publish(_event("a"))
        assert not woken.is_set()
        uow.commit()
    assert woken.is_set()


def test_events_added_in_a_rolled_back_savepoint_are_dropped_and_the_others_kept(engine):
    with UnitOfWork.on(engine) as uow:
        uow.publish(_event("kept-before"))
        savepoint = uow.session.begin_nested()
        uow.publish(_event("dropped"))
        inner = uow.session.begin_nested()
        uow.publish(_event("dropped-deeper"))
        inner.commit()
        savepoint.rollback()
        with uow.session.begin_nested():
            uow.publish(_event("kept-inside"))
        uow.publish(_event("kept-after"))
        uow.commit()
    assert [row.subject for row in _rows(engine)] == ["kept-before", "kept-inside", "kept-after"]


def test_a_unit_of_work_left_without_commit_forgets_its_events(engine):
    with UnitOfWork.on(engine) as uow:
        uow.publish(_event("never"))
    with UnitOfWork.on(engine) as uow:
        uow.publish(_event("later"))
        uow.commit()
    assert [row.subject for row in _rows(engine)] == ["later"]


def test_committing_the_session_itself_with_unwritten_events_raises_and_writes_nothing(engine):
    with UnitOfWork.on(engine) as uow:
        uow.publish(_event("lost?"))
        with pytest.raises(UnwrittenEvents):
            uow.session.commit()
    assert _rows(engine) == []


def test_the_unit_of_work_collects_what_the_aggregates_it_tracks_record_when_it_commits(engine):
    class Counter:
        def __init__(self, key):
            self.key, self.events = key, []

        def bump(self):
            self.events.append(Recorded(self.key))

    class Recorded:
        type = COUNTER_TYPE

        def __init__(self, key):
            self.subject = key

        def data(self):
            return {"counter_id": self.subject}

    first, second = Counter("first"), Counter("second")
    with UnitOfWork.on(engine) as uow:
        uow.track(first).bump()
        uow.track(second)
        second.bump()
        first.bump()  # recorded after tracking: still collected
        uow.commit()
    assert (first.events, second.events) == ([], [])
    assert [(row.subject, row.sequence) for row in _rows(engine)] == [("first", 1), ("first", 2), ("second", 1)]


def test_a_batch_unit_of_work_writes_into_the_consumers_transaction_which_decides(engine):
    with Session(engine) as session:
        with session.begin():
            uow = BatchUnitOfWork(session, "case-9")
            uow.publish(_event("rolled-back"))
            uow.commit()
            assert _rows(engine) == []  # flushed into the batch, not committed
            session.rollback()
        with session.begin():
            uow = BatchUnitOfWork(session, "case-9")
            uow.publish(_event("kept"))
            uow.commit()
    [row] = _rows(engine)
    assert row.subject == "kept"
