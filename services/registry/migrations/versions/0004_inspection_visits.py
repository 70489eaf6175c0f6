"""The last inspection of each institution, as inspection reports it.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inspection_visits",
        sa.Column("institution_id", sa.Integer, sa.ForeignKey("institutions.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("inspected_on", sa.Date, nullable=False),
        sa.Column("outcome", sa.String(30), nullable=False),
        sa.Column("task_id", sa.String(64), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("inspection_visits")
