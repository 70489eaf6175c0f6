"""The registry's filing tables: every filing kept, the current one marked, and what the board searches on.

`filings.listed` says whether the filing's institution is licensed now. A trigger on `institutions`
(migration 0002) keeps it so in the transaction that changes the state, so a ban takes an institution off the
board at once, and the board counts its matches in one index without joining every institution.
"""

from __future__ import annotations

import sqlalchemy as sa

from services.registry.adapters.orm import metadata
from shared.db import UtcDateTime

_CURRENT = sa.text("superseded_at IS NULL")
_ON_BOARD = sa.text("superseded_at IS NULL AND listed")

filings = sa.Table(
    "filings", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("institution_id", sa.Integer, sa.ForeignKey("institutions.id"), nullable=False),
    # the filing it replaced, and when a later one replaced it (null: the current filing)
    sa.Column("supersedes_id", sa.Integer, sa.ForeignKey("filings.id"), nullable=True),
    sa.Column("superseded_at", UtcDateTime, nullable=True),
    sa.Column("filed_at", UtcDateTime, nullable=False),
    sa.Column("filed_by", sa.String(200), nullable=False),
    sa.Column("config_version", sa.String(50), nullable=False),
    sa.Column("notices", sa.JSON, nullable=False),
    # a summary for the board's list, written once with the filing; the document itself lives aside, so the
    # rows a search reads stay narrow
    sa.Column("subjects", sa.Text, nullable=False),  # one subject a line, in filing order
    sa.Column("teacher_count", sa.Integer, nullable=False),
    sa.Column("max_price_per_hour_fen", sa.BigInteger, nullable=True),
    sa.Column("modes", sa.String(30), nullable=False),  # comma-separated
    # the institution's name folded for search and its town, as they were when it filed
    sa.Column("name_key", sa.String(200), nullable=False),
    sa.Column("town", sa.String(100), nullable=False),
    sa.Column("listed", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Index("ux_filings_current", "institution_id", unique=True,
             postgresql_where=_CURRENT, sqlite_where=_CURRENT),
    sa.Index("ix_filings_institution", "institution_id", "id"),
    sa.Index("ix_filings_board_name", "name_key", "institution_id", "id",
             postgresql_where=_ON_BOARD, sqlite_where=_ON_BOARD),
    sa.Index("ix_filings_board_town", "town", "name_key", "institution_id", "id",
             postgresql_where=_ON_BOARD, sqlite_where=_ON_BOARD),
    sa.Index("ix_filings_on_board", "id", "name_key", "institution_id",
             postgresql_where=_ON_BOARD, sqlite_where=_ON_BOARD),
)

# What was filed: courses, teachers, fee items, timetable and sessions, as stored and shown.
filing_documents = sa.Table(
    "filing_documents", metadata,
    sa.Column("filing_id", sa.Integer, sa.ForeignKey("filings.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("document", sa.JSON, nullable=False),
)

filing_subjects = sa.Table(
    "filing_subjects", metadata,
    sa.Column("filing_id", sa.Integer, sa.ForeignKey("filings.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("subject_key", sa.String(100), primary_key=True),  # folded for search
    sa.Column("subject", sa.String(100), nullable=False),  # as filed, for the board's list of subjects
    sa.Index("ix_filing_subjects_subject", "subject_key", "filing_id"),
)

# Every character and every pair of adjacent characters of the folded name: a search for part of a name
# (Chinese words are mostly two characters) looks its pairs up here instead of reading every name.
filing_terms = sa.Table(
    "filing_terms", metadata,
    sa.Column("term", sa.String(10), primary_key=True),
    sa.Column("filing_id", sa.Integer, sa.ForeignKey("filings.id", ondelete="CASCADE"), primary_key=True),
)
