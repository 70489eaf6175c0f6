"""Bans by hand: a clerk resolving an unmatched ban sanction, an admin recording a ban decided before the platform.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

from shared.db import UtcDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # batch mode: the embedded SQLite cannot alter a table in place
    with op.batch_alter_table("institution_history") as table:
        table.add_column(sa.Column("document_number", sa.String(100), nullable=True))
    with op.batch_alter_table("ban_sanctions") as table:
        table.add_column(sa.Column("resolved_by", sa.String(200), nullable=True))
        table.add_column(sa.Column("resolved_at", UtcDateTime, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ban_sanctions") as table:
        table.drop_column("resolved_at")
        table.drop_column("resolved_by")
    with op.batch_alter_table("institution_history") as table:
        table.drop_column("document_number")
