"""Cases against institutions, persons or addresses, and their sanctions.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("external_ref", sa.String(100), nullable=True, unique=True),
        sa.Column("subject_kind", sa.String(20), nullable=False),
        sa.Column("institution_id", sa.String(64), nullable=True),
        sa.Column("person_name", sa.String(100), nullable=True),
        sa.Column("address", sa.String(500), nullable=True),
        sa.Column("town", sa.String(100), nullable=False),
        sa.Column("summary", sa.String(2000), nullable=False),
        sa.Column("source_task_id", sa.String(64), nullable=True),
        sa.Column("source_clue_id", sa.String(64), nullable=True),
        sa.Column("opened_on", sa.Date, nullable=False),
        sa.Column("closed_on", sa.Date, nullable=True),
        sa.Column("decision", sa.String(2000), nullable=True),
        sa.Column("opened_by", sa.String(200), nullable=False),
        sa.Column("correlation_id", sa.String(128), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_cases_institution_id", "cases", ["institution_id"])
    op.create_table(
        "sanctions",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("case_id", sa.String(64), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("amount_fen", sa.BigInteger, nullable=True),
        sa.Column("deadline", sa.Date, nullable=True),
        sa.Column("decided_on", sa.Date, nullable=False),
        sa.Column("decided_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_sanctions_case_id", "sanctions", ["case_id"])


def downgrade() -> None:
    op.drop_index("ix_sanctions_case_id", table_name="sanctions")
    op.drop_table("sanctions")
    op.drop_index("ix_cases_institution_id", table_name="cases")
    op.drop_table("cases")
