"""The event archive: every event reporting receives, stored once, envelope and data as they came."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.reporting.adapters.orm import event_archive
from shared.bus.tables import insert_for
from shared.events import UnknownEventType, contract_for


def is_contracted(event_type: str) -> bool:
    """Whether any contract declares this event type (an undeclared one is archived and counted as unknown)."""
    try:
        contract_for(event_type)
    except UnknownEventType:
        return False
    return True


def keep(event, session: Session) -> None:
    """Store the event in the archive; a second copy of one event id is not stored again."""
    row = {"event_id": event.id, "type": event.type, "subject": event.subject, "sequence": event.sequence,
           "time": event.time, "contracted": is_contracted(event.type), "envelope": event.to_dict(),
           "received_at": datetime.now(UTC)}
    insert = insert_for(session.connection().dialect.name)
    if insert is None:
        session.execute(event_archive.insert().values(**row))
        return
    session.execute(insert(event_archive).values(**row).on_conflict_do_nothing(index_elements=["event_id"]))


def last_received_at(session: Session) -> datetime | None:
    """When the newest event reached reporting: when the public figures last changed."""
    return session.scalar(sa.select(sa.func.max(event_archive.c.received_at)))


def archive_counts(session: Session) -> dict:
    """Events archived, by type, and how many of them no contract declares (unknown types)."""
    c = event_archive.c
    rows = session.execute(sa.select(c.type, c.contracted, sa.func.count()).group_by(c.type, c.contracted)).all()
    return {"total": sum(n for *_, n in rows), "unknown": sum(n for _, contracted, n in rows if not contracted),
            "by_type": {event_type: n for event_type, _, n in sorted(rows)},
            "unknown_types": sorted(event_type for event_type, contracted, _ in rows if not contracted)}
