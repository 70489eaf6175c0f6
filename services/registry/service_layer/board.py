"""The public disclosure board: licensed institutions with their current filing, and the banned list.

The search is the board's hot path, so its SQL is written out here once: the view runs it through the
session, and `bench/registry_board.py` runs the very same text through the bare driver to compare.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from services.registry.adapters.filing_tables import filing_subjects, filings
from services.registry.adapters.orm import institutions
from services.registry.service_layer.filings import search_key

LICENSED = "licensed"
BANNED = "banned"

_BOARD = ("FROM filings f JOIN institutions i ON i.id = f.institution_id "
          "WHERE f.superseded_at IS NULL AND i.state = 'licensed'")
_ITEM = ("SELECT i.id, i.name, i.town, i.address, i.category, f.id AS filing_id, f.filed_at, f.subjects, "
         "f.teacher_count, f.max_price_per_hour_fen, f.modes ")


@dataclass(frozen=True)
class BoardQuery:
    """What a parent searches for: part of a name, a subject, a town; and which page."""

    name: str | None = None
    subject: str | None = None
    town: str | None = None
    page: int = 1
    page_size: int = 20

    def sql(self) -> tuple[str, str]:
        """The page query and the count query, with only the filters asked for (named parameters)."""
        where = _BOARD
        if self.town:
            where += " AND f.town = :town"
        if self.name:
            where += " AND f.name_key LIKE :name ESCAPE '\\'"
        if self.subject:
            where += (" AND EXISTS (SELECT 1 FROM filing_subjects s WHERE s.filing_id = f.id"
                      " AND s.subject_key = :subject)")
        page = f"{_ITEM}{where} ORDER BY f.name_key, f.institution_id LIMIT :limit OFFSET :offset"
        return page, f"SELECT count(*) {where}"

    def params(self) -> dict[str, Any]:
        """The values bound to the queries' parameters."""
        found: dict[str, Any] = {"limit": self.page_size, "offset": (self.page - 1) * self.page_size}
        if self.town:
            found["town"] = self.town
        if self.name:
            found["name"] = "%" + _escape_like(search_key(self.name)) + "%"
        if self.subject:
            found["subject"] = search_key(self.subject)
        return found


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def board_item(row: Mapping[str, Any]) -> dict[str, Any]:
    """One row of the search as the board lists it."""
    return {"id": row["id"], "name": row["name"], "town": row["town"], "address": row["address"],
            "category": row["category"], "filing_id": row["filing_id"], "filed_at": row["filed_at"],
            "subjects": row["subjects"].split("\n") if row["subjects"] else [],
            "teacher_count": row["teacher_count"], "max_price_per_hour_fen": row["max_price_per_hour_fen"],
            "modes": row["modes"].split(",") if row["modes"] else []}


_TYPED = {"filed_at": filings.c.filed_at.type}


def search(session, query: BoardQuery) -> tuple[list[dict[str, Any]], int]:
    """A page of the board and how many institutions match in all."""
    page_sql, count_sql = query.sql()
    params = query.params()
    rows = session.execute(sa.text(page_sql).columns(**_TYPED), params).mappings().all()
    if query.page == 1 and len(rows) < query.page_size:
        total = len(rows)  # the whole answer fits on the first page: no need to count
    else:
        counted = {k: v for k, v in params.items() if k not in ("limit", "offset")}
        total = session.execute(sa.text(count_sql), counted).scalar_one()
    return [board_item(row) for row in rows], total


def entry(session, institution_id: int) -> dict[str, Any] | None:
    """A licensed institution with its current filing and licence, or None when the board does not show it."""
    row = session.execute(
        sa.select(institutions, filings.c.id.label("filing_id"), filings.c.filed_at, filings.c.document,
                  filings.c.subjects, filings.c.teacher_count, filings.c.max_price_per_hour_fen, filings.c.modes)
        .join(filings, sa.and_(filings.c.institution_id == institutions.c.id, filings.c.superseded_at.is_(None)))
        .where(institutions.c.id == institution_id, institutions.c.state == LICENSED)).mappings().first()
    if row is None:
        return None
    shown = {key: row[key] for key in ("id", "name", "credit_code", "town", "address", "category",
                                       "subject_group")}
    shown["licence"] = _licence(session, institution_id)
    shown["filing"] = {
        "id": row["filing_id"], "filed_at": row["filed_at"], "teacher_count": row["teacher_count"],
        "max_price_per_hour_fen": row["max_price_per_hour_fen"],
        "subjects": row["subjects"].split("\n") if row["subjects"] else [],
        "modes": row["modes"].split(",") if row["modes"] else [], **row["document"]}
    return shown


def _licence(session, institution_id: int) -> dict[str, Any] | None:
    """The institution's current licence numbers and validity, when the registry keeps licences."""
    table = institutions.metadata.tables.get("licences")
    if table is None:
        return None
    row = session.execute(sa.select(table).where(table.c.institution_id == institution_id,
                                                 table.c.superseded_at.is_(None))).mappings().first()
    if row is None:
        return None
    return {key: row[key] for key in ("school_number", "school_valid_until", "registration_kind",
                                      "registration_number", "registration_valid_until")}


def banned(session, *, page: int, page_size: int) -> tuple[list[dict[str, Any]], int]:
    """The black list: banned institutions, most recently banned first, with the reason and the date."""
    where = institutions.c.state == BANNED
    total = session.scalar(sa.select(sa.func.count()).select_from(institutions).where(where))
    rows = session.execute(
        sa.select(institutions.c.id, institutions.c.name, institutions.c.credit_code, institutions.c.town,
                  institutions.c.address, institutions.c.state_since.label("banned_on"),
                  institutions.c.state_reason.label("reason"))
        .where(where).order_by(institutions.c.state_since.desc(), institutions.c.id.desc())
        .limit(page_size).offset((page - 1) * page_size)).mappings().all()
    return [dict(row) for row in rows], total


def choices(session) -> dict[str, list[str]]:
    """The towns and subjects on the board, for the search form's lists."""
    current = sa.and_(filings.c.superseded_at.is_(None), institutions.c.state == LICENSED)
    on_board = sa.select(filings.c.id).join(institutions, institutions.c.id == filings.c.institution_id)
    towns = session.scalars(on_board.with_only_columns(filings.c.town).where(current).distinct()
                            .order_by(filings.c.town)).all()
    subjects = session.scalars(
        sa.select(sa.func.min(filing_subjects.c.subject))
        .where(filing_subjects.c.filing_id.in_(on_board.where(current)))
        .group_by(filing_subjects.c.subject_key).order_by(filing_subjects.c.subject_key)).all()
    return {"towns": list(towns), "subjects": list(subjects)}
