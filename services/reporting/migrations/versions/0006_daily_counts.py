"""Pre-aggregated figures by day (what a summary of the whole country sums), with the person-days and round-days
they are kept from, and indexes by place for the figures of one county or town. A rebuild fills the new tables
(`offcampus rebuild reporting`).

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_PLACE_INDEXES = (
    ("ix_institution_timeline_place", "institution_timeline", ["division_code", "town"]),
    ("ix_institution_timeline_town", "institution_timeline", ["town"]),
    ("ix_tasks_town_day", "tasks", ["town", "inspected_on"]),
    ("ix_task_inspectors_town_day", "task_inspectors", ["town", "inspected_on"]),
    ("ix_cases_town", "cases", ["town"]),
    ("ix_clues_town", "clues", ["town"]),
    ("ix_licence_notices_town", "licence_notices", ["town"]),
)


def upgrade() -> None:
    op.create_table(
        "daily_counts",
        sa.Column("figure", sa.String(40), primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("n", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "person_days",
        sa.Column("campaign_id", sa.String(64), primary_key=True),
        sa.Column("inspector_id", sa.String(64), primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("n", sa.Integer, nullable=False),
    )
    op.create_table(
        "round_days",
        sa.Column("campaign_id", sa.String(64), primary_key=True),
        sa.Column("round", sa.Integer, primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("n", sa.Integer, nullable=False),
    )
    op.create_index("ix_round_days_day", "round_days", ["day"])
    for name, table, columns in _PLACE_INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _ in _PLACE_INDEXES:
        op.drop_index(name, table)
    op.drop_index("ix_round_days_day", "round_days")
    op.drop_table("round_days")
    op.drop_table("person_days")
    op.drop_table("daily_counts")
