"""Matching keys for every name, and revisions so each web process keeps its names in memory.

Names the replica held before 0005 have no core, pinyin or address key (0005 added the columns and only new
events filled them): they are computed here, so triage can suggest every institution. Each change to a name
now takes the next revision (`replica_revisions`), so a process reads only the names changed since it last
looked. Works on SQLite too (batch mode).

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

from services.complaints.domain.matching import name_core, pinyin_of, simplified

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_names = sa.table("institution_names", sa.column("institution_id", sa.String), sa.column("name", sa.String),
                  sa.column("address", sa.String), sa.column("address_key", sa.String),
                  sa.column("name_core", sa.String), sa.column("name_pinyin", sa.String))


def upgrade() -> None:
    with op.batch_alter_table("institution_names") as batch:
        batch.add_column(sa.Column("revision", sa.BigInteger, nullable=False, server_default="0"))
        batch.create_index("ix_institution_names_revision", ["revision"])
    revisions = op.create_table(
        "replica_revisions",
        sa.Column("replica", sa.String(50), primary_key=True),
        sa.Column("revision", sa.BigInteger, nullable=False),
    )
    op.bulk_insert(revisions, [{"replica": "institution_names", "revision": 0}])
    _backfill_keys(op.get_bind())


def _backfill_keys(connection) -> None:
    lacking = connection.execute(sa.select(_names.c.institution_id, _names.c.name, _names.c.address).where(sa.or_(
        _names.c.name_core.is_(None), _names.c.name_pinyin.is_(None),
        sa.and_(_names.c.address.is_not(None), _names.c.address_key.is_(None))))).all()
    update = (_names.update().where(_names.c.institution_id == sa.bindparam("id"))
              .values(name_core=sa.bindparam("core"), name_pinyin=sa.bindparam("pinyin"),
                      address_key=sa.bindparam("key")))
    keys = []
    for row in lacking:
        core = name_core(row.name)
        keys.append({"id": row.institution_id, "core": core, "pinyin": pinyin_of(core),
                     "key": simplified(row.address) if row.address is not None else None})
    for start in range(0, len(keys), 1000):
        connection.execute(update, keys[start:start + 1000])


def downgrade() -> None:
    op.drop_table("replica_revisions")
    with op.batch_alter_table("institution_names") as batch:
        batch.drop_index("ix_institution_names_revision")
        batch.drop_column("revision")
