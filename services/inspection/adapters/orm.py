"""Inspection's tables: its replica of the registry's institutions (the targets), inspectors, campaigns,
rounds and draws."""

from __future__ import annotations

import sqlalchemy as sa

from shared.audit import define_audit_table
from shared.bus.tables import define_bus_tables
from shared.db import UtcDateTime
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
    sa.Column("licence_valid_until", sa.Date, nullable=True),
    sa.Column("rectification_deadline", sa.Date, nullable=True),
    sa.Column("rectification_overdue", sa.Boolean, nullable=False, server_default=sa.false()),
    # as the public board shows it (only the registration carries it); null when none was announced
    sa.Column("legal_representative", sa.String(100), nullable=True),
    sa.Column("sequence", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

# The filing summary of a target: its own row, since filings and lifecycle events number one sequence per
# institution and a late lifecycle event must not be taken for older news about the filing (or back).
target_filings = sa.Table(
    "target_filings", metadata,
    sa.Column("institution_id", sa.String(64), primary_key=True),
    sa.Column("filing_id", sa.String(64), nullable=False),
    sa.Column("subjects", sa.JSON, nullable=False),
    sa.Column("teacher_count", sa.Integer, nullable=False),
    sa.Column("max_price_per_hour_fen", sa.BigInteger, nullable=False),
    sa.Column("modes", sa.JSON, nullable=False),
    # [{name, certificate_no}] as the public board shows them; null when the event predates them
    sa.Column("teachers", sa.JSON, nullable=True),
    sa.Column("sequence", sa.BigInteger, nullable=False, server_default="0"),
)

inspectors = sa.Table(
    "inspectors", metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("external_ref", sa.String(100), nullable=True, unique=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("department", sa.String(40), nullable=False, index=True),
    sa.Column("certificate_no", sa.String(100), nullable=False),
    sa.Column("towns", sa.JSON, nullable=False),
    sa.Column("days_away", sa.JSON, nullable=False),  # ISO dates
    sa.Column("conflict_institutions", sa.JSON, nullable=False),
    sa.Column("conflict_persons", sa.JSON, nullable=False),  # [{name, certificate_no}]
    sa.Column("created_at", UtcDateTime, nullable=False),
    # the identity provider's subject (`sub`) of the person: who signs in to the console as this inspector
    sa.Column("account", sa.String(200), nullable=True),
    sa.UniqueConstraint("account", name="uq_inspectors_account"),
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
    sa.Column("external_ref", sa.String(100), nullable=True, unique=True),
    sa.Column("checklist", sa.JSON, nullable=True),
    # a holiday campaign reminds the towns' institutions once, on the last working day before the holiday
    sa.Column("holiday", sa.String(100), nullable=True),
    sa.Column("remind_on", sa.Date, nullable=True),
    sa.Column("reminded_at", UtcDateTime, nullable=True),
)

rounds = sa.Table(
    "rounds", metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("campaign_id", sa.String(64), sa.ForeignKey("campaigns.id"), nullable=False),
    sa.Column("number", sa.Integer, nullable=False),
    sa.Column("days", sa.JSON, nullable=False),  # ISO dates, in order
    sa.Column("teams_per_day", sa.Integer, nullable=False),
    sa.Column("team_size", sa.Integer, nullable=False),
    sa.Column("target_count", sa.Integer, nullable=True),
    sa.Column("tier_percent", sa.JSON, nullable=True),
    sa.Column("team_departments", sa.JSON, nullable=False),
    # committed when the round is scheduled: only its hash is shown until the round's last day has passed
    sa.Column("seed", sa.String(64), nullable=False),
    sa.Column("seed_sha256", sa.String(64), nullable=False),
    sa.Column("scheduled_by", sa.String(200), nullable=False),
    sa.Column("scheduled_at", UtcDateTime, nullable=False),
    sa.UniqueConstraint("campaign_id", "number", name="uq_rounds_campaign_number"),
)

draws = sa.Table(
    "draws", metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("round_id", sa.String(64), sa.ForeignKey("rounds.id"), nullable=False, index=True),
    sa.Column("algorithm", sa.String(40), nullable=False),
    sa.Column("seed", sa.String(64), nullable=False),
    sa.Column("seed_sha256", sa.String(64), nullable=False),
    sa.Column("inputs", sa.Text, nullable=False),  # canonical JSON (docs/draw.md), hashed as written
    sa.Column("inputs_sha256", sa.String(64), nullable=False),
    sa.Column("result", sa.Text, nullable=False),
    sa.Column("result_sha256", sa.String(64), nullable=False),
    sa.Column("target_count", sa.Integer, nullable=False),
    sa.Column("team_count", sa.Integer, nullable=False),
    sa.Column("reason", sa.String(2000), nullable=True),  # why a redraw replaced the draw before it
    sa.Column("superseded_by", sa.String(64), nullable=True),
    sa.Column("drawn_by", sa.String(200), nullable=False),
    sa.Column("drawn_at", UtcDateTime, nullable=False),
    sa.Column("published_at", UtcDateTime, nullable=True),  # the event, after the last day
)

# One visit to one site: drawn (a team's target), from a complaint clue, or a follow-up of an overdue rectification.
tasks = sa.Table(
    "tasks", metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("source_key", sa.String(200), nullable=False, unique=True),  # one task per draw target, clue, deadline
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("campaign_id", sa.String(64), nullable=True, index=True),  # known for drawn tasks, else on completion
    sa.Column("round", sa.Integer, nullable=True),
    sa.Column("draw_id", sa.String(64), nullable=True, index=True),
    sa.Column("institution_id", sa.String(64), nullable=True, index=True),
    sa.Column("town", sa.String(100), nullable=False),
    sa.Column("place", sa.String(500), nullable=True),
    sa.Column("clue_id", sa.String(64), nullable=True),
    sa.Column("department", sa.String(40), nullable=True),
    sa.Column("priority", sa.String(20), nullable=True),
    sa.Column("due_on", sa.Date, nullable=True),
    sa.Column("planned_on", sa.Date, nullable=True),
    sa.Column("team", sa.JSON, nullable=False),  # inspector ids
    sa.Column("status", sa.String(20), nullable=False),  # open, completed, cancelled (its draw was replaced)
    sa.Column("inspected_on", sa.Date, nullable=True),
    sa.Column("inspectors_present", sa.JSON, nullable=True),
    sa.Column("checklist_answers", sa.JSON, nullable=True),
    sa.Column("findings", sa.JSON, nullable=True),
    sa.Column("evidence", sa.JSON, nullable=True),
    sa.Column("outcome", sa.String(30), nullable=True),
    sa.Column("completed_by", sa.String(200), nullable=True),
    sa.Column("completed_at", UtcDateTime, nullable=True),
    sa.Column("correlation_id", sa.String(128), nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
)

# A case against an institution, a person or an address; the person's name and the address stay here, private.
cases = sa.Table(
    "cases", metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("external_ref", sa.String(100), nullable=True, unique=True),
    sa.Column("subject_kind", sa.String(20), nullable=False),
    sa.Column("institution_id", sa.String(64), nullable=True, index=True),
    sa.Column("person_name", sa.String(100), nullable=True),
    sa.Column("address", sa.String(500), nullable=True),
    sa.Column("town", sa.String(100), nullable=False),
    sa.Column("summary", sa.String(2000), nullable=False),  # what was found, published: no personal data
    sa.Column("source_task_id", sa.String(64), nullable=True),
    sa.Column("source_clue_id", sa.String(64), nullable=True),
    sa.Column("opened_on", sa.Date, nullable=False),
    sa.Column("closed_on", sa.Date, nullable=True),
    sa.Column("decision", sa.String(2000), nullable=True),
    sa.Column("opened_by", sa.String(200), nullable=False),
    sa.Column("correlation_id", sa.String(128), nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
)

sanctions = sa.Table(
    "sanctions", metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("case_id", sa.String(64), sa.ForeignKey("cases.id"), nullable=False, index=True),
    sa.Column("kind", sa.String(30), nullable=False),
    sa.Column("amount_fen", sa.BigInteger, nullable=True),
    sa.Column("deadline", sa.Date, nullable=True),
    sa.Column("decided_on", sa.Date, nullable=False),
    sa.Column("decided_by", sa.String(200), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
)

# Who works on a case: a supervisor assigns one or more cases to one or more inspectors at once.
case_assignments = sa.Table(
    "case_assignments", metadata,
    sa.Column("case_id", sa.String(64), sa.ForeignKey("cases.id"), primary_key=True),
    sa.Column("inspector_id", sa.String(64), sa.ForeignKey("inspectors.id"), primary_key=True, index=True),
    sa.Column("assigned_by", sa.String(200), nullable=False),
    sa.Column("assigned_at", UtcDateTime, nullable=False),
)

define_bus_tables(metadata)
define_idempotency_table(metadata)
define_audit_table(metadata)
