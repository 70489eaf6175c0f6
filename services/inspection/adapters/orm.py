"""Inspection's tables: its replica of the registry's institutions, and its campaigns."""

from __future__ import annotations

import sqlalchemy as sa

from shared.audit import define_audit_table
from shared.bus.tables import define_bus_tables
from shared.idempotency import define_idempotency_table

metadata = sa.MetaData()

# Filled only from registry events: inspection never reads the registry's database.
institutions = sa.Table(
    "institutions", metadata,
    sa.Column("institution_id", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    # a lifecycle event can arrive before the registration; what only the registration carries waits
    sa.Column("credit_code", sa.String(18), nullable=True),
    sa.Column("division_code", sa.String(6), nullable=False),
    sa.Column("town", sa.String(100), nullable=False, index=True),
    sa.Column("address", sa.String(500), nullable=True),
    sa.Column("category", sa.String(20), nullable=False),
    sa.Column("subject_group", sa.String(100), nullable=True),
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("state_since", sa.Date, nullable=True),
    sa.Column("sequence", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

campaigns = sa.Table(
    "campaigns", metadata,
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

define_bus_tables(metadata)
define_idempotency_table(metadata)
define_audit_table(metadata)
