"""Complaints' tables: its replica of institution names, for matching what reporters write."""

from __future__ import annotations

import sqlalchemy as sa

from shared.audit import define_audit_table
from shared.bus.tables import define_bus_tables
from shared.idempotency import define_idempotency_table

metadata = sa.MetaData()

# Filled only from registry events: complaints never reads the registry's database.
institution_names = sa.Table(
    "institution_names", metadata,
    sa.Column("institution_id", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    # the name folded by `domain.name_key`, so a search ignores width, case, spaces and punctuation
    sa.Column("name_key", sa.String(200), nullable=False, index=True),
    sa.Column("credit_code", sa.String(18), nullable=True),  # only the registration carries it
    sa.Column("town", sa.String(100), nullable=False),
    sa.Column("category", sa.String(20), nullable=False),
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("sequence", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

define_bus_tables(metadata)
define_idempotency_table(metadata)
define_audit_table(metadata)
