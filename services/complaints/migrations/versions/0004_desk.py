"""The desk's clues: external references, provisional deadlines, the institution, and who read a reporter.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

from shared.db import UtcDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # batch mode: SQLite (the embedded default) cannot ALTER a constraint in place, so alembic copies the table
    with op.batch_alter_table("clues") as batch:
        batch.add_column(sa.Column("external_ref", sa.String(100), nullable=True))
        batch.create_unique_constraint("uq_clues_external_ref", ["external_ref"])
    op.add_column("clues", sa.Column("due_provisional", sa.Boolean, nullable=False, server_default=sa.false()))
    op.add_column("clues", sa.Column("institution_id", sa.String(64), nullable=True))
    op.create_table(
        "reporter_views",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("clue_id", sa.String(26), nullable=False, index=True),
        sa.Column("viewer", sa.String(200), nullable=False),
        sa.Column("viewed_at", UtcDateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("reporter_views")
    op.drop_column("clues", "institution_id")
    op.drop_column("clues", "due_provisional")
    with op.batch_alter_table("clues") as batch:
        batch.drop_constraint("uq_clues_external_ref", type_="unique")
        batch.drop_column("external_ref")
