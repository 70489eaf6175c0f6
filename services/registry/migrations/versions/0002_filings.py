"""Filings: every filing an institution made, the current one on the public board.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_CURRENT = sa.text("superseded_at IS NULL")
_ON_BOARD = sa.text("superseded_at IS NULL AND listed")

# A filing is listed on the board while its institution is licensed: the state changes in `institutions`,
# and this keeps the flag in the same transaction (see services/registry/adapters/filing_tables.py).
_FOLLOW = ("UPDATE filings SET listed = (NEW.state = 'licensed') "
           "WHERE institution_id = NEW.id AND superseded_at IS NULL")
_POSTGRESQL_TRIGGER = [
    f"""CREATE FUNCTION filings_follow_institution_state() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN {_FOLLOW}; RETURN NULL; END $$""",
    """CREATE TRIGGER filings_follow_institution_state AFTER UPDATE OF state ON institutions
        FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state)
        EXECUTE FUNCTION filings_follow_institution_state()""",
]
_SQLITE_TRIGGER = [
    f"""CREATE TRIGGER filings_follow_institution_state AFTER UPDATE OF state ON institutions
        WHEN OLD.state IS NOT NEW.state BEGIN {_FOLLOW}; END""",
]


def upgrade() -> None:
    op.create_table(
        "filings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("institution_id", sa.Integer, sa.ForeignKey("institutions.id"), nullable=False),
        sa.Column("supersedes_id", sa.Integer, sa.ForeignKey("filings.id"), nullable=True),
        sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("filed_by", sa.String(200), nullable=False),
        sa.Column("config_version", sa.String(50), nullable=False),
        sa.Column("notices", sa.JSON, nullable=False),
        sa.Column("subjects", sa.Text, nullable=False),
        sa.Column("teacher_count", sa.Integer, nullable=False),
        sa.Column("max_price_per_hour_fen", sa.BigInteger, nullable=True),
        sa.Column("modes", sa.String(30), nullable=False),
        sa.Column("name_key", sa.String(200), nullable=False),
        sa.Column("town", sa.String(100), nullable=False),
        sa.Column("listed", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.create_index("ux_filings_current", "filings", ["institution_id"], unique=True,
                    postgresql_where=_CURRENT, sqlite_where=_CURRENT)
    op.create_index("ix_filings_institution", "filings", ["institution_id", "id"])
    op.create_index("ix_filings_board_name", "filings", ["name_key", "institution_id", "id"],
                    postgresql_where=_ON_BOARD, sqlite_where=_ON_BOARD)
    op.create_index("ix_filings_board_town", "filings", ["town", "name_key", "institution_id", "id"],
                    postgresql_where=_ON_BOARD, sqlite_where=_ON_BOARD)
    op.create_table(
        "filing_documents",
        sa.Column("filing_id", sa.Integer, sa.ForeignKey("filings.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("document", sa.JSON, nullable=False),
    )
    op.create_table(
        "filing_subjects",
        sa.Column("filing_id", sa.Integer, sa.ForeignKey("filings.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("subject_key", sa.String(100), primary_key=True),
        sa.Column("subject", sa.String(100), nullable=False),
    )
    op.create_index("ix_filing_subjects_subject", "filing_subjects", ["subject_key", "filing_id"])
    op.create_index("ix_filings_on_board", "filings", ["id", "name_key", "institution_id"],
                    postgresql_where=_ON_BOARD, sqlite_where=_ON_BOARD)
    op.create_table(
        "filing_terms",
        sa.Column("term", sa.String(10), primary_key=True),
        sa.Column("filing_id", sa.Integer, sa.ForeignKey("filings.id", ondelete="CASCADE"), primary_key=True),
    )
    for statement in _POSTGRESQL_TRIGGER if op.get_bind().dialect.name == "postgresql" else _SQLITE_TRIGGER:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS filings_follow_institution_state"
               + (" ON institutions" if op.get_bind().dialect.name == "postgresql" else ""))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS filings_follow_institution_state()")
    op.drop_table("filing_terms")
    op.drop_table("filing_documents")
    op.drop_table("filing_subjects")
    op.drop_table("filings")
