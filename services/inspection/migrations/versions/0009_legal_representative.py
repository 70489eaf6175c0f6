"""A target's legal representative (法定代表人), as registry.institution.registered carries it and the public board
shows it: a person an inspector may have declared a conflict of interest with.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("institutions") as table:
        table.add_column(sa.Column("legal_representative", sa.String(100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("institutions") as table:
        table.drop_column("legal_representative")
