"""Clues: public reports and the desk's complaints, the reporter sealed.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

from shared.db import UtcDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "clues",
        sa.Column("id", sa.String(26), primary_key=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("category", sa.String(30), nullable=False),
        sa.Column("channel", sa.String(30), nullable=False),
        sa.Column("description_public", sa.Text, nullable=False),
        sa.Column("sealed", sa.LargeBinary, nullable=True),
        sa.Column("token_digest", sa.String(64), nullable=False, unique=True),
        sa.Column("address", sa.String(500), nullable=True),
        sa.Column("lat", sa.Float, nullable=True),
        sa.Column("long", sa.Float, nullable=True),
        sa.Column("town", sa.String(100), nullable=True),
        sa.Column("media_url", sa.String(2000), nullable=True),
        sa.Column("attributes", sa.JSON, nullable=False),
        sa.Column("correlation_id", sa.String(100), nullable=True),
        sa.Column("department", sa.String(30), nullable=True),
        sa.Column("due_on", sa.Date, nullable=True),
        sa.Column("status_note", sa.Text, nullable=True),
        sa.Column("received_at", UtcDateTime, nullable=False),
        sa.Column("recorded_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_clues_status", "clues", ["status"])
    op.create_index("ix_clues_category", "clues", ["category"])
    op.create_index("ix_clues_received_at", "clues", ["received_at"])


def downgrade() -> None:
    op.drop_table("clues")
