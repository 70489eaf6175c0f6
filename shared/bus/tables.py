"""The bus's tables in a service's database: outbox, inbox, per-aggregate sequences and versions seen."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

OUTBOX = "bus_outbox"
INBOX = "bus_inbox"
EVENT_SEQUENCE = "bus_event_sequence"
AGGREGATE_SEEN = "bus_aggregate_seen"

# SQLite only autoincrements an INTEGER PRIMARY KEY; PostgreSQL gets a bigint identity
_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_UNSENT = sa.text("sent_at IS NULL")


def _columns() -> dict[str, list[Any]]:
    """Column and index definitions, built fresh for each table (a Column belongs to one table)."""
    return {
        OUTBOX: [
            sa.Column("id", _BIG_ID, primary_key=True, autoincrement=True),
            sa.Column("event_id", sa.String(64), nullable=False, unique=True),
            sa.Column("type", sa.String(200), nullable=False),
            sa.Column("subject", sa.String(200), nullable=False),
            sa.Column("sequence", sa.BigInteger, nullable=False),
            sa.Column("correlation_id", sa.String(128)),
            sa.Column("payload", sa.Text, nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("sent_at", sa.DateTime(timezone=True)),
            sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
            sa.Column("next_attempt_at", sa.DateTime(timezone=True)),
            sa.Column("last_error", sa.Text),
        ],
        INBOX: [
            sa.Column("event_id", sa.String(64), primary_key=True),
            sa.Column("type", sa.String(200), nullable=False),
            sa.Column("handled_at", sa.DateTime(timezone=True), nullable=False),
        ],
        EVENT_SEQUENCE: [
            sa.Column("aggregate", sa.String(300), primary_key=True),
            sa.Column("last_sequence", sa.BigInteger, nullable=False),
        ],
        AGGREGATE_SEEN: [
            sa.Column("aggregate", sa.String(300), primary_key=True),
            sa.Column("projection", sa.String(100), primary_key=True),
            sa.Column("sequence", sa.BigInteger, nullable=False),
        ],
    }


def _unsent_index(table: sa.Table) -> sa.Index:
    # the relay scans only unsent rows; a partial index keeps that cheap however many were sent
    return sa.Index("ix_bus_outbox_unsent", table.c.id, postgresql_where=_UNSENT, sqlite_where=_UNSENT)


def insert_for(dialect: str) -> Any:
    """The dialect's INSERT with ON CONFLICT (PostgreSQL, SQLite), or None where there is none."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:
        return None
    return insert


def define_bus_tables(metadata: sa.MetaData) -> dict[str, sa.Table]:
    """Add the bus's tables to a service's MetaData (idempotent) and return them by name."""
    tables = {}
    for name, columns in _columns().items():
        if name in metadata.tables:
            tables[name] = metadata.tables[name]
            continue
        tables[name] = sa.Table(name, metadata, *columns)
        if name == OUTBOX:
            _unsent_index(tables[name])
    return tables


def create_bus_tables(op: Any) -> None:
    """Create the bus's tables in an alembic migration (`op` is `alembic.op`)."""
    for name, columns in _columns().items():
        op.create_table(name, *columns)
    op.create_index("ix_bus_outbox_unsent", OUTBOX, ["id"], postgresql_where=_UNSENT, sqlite_where=_UNSENT)


def drop_bus_tables(op: Any) -> None:
    """Drop the bus's tables in an alembic downgrade."""
    op.drop_index("ix_bus_outbox_unsent", table_name=OUTBOX)
    for name in reversed(list(_columns())):
        op.drop_table(name)


# the names are fixed, so one definition serves the bus's own queries in every service's database
_BUS = define_bus_tables(sa.MetaData())
outbox_table = _BUS[OUTBOX]
inbox_table = _BUS[INBOX]
sequence_table = _BUS[EVENT_SEQUENCE]
seen_table = _BUS[AGGREGATE_SEEN]
