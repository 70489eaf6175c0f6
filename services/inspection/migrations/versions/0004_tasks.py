"""Inspection tasks: drawn, clue-driven and follow-up visits, their teams and results.

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
        "tasks",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("source_key", sa.String(200), nullable=False, unique=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("campaign_id", sa.String(64), nullable=True),
        sa.Column("round", sa.Integer, nullable=True),
        sa.Column("draw_id", sa.String(64), nullable=True),
        sa.Column("institution_id", sa.String(64), nullable=True),
        sa.Column("town", sa.String(100), nullable=False),
        sa.Column("place", sa.String(500), nullable=True),
        sa.Column("clue_id", sa.String(64), nullable=True),
        sa.Column("department", sa.String(40), nullable=True),
        sa.Column("priority", sa.String(20), nullable=True),
        sa.Column("due_on", sa.Date, nullable=True),
        sa.Column("planned_on", sa.Date, nullable=True),
        sa.Column("team", sa.JSON, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("inspected_on", sa.Date, nullable=True),
        sa.Column("inspectors_present", sa.JSON, nullable=True),
        sa.Column("checklist_answers", sa.JSON, nullable=True),
        sa.Column("findings", sa.JSON, nullable=True),
        sa.Column("evidence", sa.JSON, nullable=True),
        sa.Column("outcome", sa.String(30), nullable=True),
        sa.Column("completed_by", sa.String(200), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("correlation_id", sa.String(128), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    for column in ("campaign_id", "draw_id", "institution_id"):
        op.create_index(f"ix_tasks_{column}", "tasks", [column])


def downgrade() -> None:
    for column in ("campaign_id", "draw_id", "institution_id"):
        op.drop_index(f"ix_tasks_{column}", table_name="tasks")
    op.drop_table("tasks")
