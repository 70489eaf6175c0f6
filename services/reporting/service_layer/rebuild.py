"""Rebuilding the projections: drop them and replay the archive into them, in the order events arrived."""

from __future__ import annotations

from collections.abc import Callable, Collection

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.reporting.adapters.orm import PROJECTIONS, event_archive
from services.reporting.service_layer import projector
from shared.bus import Event

CHUNK = 5000  # events read, applied and written together


def rebuild(session: Session, event_types: Collection[str] = projector.EVENT_TYPES,
            progress: Callable[[int, int], None] | None = None, chunk: int = CHUNK) -> int:
    """Empty every projection and apply the archived events again, `chunk` at a time; returns the events replayed.

    Runs in the caller's transaction. On PostgreSQL the archive is locked against new rows first, so the
    consumer waits for the rebuild and then applies what arrived meanwhile on top of it: nothing is counted
    twice and nothing is lost. Each chunk goes through the same rules as a live event (`projector.Replay`: the
    live path's, with no locks, rows COPYed in, the daily counts written every few chunks).
    `progress(done, total)` is told after each chunk.
    """
    if session.connection().dialect.name == "postgresql":
        session.execute(sa.text(f"LOCK TABLE {event_archive.name} IN SHARE ROW EXCLUSIVE MODE"))
    for table in reversed(PROJECTIONS):
        session.execute(table.delete())
    types = sorted(event_types)
    a = event_archive.c
    total = session.scalar(sa.select(sa.func.count()).where(a.type.in_(types))) or 0
    # the envelope as the text it was stored as: parsed once, by the bus's own parser. The archive is read along
    # its key alone and the types are picked here: asked to filter by type too, the planner (with the statistics
    # of a freshly loaded archive) scanned and sorted the whole archive for each chunk
    query = sa.select(a.position, a.type, sa.cast(a.envelope, sa.Text)).order_by(a.position)
    wanted = set(types)
    done, after = 0, 0
    replay = projector.Replay(session)
    while True:
        rows = session.execute(query.where(a.position > after).limit(chunk)).all()
        if not rows:
            break
        events = [Event.from_json(envelope) for _, event_type, envelope in rows if event_type in wanted]
        replay.apply(events)
        after = rows[-1][0]
        done += len(events)
        if progress is not None and events:
            progress(done, total)
    replay.finish()
    if session.connection().dialect.name == "postgresql":
        # every projection's rows are new: fresh statistics, or the planner may scan where an index is quicker
        for table in PROJECTIONS:
            session.execute(sa.text(f"ANALYZE {table.name}"))
    return done
