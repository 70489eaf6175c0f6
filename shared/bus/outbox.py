"""Writing events to the outbox in the caller's transaction, and waking the relay when they commit."""

from __future__ import annotations

import threading
import weakref
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from shared.bus.envelope import Event
from shared.bus.tables import insert_for, outbox_table, sequence_table

NOTIFY_CHANNEL = "offcampus_outbox"
_DIRTY = "offcampus.bus.outbox_dirty"
_HOOKED = "offcampus.bus.outbox_hooked"
_wakers: weakref.WeakSet[threading.Event] = weakref.WeakSet()
_wakers_lock = threading.Lock()


def register_waker(flag: threading.Event) -> None:
    """Set `flag` whenever a transaction in this process commits outbox rows (the relay waits on it)."""
    with _wakers_lock:
        _wakers.add(flag)


def wake_relays() -> None:
    """Wake every relay of this process now."""
    with _wakers_lock:
        flags = list(_wakers)
    for flag in flags:
        flag.set()


def next_sequence(session: Session, aggregate: str) -> int:
    """The aggregate's next sequence number, taken in the caller's transaction.

    The upsert locks the aggregate's counter row until the transaction ends, so concurrent writers of the
    same aggregate get distinct numbers in commit order (SQLite serialises writers anyway).
    """
    connection = session.connection()
    insert = insert_for(connection.dialect.name)
    col = sequence_table.c
    if insert is None:  # a backend without upsert: update, else insert (the PK catches a lost race)
        updated = session.execute(sequence_table.update().where(col.aggregate == aggregate)
                                  .values(last_sequence=col.last_sequence + 1).returning(col.last_sequence))
        value = updated.scalar_one_or_none()
        if value is None:
            session.execute(sequence_table.insert().values(aggregate=aggregate, last_sequence=1))
            value = 1
        return value
    stmt = insert(sequence_table).values(aggregate=aggregate, last_sequence=1)
    stmt = stmt.on_conflict_do_update(index_elements=[col.aggregate],
                                      set_={"last_sequence": col.last_sequence + 1})
    return session.execute(stmt.returning(col.last_sequence)).scalar_one()


# PostgreSQL: number and write the event in one round trip; the body gets its `sequence` in SQL
_PG_ADD = sa.text("""
WITH numbered AS (
    INSERT INTO bus_event_sequence AS s (aggregate, last_sequence) VALUES (:aggregate, 1)
    ON CONFLICT (aggregate) DO UPDATE SET last_sequence = s.last_sequence + 1
    RETURNING last_sequence)
INSERT INTO bus_outbox (event_id, type, subject, sequence, correlation_id, payload, created_at, attempts)
SELECT :event_id, :type, :subject, last_sequence, :correlation_id,
       '{"sequence":' || last_sequence || ',' || substr(:body, 2), :created_at, 0
FROM numbered
RETURNING sequence""")


def add_to_outbox(session: Session, event: Event) -> Event:
    """Give the event its aggregate sequence and write it to the outbox in the session's transaction."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        event.sequence = None
        event.sequence = connection.execute(_PG_ADD, {
            "aggregate": event.aggregate, "event_id": event.id, "type": event.type, "subject": event.subject,
            "correlation_id": event.correlationid, "body": event.to_json(), "created_at": datetime.now(UTC),
        }).scalar_one()
    else:
        event.sequence = next_sequence(session, event.aggregate)
        connection.execute(outbox_table.insert().values(
            event_id=event.id, type=event.type, subject=event.subject, sequence=event.sequence,
            correlation_id=event.correlationid, payload=event.to_json(), created_at=datetime.now(UTC),
            attempts=0,
        ))
    _hook(session)
    session.info[_DIRTY] = True
    return event


def _hook(session: Session) -> None:
    # one set of listeners per session: NOTIFY other processes inside the transaction (PostgreSQL
    # delivers it only on commit), and wake this process's relays once the commit is done
    if session.info.get(_HOOKED):
        return
    session.info[_HOOKED] = True
    sa_event.listen(session, "before_commit", _notify_on_commit)
    sa_event.listen(session, "after_commit", _wake_after_commit)
    sa_event.listen(session, "after_rollback", _forget)


def _notify_on_commit(session: Session) -> None:
    if session.info.get(_DIRTY) and session.connection().dialect.name == "postgresql":
        session.execute(sa.text("SELECT pg_notify(:channel, '')"), {"channel": NOTIFY_CHANNEL})


def _wake_after_commit(session: Session) -> None:
    if session.info.pop(_DIRTY, False):
        wake_relays()


def _forget(session: Session) -> None:
    session.info.pop(_DIRTY, None)
