"""Persons for conflicts of interest: a target's teachers as the public board shows them, and an inspector's
declared persons as objects with an optional certificate number (a name declared before stays a name).

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_inspectors = sa.table("inspectors", sa.column("id", sa.String), sa.column("conflict_persons", sa.JSON))


def upgrade() -> None:
    with op.batch_alter_table("target_filings") as table:
        table.add_column(sa.Column("teachers", sa.JSON, nullable=True))
    bind = op.get_bind()
    for inspector_id, persons in bind.execute(sa.select(_inspectors.c.id, _inspectors.c.conflict_persons)).all():
        if any(isinstance(p, str) for p in persons or ()):
            bind.execute(_inspectors.update().where(_inspectors.c.id == inspector_id).values(conflict_persons=[
                {"name": p, "certificate_no": None} if isinstance(p, str) else p for p in persons]))


def downgrade() -> None:
    bind = op.get_bind()
    for inspector_id, persons in bind.execute(sa.select(_inspectors.c.id, _inspectors.c.conflict_persons)).all():
        bind.execute(_inspectors.update().where(_inspectors.c.id == inspector_id).values(conflict_persons=sorted(
            {p["name"] if isinstance(p, dict) else p for p in persons or ()})))
    with op.batch_alter_table("target_filings") as table:
        table.drop_column("teachers")
