"""A clue's history: each step of its handling (triaged, referred with its reason, answered, closed), who, when.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

from shared.db import UtcDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "clue_steps",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("clue_id", sa.String(26), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("by", sa.String(200), nullable=True),
        sa.Column("reason", sa.Text, nullable=True),
    )
    op.create_index("ix_clue_steps_clue_id", "clue_steps", ["clue_id"])


def downgrade() -> None:
    op.drop_index("ix_clue_steps_clue_id", "clue_steps")
    op.drop_table("clue_steps")
