"""Complaints' replica of institution names: fed by registry events, searched by the desk."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.complaints.adapters.orm import institution_names, replica_revisions
from services.complaints.domain import name_key
from services.complaints.domain.matching import Known, NameIndex, name_core, pinyin_of, simplified
from shared.replica import keep_newest


def _keep(session: Session, event, row: dict[str, Any]) -> None:
    # a lifecycle event that got here first keeps its name and state; the registration adds the credit code
    # and the address (lifecycle events carry no address, so they leave it as it is)
    core = name_core(row["name"])
    institution_id = event.data["institution_id"]
    kept = keep_newest(session, institution_names, {"institution_id": institution_id},
                       {**row, "name_key": name_key(row["name"]), "name_core": core, "name_pinyin": pinyin_of(core),
                        "updated_at": datetime.now(UTC)}, event.sequence,
                       fill_in=("credit_code", "address", "address_key"))
    if kept != "stale":  # a changed row takes the next revision, so the processes' copies pick it up
        session.execute(institution_names.update().where(institution_names.c.institution_id == institution_id)
                        .values(revision=_next_revision(session)))


def _next_revision(session: Session) -> int:
    # the counter's row stays locked until this transaction ends: revisions are handed out in commit order
    counter = replica_revisions.c.revision
    return session.execute(replica_revisions.update().where(replica_revisions.c.replica == "institution_names")
                           .values(revision=counter + 1).returning(counter)).scalar_one()


def institution_registered(event, session: Session) -> None:
    """Remember a registered institution's name (a redelivery changes nothing)."""
    data = event.data
    _keep(session, event, {"name": data["name"], "credit_code": data["credit_code"], "town": data["town"],
                           "category": data["category"], "state": data["state"], "address": data["address"],
                           "address_key": simplified(data["address"])})


def institution_changed(event, session: Session) -> None:
    """Follow an institution's name, town and state through its lifecycle; older news is ignored."""
    data = event.data
    _keep(session, event, {"name": data["name"], "town": data["town"], "category": data["category"],
                           "state": data["to_state"]})


def search_names(session: Session, *, q: str | None, town: str | None, page: int,
                 page_size: int) -> tuple[list[dict[str, Any]], int]:
    """A page of institution names containing `q` however it is written, by name, and the total."""
    query = sa.select(institution_names.c.institution_id, institution_names.c.name,
                      institution_names.c.credit_code, institution_names.c.town,
                      institution_names.c.category, institution_names.c.state)
    if q:
        key = name_key(q)
        if key:  # a query of punctuation only matches everything, as no query does
            query = query.where(institution_names.c.name_key.contains(key, autoescape=True))
    if town:
        query = query.where(institution_names.c.town == town)
    total = session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    rows = session.execute(query.order_by(institution_names.c.name, institution_names.c.institution_id)
                           .limit(page_size).offset((page - 1) * page_size)).mappings().all()
    return [dict(r) for r in rows], total


class KnownNames:
    """One process's copy of the names matching may suggest, indexed once and refreshed from the replica.

    Each use asks the replica for the rows whose revision is above the newest one held (none, almost always:
    one indexed query), so suggestions never load and key 10,000 names again. Revisions follow commit order
    (`_next_revision`), so no change committed before the newest revision held can be missed.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._held: dict[str, Known] = {}
        self._revision = -1
        self._index = NameIndex(())

    def index(self, session: Session) -> NameIndex:
        """The names as the replica holds them now, ready to be matched."""
        changed = _changed_since(session, self._revision)
        if not changed:
            return self._index
        with self._lock:  # a threaded server: one refresh at a time, readers keep the index they took
            fresh = [(revision, known) for revision, known in changed if revision > self._revision]
            if fresh:
                held = dict(self._held)
                held.update((known.institution_id, known) for _revision, known in fresh)
                self._index = NameIndex(held.values())
                self._held = held
                self._revision = max(revision for revision, _known in fresh)
            return self._index


def _changed_since(session: Session, revision: int) -> list[tuple[int, Known]]:
    query = (sa.select(institution_names.c.revision, institution_names.c.institution_id, institution_names.c.name,
                       institution_names.c.name_core, institution_names.c.name_pinyin,
                       institution_names.c.address_key)
             .where(institution_names.c.revision > revision))
    return [(row.revision, Known(row.institution_id, row.name, row.name_core or "", row.name_pinyin or "",
                                 row.address_key or "")) for row in session.execute(query)]
