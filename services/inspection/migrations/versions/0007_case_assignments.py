"""Who works on a case: the inspectors a supervisor assigned it to.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_assignments",
        sa.Column("case_id", sa.String(64), sa.ForeignKey("cases.id"), primary_key=True),
        sa.Column("inspector_id", sa.String(64), sa.ForeignKey("inspectors.id"), primary_key=True),
        sa.Column("assigned_by", sa.String(200), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_case_assignments_inspector_id", "case_assignments", ["inspector_id"])


def downgrade() -> None:
    op.drop_index("ix_case_assignments_inspector_id", table_name="case_assignments")
    op.drop_table("case_assignments")
