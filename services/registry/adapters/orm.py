"""The registry's tables: institutions with their history and licences, notices, ban sanctions received."""

from __future__ import annotations

import sqlalchemy as sa

from shared.audit import define_audit_table
from shared.bus.tables import define_bus_tables
from shared.db import UtcDateTime
from shared.idempotency import define_idempotency_table

metadata = sa.MetaData()

# SQLite only autoincrements an INTEGER PRIMARY KEY; PostgreSQL gets a bigint
_ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_CURRENT = sa.text("superseded_at IS NULL")


def _institution_fk(nullable: bool = False) -> sa.Column:
    return sa.Column("institution_id", sa.Integer, sa.ForeignKey("institutions.id", ondelete="CASCADE"),
                     nullable=nullable, index=True)


institutions = sa.Table(
    "institutions", metadata,
    sa.Column("id", sa.Integer, primary_key=True),  # allocated before the aggregate is built (its events carry it)
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("credit_code", sa.String(18), nullable=False, unique=True),
    sa.Column("division_code", sa.String(6), nullable=False),
    sa.Column("town", sa.String(100), nullable=False, index=True),
    sa.Column("address", sa.String(300), nullable=False),
    sa.Column("category", sa.String(20), nullable=False, index=True),
    sa.Column("subject_group", sa.String(100), nullable=False),
    sa.Column("audience", sa.JSON, nullable=True),  # grade bands taught, e.g. ["primary", "junior_secondary"]
    sa.Column("contact_phone", sa.String(30), nullable=True),
    sa.Column("legal_representative", sa.String(100), nullable=True),
    sa.Column("state", sa.String(20), nullable=False, index=True),
    # when the current state was reached and why (the last step that changed the state)
    sa.Column("state_since", sa.Date, nullable=False),
    sa.Column("state_reason", sa.Text, nullable=True),
    sa.Column("occurred_on", sa.Date, nullable=False),  # when it came onto the books
    sa.Column("recorded_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    # optimistic concurrency: every change is `UPDATE ... WHERE version = :seen`; the ETag is derived from it
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    # what it was when it came onto the books: the reduction rate counts discipline institutions in `stock`
    sa.Column("registered_state", sa.String(20), nullable=False),
    sa.Column("registered_category", sa.String(20), nullable=False),
    sa.Column("rectification_deadline", sa.Date, nullable=True),
    sa.Column("rectification_overdue_flagged", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("ban_case_id", sa.String(64), nullable=True),
)
# the clerk's name search on PostgreSQL: each lowercased name's characters and pairs (migration 0006 makes the
# function; SQLite searches by LIKE alone)
sa.Index("ix_institutions_name_terms", sa.func.registry_name_terms(sa.func.lower(institutions.c.name)),
         postgresql_using="gin").ddl_if(dialect="postgresql")

institution_history = sa.Table(
    "institution_history", metadata,
    sa.Column("id", _ROW_ID, primary_key=True, autoincrement=True),
    _institution_fk(),
    sa.Column("position", sa.Integer, nullable=False),  # 0 is the registration
    sa.Column("action", sa.String(40), nullable=False),
    sa.Column("from_state", sa.String(20), nullable=True),
    sa.Column("to_state", sa.String(20), nullable=False),
    sa.Column("occurred_on", sa.Date, nullable=False),
    sa.Column("recorded_at", UtcDateTime, nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("reason", sa.Text, nullable=True),
    sa.Column("case_id", sa.String(64), nullable=True),
    sa.Column("deadline", sa.Date, nullable=True),
    sa.Column("document_number", sa.String(100), nullable=True),  # a ban decided before the platform
    sa.UniqueConstraint("institution_id", "position", name="uq_institution_history_position"),
)

# Every licence ever issued; the current one has no `superseded_at`.
licences = sa.Table(
    "licences", metadata,
    sa.Column("id", _ROW_ID, primary_key=True, autoincrement=True),
    _institution_fk(),
    sa.Column("school_number", sa.String(100), nullable=False),
    sa.Column("school_issued_on", sa.Date, nullable=False),
    sa.Column("school_valid_until", sa.Date, nullable=False),
    sa.Column("registration_kind", sa.String(30), nullable=False),
    sa.Column("registration_number", sa.String(100), nullable=False),
    sa.Column("registration_issued_on", sa.Date, nullable=False),
    sa.Column("registration_valid_until", sa.Date, nullable=False),
    sa.Column("recorded_at", UtcDateTime, nullable=False),
    sa.Column("superseded_at", UtcDateTime, nullable=True),
    sa.Index("uq_licences_current", "institution_id", unique=True, postgresql_where=_CURRENT,
             sqlite_where=_CURRENT),
)

# The expiry date each licence half was last reminded of (one reminder per half and expiry date).
licence_reminders = sa.Table(
    "licence_reminders", metadata,
    sa.Column("institution_id", sa.Integer, sa.ForeignKey("institutions.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("kind", sa.String(30), primary_key=True),
    sa.Column("valid_until", sa.Date, nullable=False),
    sa.Column("reminded_at", UtcDateTime, nullable=False),
)

# What the registry tells an institution (an institution app or an SMS gateway reads them).
notices = sa.Table(
    "notices", metadata,
    sa.Column("id", _ROW_ID, primary_key=True, autoincrement=True),
    _institution_fk(),
    sa.Column("kind", sa.String(30), nullable=False),
    sa.Column("campaign_id", sa.String(64), nullable=False),
    sa.Column("holiday", sa.String(100), nullable=False),
    sa.Column("remind_on", sa.Date, nullable=False),
    sa.Column("event_id", sa.String(64), nullable=False),
    sa.Column("recorded_at", UtcDateTime, nullable=False),
    sa.UniqueConstraint("institution_id", "kind", "campaign_id", "remind_on", "holiday", name="uq_notices_once"),
)

# Every ban sanction inspection imposed, and what the registry did with it: none is dropped, and the
# ones it could not carry out (no institution named, an unknown one, one already closed) wait for a clerk.
ban_sanctions = sa.Table(
    "ban_sanctions", metadata,
    sa.Column("id", _ROW_ID, primary_key=True, autoincrement=True),
    sa.Column("case_id", sa.String(64), nullable=False, unique=True),
    sa.Column("institution_ref", sa.String(64), nullable=True),  # the institution id as the event named it
    _institution_fk(nullable=True),  # the institution it was matched to
    sa.Column("outcome", sa.String(30), nullable=False, index=True),
    sa.Column("decided_on", sa.Date, nullable=False),
    sa.Column("event_id", sa.String(64), nullable=False),
    sa.Column("correlation_id", sa.String(128), nullable=True),
    sa.Column("received_at", UtcDateTime, nullable=False),
    sa.Column("resolved_by", sa.String(200), nullable=True),  # the clerk who banned an unmatched one by hand
    sa.Column("resolved_at", UtcDateTime, nullable=True),
)

# The last inspection inspection reported of each institution (inspection.task.completed): the board shows its day.
inspection_visits = sa.Table(
    "inspection_visits", metadata,
    sa.Column("institution_id", sa.Integer, sa.ForeignKey("institutions.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("inspected_on", sa.Date, nullable=False),
    sa.Column("outcome", sa.String(30), nullable=False),
    sa.Column("task_id", sa.String(64), nullable=False),
)

define_bus_tables(metadata)
define_idempotency_table(metadata)
define_audit_table(metadata)
