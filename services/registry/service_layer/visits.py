"""The last inspection of each institution, as inspection reports it (shown on the public board)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.registry.adapters.orm import inspection_visits, institutions


def record_inspection(session: Session, *, institution_ref: str | None, inspected_on: dt.date, outcome: str,
                      task_id: str) -> bool:
    """Keep the latest inspection of an institution on the books; a visit to an unknown site is not ours."""
    if institution_ref is None or not institution_ref.isdigit():
        return False
    institution_id = int(institution_ref)
    if session.scalar(sa.select(institutions.c.id).where(institutions.c.id == institution_id)) is None:
        return False
    held = session.execute(sa.select(inspection_visits.c.inspected_on)
                           .where(inspection_visits.c.institution_id == institution_id).with_for_update()).first()
    values = {"inspected_on": inspected_on, "outcome": outcome, "task_id": task_id}
    if held is None:
        session.execute(inspection_visits.insert().values(institution_id=institution_id, **values))
    elif inspected_on > held.inspected_on:  # an older visit reported late changes nothing
        session.execute(inspection_visits.update().where(inspection_visits.c.institution_id == institution_id)
                        .values(**values))
    else:
        return False
    return True


def last_inspected_on(session: Session, institution_id: int) -> dt.date | None:
    """The day of the institution's last inspection, if inspection reported one."""
    return session.scalar(sa.select(inspection_visits.c.inspected_on)
                          .where(inspection_visits.c.institution_id == institution_id))
