"""Writing events to the outbox in the caller's transaction, and waking the relay when they commit.

The unit of work (`shared.unit_of_work`) holds a transaction's events and, in its `commit`, hands them to
`write_outbox`, which numbers and writes them all inside that transaction (on PostgreSQL in one statement,
NOTIFY included), so a transaction of ten events costs one round trip instead of twenty. Events waiting to
be written are kept in the session (`pending_events`), so that `refuse_unwritten_events` can stop a commit
that would lose them.
"""

from __future__ import annotations

import json
import threading
import weakref
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from shared.bus.envelope import Event
from shared.bus.tables import insert_for, outbox_table, sequence_table

NOTIFY_CHANNEL = "offcampus_outbox"
_PENDING = "offcampus.bus.outbox_pending"
_wakers: weakref.WeakSet[threading.Event] = weakref.WeakSet()
_wakers_lock = threading.Lock()
_BATCH_ENCODER = json.JSONEncoder(ensure_ascii=False)

# Counts per aggregate are added to the counters in one upsert (sorted, so concurrent writers lock the
# counter rows in the same order and never deadlock); each event then takes its number within its
# aggregate in the order it was added, and its body gets `sequence` as its first attribute.
_PG_WRITE = sa.text("""
WITH batch AS (
    SELECT e->>0 AS id, e->>1 AS type, e->>2 AS subject, e->>3 AS aggregate, e->>4 AS correlation,
           e->>5 AS body, position
    FROM json_array_elements(CAST(:batch AS json)) WITH ORDINALITY AS b(e, position)
), counts AS (
    SELECT aggregate, count(*) AS n FROM batch GROUP BY aggregate
), numbered AS (
    INSERT INTO bus_event_sequence AS s (aggregate, last_sequence)
    SELECT aggregate, n FROM counts ORDER BY aggregate
    ON CONFLICT (aggregate) DO UPDATE SET last_sequence = s.last_sequence + EXCLUDED.last_sequence
    RETURNING aggregate, last_sequence
), sequenced AS (
    SELECT b.*, numbered.last_sequence - counts.n
                + row_number() OVER (PARTITION BY b.aggregate ORDER BY b.position) AS sequence
    FROM batch b JOIN numbered USING (aggregate) JOIN counts USING (aggregate)
), written AS (
    INSERT INTO bus_outbox (event_id, type, subject, sequence, correlation_id, payload, created_at, attempts)
    SELECT id, type, subject, sequence, correlation,
           '{"sequence":' || sequence || ',' || substr(body, 2), CAST(:created_at AS timestamptz), 0
    FROM sequenced ORDER BY position
    RETURNING event_id, sequence
)
SELECT written.event_id, written.sequence FROM written, (SELECT pg_notify(:channel, '')) AS notified""")


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


class UnwrittenEvents(RuntimeError):
    """A transaction was about to commit with events nobody wrote to the outbox: they would be lost."""


def pending_events(session: Session) -> list:
    """The session's events not written yet, as `(event, savepoint it was added in)`; the caller appends."""
    return session.info.setdefault(_PENDING, [])


def refuse_unwritten_events(session: Session, *_: object) -> None:
    """Raise UnwrittenEvents when the session holds events not written to the outbox (call before commit).

    A savepoint's release is no commit of the transaction: its events wait for the outer commit.
    """
    pending = session.info.get(_PENDING)
    if pending and not session.in_nested_transaction():
        raise UnwrittenEvents(f"{len(pending)} event(s) published but not written to the outbox "
                              f"(commit through the unit of work): {', '.join(e.type for e, _ in pending[:5])}")


def write_outbox(session: Session, events: list[Event]) -> list[Event]:
    """Write the events to the outbox in the session's transaction, numbered per aggregate (`sequence`)."""
    if not events:
        return events
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        # one JSON document, not arrays: the driver would escape every quote of every body for an array
        batch = _BATCH_ENCODER.encode([[e.id, e.type, e.subject, e.aggregate, e.correlationid, e.to_json()]
                                       for e in events])
        numbers = dict(connection.execute(_PG_WRITE, {"batch": batch, "created_at": datetime.now(UTC),
                                                      "channel": NOTIFY_CHANNEL}).all())
        for event in events:
            event.sequence = numbers[event.id]
    else:
        now = datetime.now(UTC)
        for event in events:
            event.sequence = next_sequence(session, event.aggregate)
        connection.execute(outbox_table.insert(), [
            {"event_id": e.id, "type": e.type, "subject": e.subject, "sequence": e.sequence,
             "correlation_id": e.correlationid, "payload": e.to_json(), "created_at": now, "attempts": 0}
            for e in events])
    return events


def next_sequence(session: Session, aggregate: str) -> int:
    """The aggregate's next sequence number, taken in the caller's transaction.

    The upsert locks the aggregate's counter row until the transaction ends, so concurrent writers of the
    same aggregate get distinct numbers in commit order (SQLite serialises writers anyway).
    """
    insert = insert_for(session.connection().dialect.name)
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
