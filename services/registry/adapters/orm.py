"""The registry's tables."""

from __future__ import annotations

import sqlalchemy as sa

from shared.bus.tables import define_bus_tables
from shared.db import UtcDateTime
from shared.idempotency import define_idempotency_table

metadata = sa.MetaData()

institutions = sa.Table(
    "institutions", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("credit_code", sa.String(18), nullable=False, unique=True),
    sa.Column("division_code", sa.String(6), nullable=False),
    sa.Column("town", sa.String(100), nullable=False),
    sa.Column("address", sa.String(300), nullable=False),
    sa.Column("category", sa.String(20), nullable=False),
    sa.Column("subject_group", sa.String(50), nullable=False),
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("occurred_on", sa.Date, nullable=False),
    sa.Column("recorded_at", UtcDateTime, nullable=False),
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
)

define_bus_tables(metadata)
define_idempotency_table(metadata)
