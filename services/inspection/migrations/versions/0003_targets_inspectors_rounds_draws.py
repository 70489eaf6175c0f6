"""Targets' licence, rectification and filing; inspectors; rounds as records; committed draws.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("institutions") as table:
        table.add_column(sa.Column("licence_valid_until", sa.Date, nullable=True))
        table.add_column(sa.Column("rectification_deadline", sa.Date, nullable=True))
        table.add_column(sa.Column("rectification_overdue", sa.Boolean, nullable=False, server_default=sa.false()))
    op.create_table(
        "target_filings",
        sa.Column("institution_id", sa.String(64), primary_key=True),
        sa.Column("filing_id", sa.String(64), nullable=False),
        sa.Column("subjects", sa.JSON, nullable=False),
        sa.Column("teacher_count", sa.Integer, nullable=False),
        sa.Column("max_price_per_hour_fen", sa.BigInteger, nullable=False),
        sa.Column("modes", sa.JSON, nullable=False),
        sa.Column("sequence", sa.BigInteger, nullable=False, server_default="0"),
    )
    op.create_table(
        "inspectors",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("external_ref", sa.String(100), nullable=True, unique=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("department", sa.String(40), nullable=False),
        sa.Column("certificate_no", sa.String(100), nullable=False),
        sa.Column("towns", sa.JSON, nullable=False),
        sa.Column("days_away", sa.JSON, nullable=False),
        sa.Column("conflict_institutions", sa.JSON, nullable=False),
        sa.Column("conflict_persons", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_inspectors_department", "inspectors", ["department"])
    with op.batch_alter_table("campaigns") as table:
        table.add_column(sa.Column("external_ref", sa.String(100), nullable=True))
        table.add_column(sa.Column("checklist", sa.JSON, nullable=True))
        table.create_unique_constraint("uq_campaigns_external_ref", ["external_ref"])
    op.create_table(
        "rounds",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("campaign_id", sa.String(64), sa.ForeignKey("campaigns.id"), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("days", sa.JSON, nullable=False),
        sa.Column("teams_per_day", sa.Integer, nullable=False),
        sa.Column("team_size", sa.Integer, nullable=False),
        sa.Column("target_count", sa.Integer, nullable=True),
        sa.Column("tier_percent", sa.JSON, nullable=True),
        sa.Column("team_departments", sa.JSON, nullable=False),
        sa.Column("seed", sa.String(64), nullable=False),
        sa.Column("seed_sha256", sa.String(64), nullable=False),
        sa.Column("scheduled_by", sa.String(200), nullable=False),
        sa.Column("scheduled_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("campaign_id", "number", name="uq_rounds_campaign_number"),
    )
    op.create_table(
        "draws",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("round_id", sa.String(64), sa.ForeignKey("rounds.id"), nullable=False),
        sa.Column("algorithm", sa.String(40), nullable=False),
        sa.Column("seed", sa.String(64), nullable=False),
        sa.Column("seed_sha256", sa.String(64), nullable=False),
        sa.Column("inputs", sa.Text, nullable=False),
        sa.Column("inputs_sha256", sa.String(64), nullable=False),
        sa.Column("result", sa.Text, nullable=False),
        sa.Column("result_sha256", sa.String(64), nullable=False),
        sa.Column("target_count", sa.Integer, nullable=False),
        sa.Column("team_count", sa.Integer, nullable=False),
        sa.Column("reason", sa.String(2000), nullable=True),
        sa.Column("superseded_by", sa.String(64), nullable=True),
        sa.Column("drawn_by", sa.String(200), nullable=False),
        sa.Column("drawn_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_draws_round_id", "draws", ["round_id"])


def downgrade() -> None:
    op.drop_index("ix_draws_round_id", table_name="draws")
    op.drop_table("draws")
    op.drop_table("rounds")
    with op.batch_alter_table("campaigns") as table:
        table.drop_constraint("uq_campaigns_external_ref", type_="unique")
        table.drop_column("checklist")
        table.drop_column("external_ref")
    op.drop_index("ix_inspectors_department", table_name="inspectors")
    op.drop_table("inspectors")
    op.drop_table("target_filings")
    with op.batch_alter_table("institutions") as table:
        table.drop_column("rectification_overdue")
        table.drop_column("rectification_deadline")
        table.drop_column("licence_valid_until")
