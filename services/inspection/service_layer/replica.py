"""Inspection's replica of the registry's institutions: fed by registry events, read by inspectors."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.inspection.adapters.orm import institutions, target_filings
from shared.replica import keep_newest

# What only the registration carries; a lifecycle event that arrived first leaves these empty.
_REGISTRATION_ONLY = ("credit_code", "address", "subject_group", "legal_representative")


def _day(value: str | date | None) -> date | None:
    # event data is JSON on the wire: dates arrive as ISO text
    return date.fromisoformat(value) if isinstance(value, str) else value


def institution_registered(event, session: Session) -> None:
    """Add a registered institution to the ones inspection may inspect (a redelivery changes nothing)."""
    data = event.data
    keep_newest(session, institutions, {"institution_id": data["institution_id"]}, {
        "name": data["name"], "credit_code": data["credit_code"], "division_code": data["division_code"],
        "town": data["town"], "address": data["address"], "category": data["category"],
        "subject_group": data["subject_group"], "state": data["state"],
        # a person an inspector may have declared a conflict with, as the board shows it (absent: the event came
        # before the registry sent it)
        "legal_representative": data.get("legal_representative"),
        "state_since": _day(data.get("occurred_on")), "updated_at": datetime.now(UTC),
    }, event.sequence, fill_in=_REGISTRATION_ONLY)


def institution_changed(event, session: Session) -> None:
    """Move a replicated institution to the state a lifecycle event reports; older news is ignored."""
    data = event.data
    # an institution whose registration is still on the way is added with what this event knows
    keep_newest(session, institutions, {"institution_id": data["institution_id"]}, {
        "name": data["name"], "division_code": data["division_code"], "town": data["town"],
        "category": data["category"], "state": data["to_state"], "state_since": _day(data.get("occurred_on")),
        "updated_at": datetime.now(UTC), **_what_the_change_tells(event.type, data),
    }, event.sequence)


def _what_the_change_tells(event_type: str, data: dict[str, Any]) -> dict[str, Any]:
    """The licence and rectification facts a lifecycle event carries (the risk tier reads them)."""
    what = event_type.rsplit(".", 1)[-1]
    if what == "licensed":
        return {"licence_valid_until": _day(data.get("licence_valid_until")), "rectification_deadline": None,
                "rectification_overdue": False}
    if what in ("rectification_ordered", "rectification_overdue"):
        return {"rectification_deadline": _day(data["deadline"]),
                "rectification_overdue": what == "rectification_overdue"}
    return {}


def filing_published(event, session: Session) -> None:
    """Keep the summary of a target's newest filing (subjects, teachers, top price, modes)."""
    data = event.data
    keep_newest(session, target_filings, {"institution_id": data["institution_id"]}, {
        "filing_id": data["filing_id"], "subjects": list(data["subjects"]), "teacher_count": data["teacher_count"],
        "max_price_per_hour_fen": data["max_price_per_hour_fen"], "modes": list(data["modes"]),
        # the teachers the board shows: persons an inspector may have declared a conflict with (null: the
        # event came before the registry published them)
        "teachers": None if "teachers" not in data else [
            {"name": t["name"], "certificate_no": t["qualification_certificate_no"]} for t in data["teachers"]],
    }, event.sequence)


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
