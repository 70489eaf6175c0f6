"""Targets: the institutions inspection may draw, each with its risk tier and the reasons for it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.inspection.adapters.orm import institutions, target_filings, tasks
from services.inspection.domain import risk
from services.inspection.domain.draw import Target
from services.inspection.domain.persons import LEGAL_REPRESENTATIVE, TEACHER, Person, name_key
from shared.refusals import N_, NotFound


def _record(row: Any) -> risk.Record:
    return risk.Record(state=row["state"], rectification_deadline=row["rectification_deadline"],
                       rectification_overdue=bool(row["rectification_overdue"]),
                       has_filing=row["filing_id"] is not None, violations=row["violations"] or 0,
                       open_clues=row["open_clues"] or 0, last_inspected_on=row["last_inspected_on"])


def _query() -> sa.Select:
    """Targets with their filing and their history from inspection's own tasks (visits, violations, clues)."""
    done = tasks.c.status == "completed"
    history = sa.select(
        tasks.c.institution_id,
        sa.func.count().filter(done, tasks.c.outcome == "violation").label("violations"),
        sa.func.count().filter(tasks.c.kind == "clue", tasks.c.status == "open").label("open_clues"),
        sa.func.max(tasks.c.inspected_on).filter(done).label("last_inspected_on"),
    ).where(tasks.c.institution_id.is_not(None)).group_by(tasks.c.institution_id).subquery()
    return sa.select(institutions, target_filings.c.filing_id, target_filings.c.subjects,
                     target_filings.c.teacher_count, target_filings.c.max_price_per_hour_fen,
                     target_filings.c.modes, target_filings.c.teachers, history.c.violations, history.c.open_clues,
                     history.c.last_inspected_on).outerjoin(
        target_filings, target_filings.c.institution_id == institutions.c.institution_id).outerjoin(
        history, history.c.institution_id == institutions.c.institution_id)


def get_target(session: Session, institution_id: str, today: dt.date) -> dict[str, Any]:
    """One target as inspection knows it, with its risk tier and why."""
    row = None
    if "\x00" not in institution_id:  # no stored id has one, and PostgreSQL refuses to compare it
        row = session.execute(_query().where(institutions.c.institution_id == institution_id)).mappings().first()
    if row is None:
        raise NotFound(N_("There is no target %(institution_id)s."), code="target.not_found",
                       institution_id=institution_id.replace("\x00", ""))
    assessed = risk.assess(_record(row), today)
    target = {key: row[key] for key in ("institution_id", "name", "credit_code", "division_code", "town",
                                         "address", "category", "subject_group", "legal_representative",
                                         "state", "state_since",
                                         "licence_valid_until", "rectification_deadline",
                                         "rectification_overdue", "last_inspected_on")}
    target["filing"] = None if row["filing_id"] is None else {
        key: row[key] for key in ("filing_id", "subjects", "teacher_count", "max_price_per_hour_fen", "modes",
                                  "teachers")}
    target["risk"] = {"tier": assessed.tier, "points": assessed.points,
                      "reasons": [{"code": code, "points": points, "facts": facts, "text": text}
                                  for (code, points, facts), text in zip(assessed.reasons, assessed.texts(),
                                                                          strict=True)]}
    return target


def persons_of(teachers: list[dict[str, Any]] | None, legal_representative: str | None) -> tuple[Person, ...]:
    """The persons publicly tied to a target as the board shows them: its current filing's teachers (none known
    when the filing's event came before the registry published them) and its legal representative (none known
    when its registration came before the registry published it)."""
    found = [Person(t["name"], t["certificate_no"], TEACHER) for t in teachers or ()]
    if legal_representative:
        found.append(Person(legal_representative, None, LEGAL_REPRESENTATIVE))
    return tuple(found)


def candidates(session: Session, towns: tuple[str, ...], states: tuple[str, ...], today: dt.date,
               tied_names: frozenset[str] = frozenset()) -> list[Target]:
    """The targets a draw may pick from: in the towns and states given, each with its tier as of today and the
    persons tied to it whose name is one of `tied_names` (no one else can keep an inspector away)."""
    rows = session.execute(_query().where(institutions.c.town.in_(towns), institutions.c.state.in_(states))
                           ).mappings().all()
    return [Target(row["institution_id"], row["town"], row["state"], risk.assess(_record(row), today).tier,
                   tuple(p for p in persons_of(row["teachers"], row["legal_representative"])
                         if name_key(p.name) in tied_names))
            for row in rows]


def persons_tied_to(session: Session, institution_ids: list[str]) -> dict[str, tuple[Person, ...]]:
    """The persons publicly tied to each of these targets (those with none are left out)."""
    rows = session.execute(
        sa.select(institutions.c.institution_id, target_filings.c.teachers, institutions.c.legal_representative)
        .outerjoin(target_filings, target_filings.c.institution_id == institutions.c.institution_id)
        .where(institutions.c.institution_id.in_(institution_ids))).all()
    return {institution_id: persons for institution_id, teachers, legal_representative in rows
            if (persons := persons_of(teachers, legal_representative))}
