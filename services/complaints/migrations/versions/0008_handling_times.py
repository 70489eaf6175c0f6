"""When a clue was triaged and referred: every step of its handling carries when it happened (a paper
register's triage or referral entered later keeps its own moment). Works on SQLite too (batch mode).

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

from shared.db import UtcDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("clues") as batch:
        batch.add_column(sa.Column("triaged_at", UtcDateTime(), nullable=True))
        batch.add_column(sa.Column("referred_at", UtcDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("clues") as batch:
        batch.drop_column("referred_at")
        batch.drop_column("triaged_at")
