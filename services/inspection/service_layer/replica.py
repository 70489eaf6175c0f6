"""Inspection's replica of the registry's institutions: fed by registry events, read by inspectors."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.inspection.adapters.orm import institutions
from services.inspection.domain import supersedes

# What only the registration carries; a lifecycle event that arrived first leaves these empty.
_REGISTRATION_ONLY = ("credit_code", "address", "subject_group")


def _day(value: str | date | None) -> date | None:
    # event data is JSON on the wire: dates arrive as ISO text
    return date.fromisoformat(value) if isinstance(value, str) else value


def _held(session: Session, institution_id: str):
    # FOR UPDATE: two replicas of the worker handling events of one institution take turns
    return session.execute(sa.select(institutions).where(institutions.c.institution_id == institution_id)
                           .with_for_update()).mappings().first()


def institution_registered(event, session: Session) -> None:
    """Add a registered institution to the ones inspection may inspect (a redelivery changes nothing)."""
    data = event.data
    row = {
        "name": data["name"], "credit_code": data["credit_code"], "division_code": data["division_code"],
        "town": data["town"], "address": data["address"], "category": data["category"],
        "subject_group": data["subject_group"], "state": data["state"],
        "state_since": _day(data.get("occurred_on")), "sequence": event.sequence or 0,
        "updated_at": datetime.now(UTC),
    }
    held = _held(session, data["institution_id"])
    if held is None:
        session.execute(institutions.insert().values(institution_id=data["institution_id"], **row))
    elif supersedes(event.sequence, held["sequence"]):
        session.execute(institutions.update().where(
            institutions.c.institution_id == data["institution_id"]).values(**row))
    else:
        # newer lifecycle news got here first: keep its state, fill in what only the registration knows
        gaps = {name: row[name] for name in _REGISTRATION_ONLY if held[name] is None}
        if gaps:
            session.execute(institutions.update().where(
                institutions.c.institution_id == data["institution_id"]).values(**gaps))


def institution_changed(event, session: Session) -> None:
    """Move a replicated institution to the state a lifecycle event reports; older news is ignored."""
    data = event.data
    row = {
        "name": data["name"], "division_code": data["division_code"], "town": data["town"],
        "category": data["category"], "state": data["to_state"], "state_since": _day(data.get("occurred_on")),
        "sequence": event.sequence or 0, "updated_at": datetime.now(UTC),
    }
    held = _held(session, data["institution_id"])
    # a concurrent first insert of the same id fails on the key; the consumer's retry then finds the row
    if held is None:  # its registration is still on the way; this is the best knowledge there is
        session.execute(institutions.insert().values(institution_id=data["institution_id"], **row))
    elif supersedes(event.sequence, held["sequence"]):
        session.execute(institutions.update().where(
            institutions.c.institution_id == data["institution_id"]).values(**row))


def list_inspectable(session: Session, *, town: str | None, state: str | None, page: int,
                     page_size: int) -> tuple[list[dict[str, Any]], int]:
    """A page of the institutions inspection knows, by town then name, and the total."""
    query = sa.select(institutions)
    if town:
        query = query.where(institutions.c.town == town)
    if state:
        query = query.where(institutions.c.state == state)
    total = session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    rows = session.execute(query.order_by(institutions.c.town, institutions.c.name,
                                          institutions.c.institution_id)
                           .limit(page_size).offset((page - 1) * page_size)).mappings().all()
    return [dict(r) for r in rows], total
