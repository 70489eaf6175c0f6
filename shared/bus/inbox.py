"""The consumer's side of exactly-once effects: the inbox, and ignoring events older than what is held."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from shared.bus.envelope import Event
from shared.bus.tables import inbox_table, insert_for, seen_table

# PostgreSQL: the whole batch in one prepared statement, arrays in, the ids not seen before out
_PG_CLAIM = sa.text("""
INSERT INTO bus_inbox (event_id, type, handled_at)
SELECT id, type, now() FROM unnest(CAST(:ids AS text[]), CAST(:types AS text[])) AS claimed(id, type)
ON CONFLICT (event_id) DO NOTHING
RETURNING event_id""")


def claim(session: Session, events: Iterable[Event]) -> set[str]:
    """Record the events in the inbox; return the ids not seen before (the ones to handle).

    In the caller's transaction: if it rolls back, the events are unclaimed again. On PostgreSQL a
    concurrent claim of the same id waits for the other transaction and then yields nothing.
    """
    unique = {event.id: event.type for event in events}
    if not unique:
        return set()
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        return set(connection.execute(_PG_CLAIM, {"ids": list(unique), "types": list(unique.values())}).scalars())
    existing = set(connection.execute(sa.select(inbox_table.c.event_id)
                                      .where(inbox_table.c.event_id.in_(list(unique)))).scalars())
    now = datetime.now(UTC)
    fresh = [{"event_id": i, "type": t, "handled_at": now} for i, t in unique.items() if i not in existing]
    if fresh:
        connection.execute(inbox_table.insert(), fresh)
    return {row["event_id"] for row in fresh}


def is_stale(session: Session, event: Event, projection: str = "default") -> bool:
    """True when `projection` already holds a newer state of the event's aggregate; else record this one.

    Delivery is not in order across replicas and retries: call this first in a handler that keeps state
    per aggregate and return early when it says True. Equal sequences are not stale, so two handlers of
    one event may share a projection name. A projection that stores `sequence` in its own rows can use
    `UPDATE ... WHERE sequence < :sequence` instead.
    """
    if event.sequence is None:
        return False
    insert = insert_for(session.connection().dialect.name)
    col = seen_table.c
    if insert is None:
        held = session.scalar(seen_table.select().with_only_columns(col.sequence)
                              .where(col.aggregate == event.aggregate, col.projection == projection))
        if held is None:
            session.execute(seen_table.insert().values(aggregate=event.aggregate, projection=projection,
                                                       sequence=event.sequence))
            return False
        if held > event.sequence:
            return True
        session.execute(seen_table.update().where(col.aggregate == event.aggregate,
                                                  col.projection == projection)
                        .values(sequence=event.sequence))
        return False
    stmt = insert(seen_table).values(aggregate=event.aggregate, projection=projection, sequence=event.sequence)
    stmt = stmt.on_conflict_do_update(index_elements=[col.aggregate, col.projection],
                                      set_={"sequence": stmt.excluded.sequence},
                                      where=col.sequence <= stmt.excluded.sequence)
    # the upsert returns a row only when it inserted or moved forward; nothing back means stale
    return session.execute(stmt.returning(col.sequence)).first() is None
