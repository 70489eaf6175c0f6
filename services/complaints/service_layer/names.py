"""Complaints' replica of institution names: fed by registry events, searched by the desk."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.complaints.adapters.orm import institution_names
from services.complaints.domain import name_key, supersedes


def _held(session: Session, institution_id: str):
    # FOR UPDATE: two replicas of the worker handling events of one institution take turns
    return session.execute(sa.select(institution_names.c.sequence, institution_names.c.credit_code)
                           .where(institution_names.c.institution_id == institution_id)
                           .with_for_update()).first()


def _keep(session: Session, event, row: dict[str, Any]) -> None:
    institution_id = event.data["institution_id"]
    row = {**row, "name_key": name_key(row["name"]), "sequence": event.sequence or 0,
           "updated_at": datetime.now(UTC)}
    held = _held(session, institution_id)
    # a concurrent first insert of the same id fails on the key; the consumer's retry then finds the row
    if held is None:
        session.execute(institution_names.insert().values(institution_id=institution_id, **row))
    elif supersedes(event.sequence, held.sequence):
        session.execute(institution_names.update()
                        .where(institution_names.c.institution_id == institution_id).values(**row))
    elif held.credit_code is None and row.get("credit_code"):
        # newer lifecycle news got here first: keep its name and state, add what only the registration knows
        session.execute(institution_names.update().where(institution_names.c.institution_id == institution_id)
                        .values(credit_code=row["credit_code"]))


def institution_registered(event, session: Session) -> None:
    """Remember a registered institution's name (a redelivery changes nothing)."""
    data = event.data
    _keep(session, event, {"name": data["name"], "credit_code": data["credit_code"], "town": data["town"],
                           "category": data["category"], "state": data["state"]})


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
