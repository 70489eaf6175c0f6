"""The event archive: every event reporting receives, stored once, envelope and data as they came."""

from __future__ import annotations

from datetime import UTC, datetime

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
