"""Reporters' ratings (satisfied or not, on the day they rated) and the checklist items a visit found not met.

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
    with op.batch_alter_table("clues") as batch:
        batch.drop_column("rating")
        batch.add_column(sa.Column("satisfied", sa.Boolean, nullable=True))
        batch.add_column(sa.Column("rated_on", sa.Date, nullable=True))
    op.create_table(
        "task_findings",
        sa.Column("task_id", sa.String(64), primary_key=True),
        sa.Column("code", sa.String(100), primary_key=True),
    )


def downgrade() -> None:
    op.drop_table("task_findings")
    with op.batch_alter_table("clues") as batch:
        batch.drop_column("rated_on")
        batch.drop_column("satisfied")
        batch.add_column(sa.Column("rating", sa.Integer, nullable=True))
