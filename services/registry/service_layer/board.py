"""The public disclosure board: licensed institutions with their current filing, and the banned list.

The search is the board's hot path, so its SQL is written out here once, as one statement: the view sends it
to the driver on a pooled connection, and `bench/registry_board.py` runs the very same text in a bare app.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from services.registry.adapters.filing_tables import filing_documents, filing_subjects, filings
from services.registry.adapters.orm import institutions
from services.registry.service_layer.filings import query_terms, search_key
from services.registry.service_layer.visits import last_inspected_on

LICENSED = "licensed"
BANNED = "banned"

_ON_BOARD = "f.superseded_at IS NULL AND f.listed"  # `listed` follows the institution's state (a trigger)
_HAS_TERM = " AND EXISTS (SELECT 1 FROM filing_terms t WHERE t.filing_id = f.id AND t.term = :t{})"
_HAS_SUBJECT = " AND EXISTS (SELECT 1 FROM filing_subjects s WHERE s.filing_id = f.id AND s.subject_key = :subject)"
# a LIMIT no page reaches keeps the planner from pulling a subquery up (SQLite has no bare OFFSET 0)
_FENCE = " LIMIT 2147483647"
_ITEM = ("SELECT i.id, i.name, i.town, i.address, i.category, d.id AS filing_id, d.filed_at, d.subjects, "
         "d.teacher_count, d.max_price_per_hour_fen, d.modes, p.name_key")


@dataclass(frozen=True)
class BoardQuery:
    """What a parent searches for: part of a name, a subject, a town; and which page."""

    name: str | None = None
    subject: str | None = None
    town: str | None = None
    page: int = 1
    page_size: int = 20

    def sql(self) -> str:
        """One statement giving the page's rows, each with the total; one row of nulls and the total past the end.

        Named parameters (`:name`); only the filters asked for. One round trip: the database is a context switch
        away, and a second trip for the count cost more than the count itself.
        """
        where = ""
        if self.town:
            where += " AND f.town = :town"
        if self.subject:
            where += _HAS_SUBJECT
        # the name's characters and character pairs find the candidates in an index; for one or two characters
        # that is the answer, for more LIKE keeps the names that hold the whole text, candidates only: a fence
        # keeps it there, or the planner would run LIKE over every name
        for index in range(len(self._terms())):
            where += _HAS_TERM.format(index)
        # The matches are found, counted and ordered in narrow indexes (id, name, institution); only the page's
        # rows are read whole. Fixed fragments only: every value a parent typed is a bound parameter.
        inner = f"SELECT f.id, f.institution_id, f.name_key FROM filings f WHERE {_ON_BOARD}{where}"  # noqa: S608
        outer = ""
        if self._needs_like():
            inner, outer = inner + _FENCE, " WHERE m.name_key LIKE :name ESCAPE '\\'"
        ids = f"SELECT m.* FROM ({inner}) m{outer} ORDER BY m.name_key, m.id LIMIT :limit OFFSET :offset"  # noqa: S608
        page = (f"{_ITEM} FROM ({ids}) p JOIN filings d ON d.id = p.id "
                "JOIN institutions i ON i.id = p.institution_id")
        return (f"SELECT (SELECT count(*) FROM ({inner}) m{outer}) AS total, q.* FROM (SELECT 1 AS one) o "  # noqa: S608
                f"LEFT JOIN ({page}) q ON 1 = 1 ORDER BY q.name_key, q.filing_id")

    def _needs_like(self) -> bool:
        return len(search_key(self.name or "")) > 2

    def _terms(self) -> list[str]:
        return query_terms(search_key(self.name or ""))

    def params(self) -> dict[str, Any]:
        """The values bound to the statement's parameters."""
        found: dict[str, Any] = {"limit": self.page_size, "offset": (self.page - 1) * self.page_size}
        if self.town:
            found["town"] = self.town
        if self._needs_like():
            found["name"] = "%" + _escape_like(search_key(self.name)) + "%"
        found.update({f"t{index}": term for index, term in enumerate(self._terms())})
        if self.subject:
            found["subject"] = search_key(self.subject)
        return found


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


