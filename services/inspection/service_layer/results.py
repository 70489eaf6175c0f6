"""The published results ("one public"): what was inspected and found, and the cases decided.

Never a private person's name or home address: a case against a person or an address is shown by its kind and
town only, with what was found and decided.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.inspection.adapters.orm import cases, institutions, sanctions, tasks


def _names(session: Session, ids: set[str]) -> dict[str, str]:
    return dict(session.execute(sa.select(institutions.c.institution_id, institutions.c.name)
                                .where(institutions.c.institution_id.in_(ids))).all()) if ids else {}


def inspections(session: Session, *, page: int, page_size: int) -> tuple[list[dict[str, Any]], int]:
    """Completed inspections, newest first: the institution (or only the town), the day, outcome and findings."""
    query = sa.select(tasks.c.id, tasks.c.institution_id, tasks.c.town, tasks.c.inspected_on, tasks.c.outcome,
                      tasks.c.findings, tasks.c.kind, tasks.c.campaign_id).where(tasks.c.status == "completed")
    total = session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    rows = session.execute(query.order_by(tasks.c.inspected_on.desc(), tasks.c.id.desc()).limit(page_size)
                           .offset((page - 1) * page_size)).mappings().all()
    names = _names(session, {r["institution_id"] for r in rows if r["institution_id"]})
    return [{"task_id": r["id"], "institution_id": r["institution_id"], "institution_name": names.get(
        r["institution_id"]), "town": r["town"], "inspected_on": r["inspected_on"], "outcome": r["outcome"],
        "findings": r["findings"] or [], "kind": r["kind"], "campaign_id": r["campaign_id"]} for r in rows], total


def decided_cases(session: Session, *, page: int, page_size: int) -> tuple[list[dict[str, Any]], int]:
    """Cases, newest first: institution name or only the subject's kind and town, what was found and decided."""
    # the person's name and the address are never selected: what is not read cannot leak
    query = sa.select(cases.c.id, cases.c.subject_kind, cases.c.institution_id, cases.c.town, cases.c.summary,
                      cases.c.opened_on, cases.c.closed_on, cases.c.decision)
    total = session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    rows = session.execute(query.order_by(cases.c.opened_on.desc(), cases.c.id.desc()).limit(page_size)
                           .offset((page - 1) * page_size)).mappings().all()
    names = _names(session, {r["institution_id"] for r in rows if r["institution_id"]})
    decided: dict[str, list[dict[str, Any]]] = {}
    for s in session.execute(sa.select(sanctions.c.case_id, sanctions.c.kind, sanctions.c.amount_fen,
                                       sanctions.c.deadline, sanctions.c.decided_on)
                             .where(sanctions.c.case_id.in_([r["id"] for r in rows]))
                             .order_by(sanctions.c.decided_on, sanctions.c.id)).mappings():
        decided.setdefault(s["case_id"], []).append({k: s[k] for k in ("kind", "amount_fen", "deadline",
                                                                       "decided_on")})
    return [{"case_id": r["id"], "subject_kind": r["subject_kind"], "institution_id": r["institution_id"],
             "institution_name": names.get(r["institution_id"]), "town": r["town"], "summary": r["summary"],
             "opened_on": r["opened_on"], "closed_on": r["closed_on"], "decision": r["decision"],
             "sanctions": decided.get(r["id"], [])} for r in rows], total
