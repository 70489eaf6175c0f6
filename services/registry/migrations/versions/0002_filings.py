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
        sa.Column("document", sa.JSON, nullable=False),
        sa.Column("notices", sa.JSON, nullable=False),
        sa.Column("subjects", sa.Text, nullable=False),
        sa.Column("teacher_count", sa.Integer, nullable=False),
        sa.Column("max_price_per_hour_fen", sa.BigInteger, nullable=True),
        sa.Column("modes", sa.String(30), nullable=False),
        sa.Column("name_key", sa.String(200), nullable=False),
        sa.Column("town", sa.String(100), nullable=False),
    )
    op.create_index("ux_filings_current", "filings", ["institution_id"], unique=True,
                    postgresql_where=_CURRENT, sqlite_where=_CURRENT)
    op.create_index("ix_filings_institution", "filings", ["institution_id", "id"])
    op.create_index("ix_filings_board_name", "filings", ["name_key", "institution_id"],
                    postgresql_where=_CURRENT, sqlite_where=_CURRENT)
    op.create_index("ix_filings_board_town", "filings", ["town", "name_key", "institution_id"],
                    postgresql_where=_CURRENT, sqlite_where=_CURRENT)
    op.create_table(
        "filing_subjects",
        sa.Column("filing_id", sa.Integer, sa.ForeignKey("filings.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("subject_key", sa.String(100), primary_key=True),
        sa.Column("subject", sa.String(100), nullable=False),
    )
    op.create_index("ix_filing_subjects_subject", "filing_subjects", ["subject_key", "filing_id"])


def downgrade() -> None:
    op.drop_table("filing_subjects")
    op.drop_table("filings")
