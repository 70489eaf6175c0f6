"""The institution names replica, the outbox and inbox, idempotency keys.

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
        "institution_names",
        sa.Column("institution_id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("name_key", sa.String(200), nullable=False),
        sa.Column("credit_code", sa.String(18), nullable=True),
        sa.Column("town", sa.String(100), nullable=False),
        sa.Column("category", sa.String(20), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("sequence", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_institution_names_name_key", "institution_names", ["name_key"])
    create_bus_tables(op)
    create_idempotency_table(op)


def downgrade() -> None:
    op.drop_table("idempotency_keys")
    drop_bus_tables(op)
    op.drop_index("ix_institution_names_name_key", table_name="institution_names")
    op.drop_table("institution_names")
