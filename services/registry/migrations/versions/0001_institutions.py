"""Institutions with their history, licences and reminders; notices; ban sanctions; outbox, inbox, idempotency.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from shared.bus.tables import create_bus_tables, drop_bus_tables
from shared.db import UtcDateTime
from shared.idempotency import create_idempotency_table

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
CURRENT = sa.text("superseded_at IS NULL")


def _institution_fk(nullable=False):
    return sa.Column("institution_id", sa.Integer, sa.ForeignKey("institutions.id", ondelete="CASCADE"),
                     nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "institutions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("credit_code", sa.String(18), nullable=False, unique=True),
        sa.Column("division_code", sa.String(6), nullable=False),
        sa.Column("town", sa.String(100), nullable=False),
        sa.Column("address", sa.String(300), nullable=False),
        sa.Column("category", sa.String(20), nullable=False),
        sa.Column("subject_group", sa.String(100), nullable=False),
        sa.Column("audience", sa.JSON, nullable=True),
        sa.Column("contact_phone", sa.String(30), nullable=True),
        sa.Column("legal_representative", sa.String(100), nullable=True),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("state_since", sa.Date, nullable=False),
        sa.Column("state_reason", sa.Text, nullable=True),
        sa.Column("occurred_on", sa.Date, nullable=False),
        sa.Column("recorded_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.Column("registered_state", sa.String(20), nullable=False),
        sa.Column("registered_category", sa.String(20), nullable=False),
        sa.Column("rectification_deadline", sa.Date, nullable=True),
        sa.Column("rectification_overdue_flagged", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("ban_case_id", sa.String(64), nullable=True),
    )
    for column in ("town", "category", "state"):
        op.create_index(f"ix_institutions_{column}", "institutions", [column])

    op.create_table(
        "institution_history",
        sa.Column("id", ROW_ID, primary_key=True, autoincrement=True),
        _institution_fk(),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("from_state", sa.String(20), nullable=True),
        sa.Column("to_state", sa.String(20), nullable=False),
        sa.Column("occurred_on", sa.Date, nullable=False),
        sa.Column("recorded_at", UtcDateTime, nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("case_id", sa.String(64), nullable=True),
        sa.Column("deadline", sa.Date, nullable=True),
        sa.UniqueConstraint("institution_id", "position", name="uq_institution_history_position"),
    )
    op.create_index("ix_institution_history_institution_id", "institution_history", ["institution_id"])

    op.create_table(
        "licences",
        sa.Column("id", ROW_ID, primary_key=True, autoincrement=True),
        _institution_fk(),
        sa.Column("school_number", sa.String(100), nullable=False),
        sa.Column("school_issued_on", sa.Date, nullable=False),
        sa.Column("school_valid_until", sa.Date, nullable=False),
        sa.Column("registration_kind", sa.String(30), nullable=False),
        sa.Column("registration_number", sa.String(100), nullable=False),
        sa.Column("registration_issued_on", sa.Date, nullable=False),
        sa.Column("registration_valid_until", sa.Date, nullable=False),
        sa.Column("recorded_at", UtcDateTime, nullable=False),
        sa.Column("superseded_at", UtcDateTime, nullable=True),
    )
    op.create_index("ix_licences_institution_id", "licences", ["institution_id"])
    op.create_index("uq_licences_current", "licences", ["institution_id"], unique=True,
                    postgresql_where=CURRENT, sqlite_where=CURRENT)

    op.create_table(
        "licence_reminders",
        sa.Column("institution_id", sa.Integer, sa.ForeignKey("institutions.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("kind", sa.String(30), primary_key=True),
        sa.Column("valid_until", sa.Date, nullable=False),
        sa.Column("reminded_at", UtcDateTime, nullable=False),
    )

    op.create_table(
        "notices",
        sa.Column("id", ROW_ID, primary_key=True, autoincrement=True),
        _institution_fk(),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("campaign_id", sa.String(64), nullable=False),
        sa.Column("holiday", sa.String(100), nullable=False),
        sa.Column("remind_on", sa.Date, nullable=False),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("recorded_at", UtcDateTime, nullable=False),
        sa.UniqueConstraint("institution_id", "kind", "campaign_id", "remind_on", "holiday", name="uq_notices_once"),
    )
    op.create_index("ix_notices_institution_id", "notices", ["institution_id"])

    op.create_table(
        "ban_sanctions",
        sa.Column("id", ROW_ID, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.String(64), nullable=False, unique=True),
        sa.Column("institution_ref", sa.String(64), nullable=True),
        _institution_fk(nullable=True),
        sa.Column("outcome", sa.String(30), nullable=False),
        sa.Column("decided_on", sa.Date, nullable=False),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("correlation_id", sa.String(128), nullable=True),
        sa.Column("received_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_ban_sanctions_institution_id", "ban_sanctions", ["institution_id"])
    op.create_index("ix_ban_sanctions_outcome", "ban_sanctions", ["outcome"])

    create_bus_tables(op)
    create_idempotency_table(op)


def downgrade() -> None:
    op.drop_table("idempotency_keys")
    drop_bus_tables(op)
    for table in ("ban_sanctions", "notices", "licence_reminders", "licences", "institution_history",
                  "institutions"):
        op.drop_table(table)
