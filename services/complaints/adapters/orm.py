"""Complaints' tables: clues (the reporter sealed), and its replica of institution names for matching."""

from __future__ import annotations

import sqlalchemy as sa

from shared.audit import define_audit_table
from shared.bus.tables import define_bus_tables
from shared.db import UtcDateTime
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
    # the registration's address, and the name's matching keys (domain.matching), for suggestions at triage
    sa.Column("address", sa.String(500), nullable=True),
    sa.Column("address_key", sa.String(500), nullable=True),
    sa.Column("name_core", sa.String(200), nullable=True),
    sa.Column("name_pinyin", sa.String(1000), nullable=True),
    # the replica's revision when the row last changed (replica_revisions): a process holding the names in
    # memory reads only the rows changed since the newest revision it holds
    sa.Column("revision", sa.BigInteger, nullable=False, server_default="0", index=True),
)

# One counter per replica, taken (row-locked, +1) by every change: revisions are handed out in commit order.
replica_revisions = sa.Table(
    "replica_revisions", metadata,
    sa.Column("replica", sa.String(50), primary_key=True),
    sa.Column("revision", sa.BigInteger, nullable=False),
)

# A clue. Nothing a reporter could be found by is stored in clear: name, phone, email and the description as
# written are in `sealed` (adapters/vault.py); `description_public` has phone and ID numbers masked.
clues = sa.Table(
    "clues", metadata,
    sa.Column("id", sa.String(26), primary_key=True),
    sa.Column("status", sa.String(20), nullable=False, index=True),
    sa.Column("category", sa.String(30), nullable=False, index=True),
    sa.Column("channel", sa.String(30), nullable=False),
    sa.Column("description_public", sa.Text, nullable=False),
    sa.Column("sealed", sa.LargeBinary, nullable=True),  # null once erased
    sa.Column("token_digest", sa.String(64), nullable=False, unique=True),
    sa.Column("address", sa.String(500), nullable=True),
    sa.Column("lat", sa.Float, nullable=True),
    sa.Column("long", sa.Float, nullable=True),
    sa.Column("town", sa.String(100), nullable=True),
    sa.Column("media_url", sa.String(2000), nullable=True),
    sa.Column("attributes", sa.JSON, nullable=False),
    sa.Column("correlation_id", sa.String(100), nullable=True),
    sa.Column("department", sa.String(30), nullable=True),
    sa.Column("due_on", sa.Date, nullable=True),
    sa.Column("status_note", sa.Text, nullable=True),
    sa.Column("received_at", UtcDateTime(), nullable=False, index=True),
    sa.Column("recorded_at", UtcDateTime(), nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
    # a paper register's or another system's reference: a second import of it changes nothing
    sa.Column("external_ref", sa.String(100), nullable=True),
    sa.Column("due_provisional", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("institution_id", sa.String(64), nullable=True, index=True),
    sa.Column("priority", sa.String(10), nullable=True),
    sa.Column("duplicate_of", sa.String(26), nullable=True),
    sa.Column("outcome", sa.String(30), nullable=True),
    sa.Column("answered_at", UtcDateTime(), nullable=True),
    sa.Column("triaged_at", UtcDateTime(), nullable=True),
    sa.Column("referred_at", UtcDateTime(), nullable=True),
    sa.Column("closed_at", UtcDateTime(), nullable=True),
    sa.Column("overdue_at", UtcDateTime(), nullable=True),  # when complaints.clue.overdue was published
    sa.Column("satisfied", sa.Boolean, nullable=True),
    sa.Column("rating_note", sa.Text, nullable=True),  # phone and ID numbers masked, as in the description
    sa.UniqueConstraint("external_ref", name="uq_clues_external_ref"),
)

# Every time someone read a reporter's details: who, when, which clue.
reporter_views = sa.Table(
    "reporter_views", metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("clue_id", sa.String(26), nullable=False, index=True),
    sa.Column("viewer", sa.String(200), nullable=False),
    sa.Column("viewed_at", UtcDateTime(), nullable=False),
)

# A clue's history: each step of its handling, who took it and when; a referral says why.
clue_steps = sa.Table(
    "clue_steps", metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("clue_id", sa.String(26), nullable=False, index=True),
    sa.Column("action", sa.String(20), nullable=False),  # triaged | referred | answered | closed
    sa.Column("at", UtcDateTime(), nullable=False),
    sa.Column("by", sa.String(200), nullable=True),  # the desk's subject; none for an inspection's answer
    sa.Column("reason", sa.Text, nullable=True),
)

# What a reporter is owed a message about; who they are and how to reach them stay sealed in the clue.
notifications = sa.Table(
    "notifications", metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("clue_id", sa.String(26), nullable=False, index=True),
    sa.Column("kind", sa.String(20), nullable=False),  # answered | closed
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("sent_at", UtcDateTime(), nullable=True),
    sa.Column("outcome", sa.String(30), nullable=True),  # email | sms | not_wanted (no consent or no contact)
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("last_error", sa.Text, nullable=True),
)

define_bus_tables(metadata)
define_idempotency_table(metadata)
define_audit_table(metadata)
