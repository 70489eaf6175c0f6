"""The institutions replica, campaigns, the outbox and inbox, idempotency keys.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from shared.bus.tables import create_bus_tables, drop_bus_tables
from shared.idempotency import create_idempotency_table

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "institutions",
        sa.Column("institution_id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("credit_code", sa.String(18), nullable=True),
        sa.Column("division_code", sa.String(6), nullable=False),
        sa.Column("town", sa.String(100), nullable=False),
        sa.Column("address", sa.String(500), nullable=True),
        sa.Column("category", sa.String(20), nullable=False),
        sa.Column("subject_group", sa.String(100), nullable=True),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("state_since", sa.Date, nullable=True),
        sa.Column("sequence", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_institutions_town", "institutions", ["town"])
    op.create_table(
        "campaigns",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("starts_on", sa.Date, nullable=False),
        sa.Column("ends_on", sa.Date, nullable=False),
        sa.Column("rounds", sa.Integer, nullable=False, server_default="0"),
        sa.Column("towns", sa.JSON, nullable=False),
        sa.Column("departments", sa.JSON, nullable=False),
        sa.Column("launched_by", sa.String(200), nullable=False),
        sa.Column("launched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("correlation_id", sa.String(128), nullable=True),
    )
    create_bus_tables(op)
    create_idempotency_table(op)


def downgrade() -> None:
    op.drop_table("idempotency_keys")
    drop_bus_tables(op)
    op.drop_table("campaigns")
    op.drop_index("ix_institutions_town", table_name="institutions")
    op.drop_table("institutions")
