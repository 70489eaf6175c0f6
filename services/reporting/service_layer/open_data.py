"""The published inspection results as open data in the LIVES layout (businesses, inspections, violations).

Only visits to registered institutions are published: a visit to an unregistered site may be a private
person's home, so neither it nor any person appears. Addresses are the institutions' premises as the
registry published them.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.reporting.adapters.orm import institutions, task_findings, tasks

BUSINESS_COLUMNS = ("business_id", "name", "address", "city", "state", "postal_code", "latitude", "longitude",
                    "phone_number")
INSPECTION_COLUMNS = ("business_id", "score", "date", "description", "type")
VIOLATION_COLUMNS = ("business_id", "date", "code", "description")
FEED_COLUMNS = ("feed_date", "feed_version", "municipality_name", "municipality_url", "contact_email")
FOUND_WANTING = ("rectification_ordered", "violation")


def lives_rows(session: Session) -> dict[str, list[dict[str, Any]]]:
    """Businesses inspected, their inspections, and a violation per checklist item a visit found not met.

    A visit recorded before its event carried `findings` and found wanting gives one violation named by its outcome.
    """
    i, t = institutions.c, tasks.c
    visits = session.execute(sa.select(t.task_id, t.institution_id, t.inspected_on, t.outcome, t.clue_id)
                             .join(institutions, i.institution_id == t.institution_id)
                             .order_by(t.inspected_on, t.task_id)).all()
    inspected = {visit.institution_id for visit in visits}
    businesses = session.execute(sa.select(i.institution_id, i.name, i.address, i.division_code)
                                 .where(i.institution_id.in_(inspected)).order_by(i.institution_id)).all()
    return {
        "businesses": [{"business_id": row.institution_id, "name": row.name, "address": row.address or "",
                        "division_code": row.division_code} for row in businesses],
        "inspections": [{"business_id": visit.institution_id, "score": "", "date": visit.inspected_on,
                         "outcome": visit.outcome, "type": "complaint" if visit.clue_id else "routine"}
                        for visit in visits],
        "violations": _violations(session, visits),
    }


def _violations(session: Session, visits) -> list[dict[str, Any]]:
    found: dict[str, list[str]] = {}
    for task_id, code in session.execute(sa.select(task_findings.c.task_id, task_findings.c.code).where(
            task_findings.c.task_id.in_([visit.task_id for visit in visits])).order_by(task_findings.c.code)):
        found.setdefault(task_id, []).append(code)
    rows = []
    for visit in visits:
        codes = found.get(visit.task_id) or ([visit.outcome] if visit.outcome in FOUND_WANTING else [])
        rows += [{"business_id": visit.institution_id, "date": visit.inspected_on, "code": code} for code in codes]
    return rows
