"""Registry use cases: one function each, called by the HTTP views and the event consumer alike."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa

from services.registry.adapters.orm import institutions
from shared.bus import new_event
from shared.db import UnitOfWork
from shared.errors import Conflict, NotFound


def register_institution(uow: UnitOfWork, fields: dict[str, Any]) -> dict[str, Any]:
    """Put an institution on the books and announce it."""
    row = dict(fields)
    row.setdefault("state", "under_review")
    row["occurred_on"] = row.get("occurred_on") or date.today()
    row["recorded_at"] = datetime.now(UTC)
    session = uow.session
    taken = session.execute(sa.select(institutions.c.id).where(
        institutions.c.credit_code == row["credit_code"])).first()
    if taken:
        raise Conflict(f"credit code {row['credit_code']} is already registered",
                       code="institution.duplicate_credit_code", existing_id=taken.id)
    new_id = session.execute(institutions.insert().values(**row).returning(institutions.c.id)).scalar_one()
    uow.publish(new_event(
        type="registry.institution.registered",
        subject=str(new_id),
        data={"institution_id": str(new_id), "name": row["name"], "credit_code": row["credit_code"],
              "division_code": row["division_code"], "town": row["town"], "address": row["address"],
              "category": row["category"], "subject_group": row["subject_group"], "state": row["state"],
              "occurred_on": row["occurred_on"].isoformat()},
        correlation_id=uow.correlation_id,
    ))
    try:
        uow.commit()
    except sa.exc.IntegrityError as exc:  # a concurrent registration of the same code won the race
        raise Conflict(f"credit code {row['credit_code']} is already registered",
                       code="institution.duplicate_credit_code") from exc
    return get_institution(session, new_id)


def get_institution(session, institution_id: int) -> dict[str, Any]:
    """One institution as stored."""
    row = session.execute(sa.select(institutions).where(institutions.c.id == institution_id)).mappings().first()
    if row is None:
        raise NotFound(f"no institution {institution_id}", code="institution.not_found")
    return dict(row)


def list_institutions(session, *, state: str | None, page: int, page_size: int) -> tuple[list[dict], int]:
    """A page of institutions, newest first, and the total."""
    query = sa.select(institutions)
    if state:
        query = query.where(institutions.c.state == state)
    total = session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    rows = session.execute(query.order_by(institutions.c.id.desc())
                           .limit(page_size).offset((page - 1) * page_size)).mappings().all()
    return [dict(r) for r in rows], total
