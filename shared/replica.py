"""A replica of another service's aggregates, kept from its events: one row per aggregate, newest news wins.

Delivery is at least once and, across replicas of a worker, not in order: an event may be redelivered, and
older news may arrive after newer. Each replica row stores the `sequence` of the event it reflects, and
`keep_newest` applies an event only when it supersedes that row.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.orm import Session

Kept = Literal["inserted", "updated", "filled", "stale"]


def supersedes(incoming_sequence: int | None, held_sequence: int | None) -> bool:
    """Whether an event is newer than the state a replica holds of its aggregate.

    An event whose sequence is not above the one held is a redelivery or older news. An event without a
    sequence never came through an outbox (a manual replay); it counts as 0, so it fills a gap but never
    overwrites known state.
    """
    return held_sequence is None or (incoming_sequence or 0) > held_sequence


def keep_newest(session: Session, table: sa.Table, key: Mapping[str, Any], row: Mapping[str, Any],
                sequence: int | None, *, fill_in: Iterable[str] = ()) -> Kept:
    """Hold the aggregate's row at the newest state its events told; say what was done.

    `key` names the row (primary-key columns and values), `row` the columns the event sets; `table` has a
    `sequence` column. The row is inserted when absent and overwritten when the event supersedes it. Older
    news changes nothing, except the `fill_in` columns the row still lacks (e.g. what only a registration
    carries, when a later lifecycle event arrived first). The row is locked (FOR UPDATE), so two workers
    handling events of one aggregate take turns; a concurrent first insert of the same key fails on the key,
    and the consumer's retry then finds the row.
    """
    fill_in = tuple(fill_in)
    where = sa.and_(*(table.c[name] == value for name, value in key.items()))
    held = session.execute(sa.select(table.c.sequence, *(table.c[name] for name in fill_in)).where(where)
                           .with_for_update()).mappings().first()
    values = {**row, "sequence": sequence or 0}
    if held is None:
        session.execute(table.insert().values(**key, **values))
        return "inserted"
    if supersedes(sequence, held["sequence"]):
        session.execute(table.update().where(where).values(**values))
        return "updated"
    gaps = {name: row[name] for name in fill_in if held[name] is None and row.get(name) is not None}
    if gaps:
        session.execute(table.update().where(where).values(**gaps))
        return "filled"
    return "stale"
