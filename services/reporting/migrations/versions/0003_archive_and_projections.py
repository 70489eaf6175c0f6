"""Every event archived; projections of every event type published (institutions over time, campaigns,
draws, inspections, cases, sanctions, complaints).

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

_POSITION = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _id(name: str, **options) -> sa.Column:
    return sa.Column(name, sa.String(64), **options)


def upgrade() -> None:
    # a lifecycle event may arrive before the registration it follows
    with op.batch_alter_table("institutions") as batch:
        batch.alter_column("registered_state", existing_type=sa.String(20), nullable=True)
    op.create_table(
        "event_archive",
        sa.Column("position", _POSITION, primary_key=True, autoincrement=True),
        _id("event_id", nullable=False, unique=True),
        sa.Column("type", sa.String(200), nullable=False, index=True),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("sequence", sa.BigInteger),
        sa.Column("time", UtcDateTime(), nullable=False),
        sa.Column("contracted", sa.Boolean, nullable=False),
        sa.Column("envelope", sa.JSON, nullable=False),
        sa.Column("received_at", UtcDateTime(), nullable=False),
    )

    # Each state an institution reached, on the day it happened: states as of any day are read from here.
    op.create_table(
        "institution_timeline",
        _id("institution_id", primary_key=True),
        sa.Column("sequence", sa.BigInteger, primary_key=True),
        sa.Column("occurred_on", sa.Date, nullable=False, index=True),
        sa.Column("division_code", sa.String(6), nullable=False),
        sa.Column("town", sa.String(100), nullable=False),
        sa.Column("category", sa.String(20), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("registered", sa.Boolean, nullable=False),
    )

    op.create_table(
        "filings",
        _id("filing_id", primary_key=True),
        _id("institution_id", nullable=False, index=True),
        sa.Column("published_on", sa.Date, nullable=False),
    )

    op.create_table(
        "licence_notices",
        _id("institution_id", primary_key=True),
        sa.Column("kind", sa.String(40), primary_key=True),
        sa.Column("valid_until", sa.Date, primary_key=True),
        sa.Column("town", sa.String(100), nullable=False),
        sa.Column("noticed_on", sa.Date, nullable=False),
    )

    op.create_table(
        "campaigns",
        _id("campaign_id", primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("starts_on", sa.Date, nullable=False),
        sa.Column("ends_on", sa.Date, nullable=False),
        sa.Column("rounds", sa.Integer, nullable=False),
        sa.Column("towns", sa.JSON, nullable=False),
        sa.Column("departments", sa.JSON, nullable=False),
        sa.Column("sequence", sa.BigInteger, nullable=False, server_default="0"),
    )

    op.create_table(
        "campaign_reminders",
        _id("campaign_id", primary_key=True),
        sa.Column("holiday", sa.String(100), primary_key=True),
        sa.Column("remind_on", sa.Date, primary_key=True),
        sa.Column("towns", sa.JSON, nullable=False),
    )

    op.create_table(
        "draws",
        _id("draw_id", primary_key=True),
        _id("campaign_id", nullable=False, index=True),
        sa.Column("round", sa.Integer, nullable=False),
        sa.Column("target_count", sa.Integer, nullable=False),
        sa.Column("team_count", sa.Integer, nullable=False),
        sa.Column("drawn_on", sa.Date, nullable=False),
        sa.Column("sequence", sa.BigInteger, nullable=False, server_default="0"),
    )

    op.create_table(
        "tasks",
        _id("task_id", primary_key=True),
        _id("campaign_id", nullable=False, index=True),
        sa.Column("round", sa.Integer),
        _id("institution_id"),
        sa.Column("town", sa.String(100), nullable=False),
        _id("clue_id"),
        sa.Column("inspected_on", sa.Date, nullable=False, index=True),
        sa.Column("outcome", sa.String(30), nullable=False),
        sa.Column("sequence", sa.BigInteger, nullable=False, server_default="0"),
    )

    # One row per inspector on a visit, with what a person-time is counted by: (campaign, inspector, day).
    op.create_table(
        "task_inspectors",
        _id("task_id", primary_key=True),
        _id("inspector_id", primary_key=True),
        _id("campaign_id", nullable=False),
        sa.Column("inspected_on", sa.Date, nullable=False, index=True),
        sa.Column("town", sa.String(100), nullable=False),
    )

    op.create_table(
        "task_departments",
        _id("task_id", primary_key=True),
        sa.Column("department", sa.String(40), primary_key=True),
    )

    op.create_table(
        "cases",
        _id("case_id", primary_key=True),
        _id("institution_id"),
        sa.Column("subject_kind", sa.String(20)),
        sa.Column("town", sa.String(100)),
        _id("source_task_id"),
        _id("source_clue_id"),
        sa.Column("opened_on", sa.Date, index=True),
        sa.Column("closed_on", sa.Date),
        sa.Column("punished", sa.Boolean),
        # the first day the case was known punished: its first sanction, or its closing as punished
        sa.Column("punished_on", sa.Date, index=True),
        sa.Column("sequence", sa.BigInteger, nullable=False, server_default="0"),
    )

    op.create_table(
        "sanctions",
        _id("event_id", primary_key=True),
        _id("case_id", nullable=False, index=True),
        _id("institution_id"),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("amount_fen", sa.BigInteger),
        sa.Column("decided_on", sa.Date, nullable=False, index=True),
    )

    op.create_table(
        "clues",
        _id("clue_id", primary_key=True),
        sa.Column("category", sa.String(40), nullable=False),
        sa.Column("channel", sa.String(40)),
        sa.Column("town", sa.String(100)),
        _id("institution_id"),
        sa.Column("received_at", UtcDateTime()),
        sa.Column("received_on", sa.Date, index=True),
        sa.Column("due_on", sa.Date),
        sa.Column("referred_on", sa.Date),
        sa.Column("department", sa.String(40)),
        sa.Column("priority", sa.String(20)),
        sa.Column("answered_on", sa.Date),
        sa.Column("closed_on", sa.Date, index=True),
        sa.Column("overdue_on", sa.Date),
        # the first answer or closing: when handling ended for the reporter, and whether by the deadline
        sa.Column("settled_at", UtcDateTime()),
        sa.Column("settled_on", sa.Date, index=True),
        sa.Column("on_time", sa.Boolean),
        sa.Column("outcome", sa.String(40)),
        sa.Column("rating", sa.Integer),
        sa.Column("sequence", sa.BigInteger, nullable=False, server_default="0"),
    )


def downgrade() -> None:
    op.drop_table("clues")
    op.drop_table("sanctions")
    op.drop_table("cases")
    op.drop_table("task_departments")
    op.drop_table("task_inspectors")
    op.drop_table("tasks")
    op.drop_table("draws")
    op.drop_table("campaign_reminders")
    op.drop_table("campaigns")
    op.drop_table("licence_notices")
    op.drop_table("filings")
    op.drop_table("institution_timeline")
    op.drop_table("event_archive")
    with op.batch_alter_table("institutions") as batch:
        batch.alter_column("registered_state", existing_type=sa.String(20), nullable=False)