_NAMED = re.compile(r"(?<!:):(\w+)")


def driver_sql(text: str, paramstyle: str) -> str:
    """The statement in the driver's own parameter style (`:name` for sqlite3, `%(name)s` for psycopg)."""
    return _NAMED.sub(r"%(\1)s", text) if paramstyle == "pyformat" else text


def board_items(rows) -> tuple[list[dict[str, Any]], int]:
    """The rows of the board's statement as the board lists them, and the total."""
    items, total = [], 0
    for row in rows:
        total = row["total"]
        if row["id"] is None:  # a page past the end: only the total
            continue
        filed_at = row["filed_at"]
        items.append({
            "id": row["id"], "name": row["name"], "town": row["town"], "address": row["address"],
            "category": row["category"], "filing_id": row["filing_id"],
            "filed_at": filed_at if isinstance(filed_at, dt.datetime) else _utc(filed_at),
            "subjects": row["subjects"].split("\n") if row["subjects"] else [],
            "teacher_count": row["teacher_count"], "max_price_per_hour_fen": row["max_price_per_hour_fen"],
            "modes": row["modes"].split(",") if row["modes"] else []})
    return items, total


def _utc(stored: str) -> dt.datetime:
    """A timestamp as SQLite keeps it (text, UTC) made aware."""
    moment = dt.datetime.fromisoformat(stored)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def search(engine: sa.Engine, query: BoardQuery) -> tuple[list[dict[str, Any]], int]:
    """A page of the board and how many institutions match in all."""
    # The board's hottest read, kept to what it needs: a pooled connection outside any transaction (no BEGIN
    # and no ROLLBACK to wait for), the statement sent to the driver as written, its rows read by us.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        cursor = connection.connection.cursor()
        try:
            cursor.execute(driver_sql(query.sql(), connection.dialect.paramstyle), query.params())
            names = [column[0] for column in cursor.description]
            return board_items(dict(zip(names, row, strict=True)) for row in cursor.fetchall())
        finally:
            cursor.close()


def entry(session, institution_id: int) -> dict[str, Any] | None:
    """A licensed institution with its current filing and licence, or None when the board does not show it."""
    row = session.execute(
        sa.select(institutions, filings.c.id.label("filing_id"), filings.c.filed_at, filing_documents.c.document,
                  filings.c.subjects, filings.c.teacher_count, filings.c.max_price_per_hour_fen, filings.c.modes)
        .join(filings, sa.and_(filings.c.institution_id == institutions.c.id, filings.c.superseded_at.is_(None)))
        .join(filing_documents, filing_documents.c.filing_id == filings.c.id)
        .where(institutions.c.id == institution_id, institutions.c.state == LICENSED)).mappings().first()
    if row is None:
        return None
    shown = {key: row[key] for key in ("id", "name", "credit_code", "town", "address", "category",
                                       "subject_group", "legal_representative")}
    shown["licence"] = _licence(session, institution_id)
    shown["last_inspected_on"] = last_inspected_on(session, institution_id)
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


def last_updated(session) -> dt.datetime | None:
    """When the registry's books last changed (any institution's newest change), for "data last updated"."""
    return session.scalar(sa.select(sa.func.max(institutions.c.updated_at)))


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
    on_board = sa.and_(filings.c.superseded_at.is_(None), filings.c.listed)
    towns = session.scalars(sa.select(filings.c.town).where(on_board).distinct().order_by(filings.c.town)).all()
    subjects = session.scalars(
        sa.select(sa.func.min(filing_subjects.c.subject))
        .where(filing_subjects.c.filing_id.in_(sa.select(filings.c.id).where(on_board)))
        .group_by(filing_subjects.c.subject_key).order_by(filing_subjects.c.subject_key)).all()
    return {"towns": list(towns), "subjects": list(subjects)}
