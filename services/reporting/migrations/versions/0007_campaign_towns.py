"""The towns of each campaign and of each holiday reminder, a row a town: a county's or town's summary finds its
campaigns through them (filled here from the campaigns' and reminders' `towns`).

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
    campaign_towns = op.create_table(
        "campaign_towns",
        sa.Column("town", sa.String(100), primary_key=True),
        sa.Column("campaign_id", sa.String(64), primary_key=True),
        sa.Column("starts_on", sa.Date, nullable=False),
        sa.Column("ends_on", sa.Date, nullable=False),
    )
    reminder_towns = op.create_table(
        "reminder_towns",
        sa.Column("town", sa.String(100), primary_key=True),
        sa.Column("remind_on", sa.Date, primary_key=True),
        sa.Column("campaign_id", sa.String(64), primary_key=True),
        sa.Column("holiday", sa.String(100), primary_key=True),
    )
    bind = op.get_bind()
    campaigns = sa.table("campaigns", sa.column("campaign_id"), sa.column("starts_on", sa.Date),
                         sa.column("ends_on", sa.Date), sa.column("towns", sa.JSON))
    reminders = sa.table("campaign_reminders", sa.column("campaign_id"), sa.column("holiday"),
                         sa.column("remind_on", sa.Date), sa.column("towns", sa.JSON))
    rows = [{"town": town, "campaign_id": row.campaign_id, "starts_on": row.starts_on, "ends_on": row.ends_on}
            for row in bind.execute(sa.select(campaigns)) for town in sorted(set(row.towns))]
    if rows:
        op.bulk_insert(campaign_towns, rows)
    rows = [{"town": town, "remind_on": row.remind_on, "campaign_id": row.campaign_id, "holiday": row.holiday}
            for row in bind.execute(sa.select(reminders)) for town in sorted(set(row.towns))]
    if rows:
        op.bulk_insert(reminder_towns, rows)


def downgrade() -> None:
    op.drop_table("reminder_towns")
    op.drop_table("campaign_towns")
