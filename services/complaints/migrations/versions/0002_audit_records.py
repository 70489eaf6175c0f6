"""The audit trail: one record per write tried through the API (shared/audit.py).

Revision ID: 0002
Revises: 0001
"""

from alembic import op

from shared.audit import create_audit_table, drop_audit_table

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_audit_table(op)


def downgrade() -> None:
    drop_audit_table(op)
