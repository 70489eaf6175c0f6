"""An inspector's sign-in account: the identity provider's subject (`sub`) of the person, so someone who signs in
to the console through the provider is the inspector the draw and the cases name.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("inspectors") as table:
        table.add_column(sa.Column("account", sa.String(200), nullable=True))
        table.create_unique_constraint("uq_inspectors_account", ["account"])


def downgrade() -> None:
    with op.batch_alter_table("inspectors") as table:
        table.drop_constraint("uq_inspectors_account", type_="unique")
        table.drop_column("account")
