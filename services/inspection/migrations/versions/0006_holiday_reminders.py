"""A holiday campaign's holiday, reminder day and when the reminder went out.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("campaigns") as table:
        table.add_column(sa.Column("holiday", sa.String(100), nullable=True))
        table.add_column(sa.Column("remind_on", sa.Date, nullable=True))
        table.add_column(sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("campaigns") as table:
        table.drop_column("reminded_at")
        table.drop_column("remind_on")
        table.drop_column("holiday")
