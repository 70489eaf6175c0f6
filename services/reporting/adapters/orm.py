"""Reporting's tables: projections of other services' events, kept for counting."""

from __future__ import annotations

import sqlalchemy as sa

from shared.audit import define_audit_table
from shared.bus.tables import define_bus_tables
from shared.idempotency import define_idempotency_table

metadata = sa.MetaData()

institutions = sa.Table(
    "institutions", metadata,
    sa.Column("institution_id", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("division_code", sa.String(6), nullable=False),
    sa.Column("town", sa.String(100), nullable=False),
    sa.Column("category", sa.String(20), nullable=False),
    sa.Column("registered_state", sa.String(20), nullable=False),
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("sequence", sa.BigInteger, nullable=False, server_default="0"),
)

define_bus_tables(metadata)
define_idempotency_table(metadata)
define_audit_table(metadata)
