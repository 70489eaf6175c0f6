"""What clerks and other departments read: institutions with their history and licence, their notices."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.registry.adapters.orm import institution_history, institutions, licences, notices
from services.registry.domain import lifecycle
from shared.refusals import N_, NotFound

_HISTORY = (institution_history.c.action, institution_history.c.from_state, institution_history.c.to_state,
            institution_history.c.occurred_on, institution_history.c.recorded_at, institution_history.c.actor,
            institution_history.c.reason, institution_history.c.case_id, institution_history.c.deadline,
            institution_history.c.document_number)


def not_found(institution_id: int) -> NotFound:
    """The error for an institution id the registry does not hold."""
    return NotFound(N_("There is no institution %(institution_id)s on the registry's books."),
                    code="institution.not_found", institution_id=institution_id)


def _page(session: Session, query: sa.Select, order: tuple, page: int, page_size: int) -> tuple[list[dict], int]:
    total = session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
    rows = session.execute(query.order_by(*order).limit(page_size).offset((page - 1) * page_size)).mappings()
    return [dict(row) for row in rows], total


def _summary(row: Any) -> dict[str, Any]:
    found = dict(row)
    found["allowed_actions"] = list(lifecycle.allowed_actions(found["state"], found["category"]))
    return found


def get_institution(session: Session, institution_id: int) -> dict[str, Any]:
    """One institution as stored, without its history (raises NotFound)."""
    row = session.execute(sa.select(institutions).where(institutions.c.id == institution_id)).mappings().first()
    if row is None:
        raise not_found(institution_id)
    return _summary(row)


def confine_to_town(session: Session, institution_id: int, town: str) -> None:
    """Raise NotFound unless the institution is in `town`: to a town officer another town's is not there."""
    held = session.scalar(sa.select(institutions.c.town).where(institutions.c.id == institution_id))
    if held != town:
        raise not_found(institution_id)


def institution_detail(session: Session, institution_id: int) -> dict[str, Any]:
    """One institution with its current licence and its full history, oldest step first."""
    found = get_institution(session, institution_id)
    found["history"] = [dict(row) for row in session.execute(
        sa.select(*_HISTORY).where(institution_history.c.institution_id == institution_id)
        .order_by(institution_history.c.position)).mappings()]
    licence = session.execute(sa.select(licences).where(
        licences.c.institution_id == institution_id, licences.c.superseded_at.is_(None))).first()
    found["licence"] = None if licence is None else {
        "school_running_licence": {"number": licence.school_number, "issued_on": licence.school_issued_on,
                                   "valid_until": licence.school_valid_until},
        "registration": {"kind": licence.registration_kind, "number": licence.registration_number,
                         "issued_on": licence.registration_issued_on,
                         "valid_until": licence.registration_valid_until},
        "valid_until": min(licence.school_valid_until, licence.registration_valid_until),
        "recorded_at": licence.recorded_at,
    }
    return found


def list_institutions(session: Session, *, page: int, page_size: int, state: str | None = None,
                      category: str | None = None, town: str | None = None, division_code: str | None = None,
                      q: str | None = None) -> tuple[list[dict[str, Any]], int]:
    """A page of institutions matching the filters, newest first, and the total."""
    query = sa.select(institutions)
    for column, wanted in ((institutions.c.state, state), (institutions.c.category, category),
                           (institutions.c.town, town), (institutions.c.division_code, division_code)):
        if wanted is not None:
            query = query.where(column == wanted)
    if q and q.strip():
        query = query.where(_name_holds(session, q.strip()))
    rows, total = _page(session, query, (institutions.c.id.desc(),), page, page_size)
    return [_summary(row) for row in rows], total


def _name_holds(session: Session, text: str) -> sa.ColumnElement[bool]:
    """Names holding `text`, letter case aside: a substring as clerks know it (Chinese names have no word
    boundaries to match on); `%` and `_` typed by a clerk are literal characters, not wildcards. On PostgreSQL
    the name's characters and pairs (`registry_name_terms`, migration 0006) find the candidates in an index
    first: a name holding the text holds all of the text's terms, and LIKE decides among those."""
    holds = institutions.c.name.icontains(text, autoescape=True)
    if session.get_bind().dialect.name != "postgresql":
        return holds
    terms = sa.func.registry_name_terms
    return sa.and_(terms(sa.func.lower(institutions.c.name)).op("@>", return_type=sa.Boolean)(
        terms(sa.func.lower(text))), holds)


def list_notices(session: Session, institution_id: int, *, page: int, page_size: int) -> tuple[list[dict], int]:
    """A page of the notices sent to an institution, newest first (raises NotFound)."""
    if session.scalar(sa.select(institutions.c.id).where(institutions.c.id == institution_id)) is None:
        raise not_found(institution_id)
    query = sa.select(notices).where(notices.c.institution_id == institution_id)
    return _page(session, query, (notices.c.remind_on.desc(), notices.c.id.desc()), page, page_size)
