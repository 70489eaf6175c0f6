"""Reporting's tables: the archive of every event received, and the projections the figures are counted from."""

from __future__ import annotations

import sqlalchemy as sa

from shared.audit import define_audit_table
from shared.bus.tables import define_bus_tables
from shared.db import UtcDateTime
from shared.idempotency import define_idempotency_table

metadata = sa.MetaData()
# SQLite only autoincrements an INTEGER PRIMARY KEY; PostgreSQL gets a bigint
_POSITION = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_ID = 64


def _id(name: str, **options) -> sa.Column:
    return sa.Column(name, sa.String(_ID), **options)


# Every event received, once, envelope and data as they came; replayed in `position` order by a rebuild.
event_archive = sa.Table(
    "event_archive", metadata,
    sa.Column("position", _POSITION, primary_key=True, autoincrement=True),
    _id("event_id", nullable=False, unique=True),
    sa.Column("type", sa.String(200), nullable=False, index=True),
    sa.Column("subject", sa.String(200), nullable=False),
    sa.Column("sequence", sa.BigInteger),
    sa.Column("time", UtcDateTime(), nullable=False),
    sa.Column("contracted", sa.Boolean, nullable=False),
    sa.Column("envelope", sa.JSON, nullable=False),
    sa.Column("received_at", UtcDateTime(), nullable=False),
)

# The newest state of each institution (what `/v1/figures/institutions` counts).
institutions = sa.Table(
    "institutions", metadata,
    sa.Column("institution_id", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("division_code", sa.String(6), nullable=False),
    sa.Column("town", sa.String(100), nullable=False),
    sa.Column("category", sa.String(20), nullable=False),
    sa.Column("registered_state", sa.String(20), nullable=True),
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("sequence", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("address", sa.String(500), nullable=True),  # the premises (the registry's contract: never a home)
)

# Each state an institution reached, on the day it happened: states as of any day are read from here.
institution_timeline = sa.Table(
    "institution_timeline", metadata,
    _id("institution_id", primary_key=True),
    sa.Column("sequence", sa.BigInteger, primary_key=True),
    sa.Column("occurred_on", sa.Date, nullable=False, index=True),
    sa.Column("division_code", sa.String(6), nullable=False),
    sa.Column("town", sa.String(100), nullable=False),
    sa.Column("category", sa.String(20), nullable=False),
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("registered", sa.Boolean, nullable=False),
)

filings = sa.Table(
    "filings", metadata,
    _id("filing_id", primary_key=True),
    _id("institution_id", nullable=False, index=True),
    sa.Column("published_on", sa.Date, nullable=False),
)

licence_notices = sa.Table(
    "licence_notices", metadata,
    _id("institution_id", primary_key=True),
    sa.Column("kind", sa.String(40), primary_key=True),
    sa.Column("valid_until", sa.Date, primary_key=True),
    sa.Column("town", sa.String(100), nullable=False),
    sa.Column("noticed_on", sa.Date, nullable=False),
)

campaigns = sa.Table(
    "campaigns", metadata,
    _id("campaign_id", primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("starts_on", sa.Date, nullable=False),
    sa.Column("ends_on", sa.Date, nullable=False),
    sa.Column("rounds", sa.Integer, nullable=False),
    sa.Column("towns", sa.JSON, nullable=False),
    sa.Column("departments", sa.JSON, nullable=False),
    sa.Column("sequence", sa.BigInteger, nullable=False, server_default="0"),
)

campaign_reminders = sa.Table(
    "campaign_reminders", metadata,
    _id("campaign_id", primary_key=True),
    sa.Column("holiday", sa.String(100), primary_key=True),
    sa.Column("remind_on", sa.Date, primary_key=True),
    sa.Column("towns", sa.JSON, nullable=False),
)

# The towns each campaign runs in and each holiday reminder went to (the campaigns' `towns`, a row a town): what a
# county's or town's summary finds its campaigns and reminders by, instead of reading every campaign's list.
campaign_towns = sa.Table(
    "campaign_towns", metadata,
    sa.Column("town", sa.String(100), primary_key=True),
    _id("campaign_id", primary_key=True),
    sa.Column("starts_on", sa.Date, nullable=False),
    sa.Column("ends_on", sa.Date, nullable=False),
)

reminder_towns = sa.Table(
    "reminder_towns", metadata,
    sa.Column("town", sa.String(100), primary_key=True),
    sa.Column("remind_on", sa.Date, primary_key=True),
    _id("campaign_id", primary_key=True),
    sa.Column("holiday", sa.String(100), primary_key=True),
)

draws = sa.Table(
    "draws", metadata,
    _id("draw_id", primary_key=True),
    _id("campaign_id", nullable=False, index=True),
    sa.Column("round", sa.Integer, nullable=False),
    sa.Column("target_count", sa.Integer, nullable=False),
    sa.Column("team_count", sa.Integer, nullable=False),
    sa.Column("drawn_on", sa.Date, nullable=False),
    sa.Column("sequence", sa.BigInteger, nullable=False, server_default="0"),
)

tasks = sa.Table(
    "tasks", metadata,
    _id("task_id", primary_key=True),
    _id("campaign_id", nullable=False, index=True),
    sa.Column("round", sa.Integer),
    _id("institution_id"),
    sa.Column("town", sa.String(100), nullable=False),
    _id("clue_id"),
    sa.Column("inspected_on", sa.Date, nullable=False, index=True),
    sa.Column("outcome", sa.String(30), nullable=False),
    sa.Column("sequence", sa.BigInteger, nullable=False, server_default="0"),
)

# One row per inspector on a visit, with what a person-time is counted by: (campaign, inspector, day).
task_inspectors = sa.Table(
    "task_inspectors", metadata,
    _id("task_id", primary_key=True),
    _id("inspector_id", primary_key=True),
    _id("campaign_id", nullable=False),
    sa.Column("inspected_on", sa.Date, nullable=False, index=True),
    sa.Column("town", sa.String(100), nullable=False),
)

task_departments = sa.Table(
    "task_departments", metadata,
    _id("task_id", primary_key=True),
    sa.Column("department", sa.String(40), primary_key=True),
)

# The checklist items a visit found not met (`findings`, when its event carries them).
task_findings = sa.Table(
    "task_findings", metadata,
    _id("task_id", primary_key=True),
    sa.Column("code", sa.String(100), primary_key=True),
)

cases = sa.Table(
    "cases", metadata,
    _id("case_id", primary_key=True),
    _id("institution_id"),
    sa.Column("subject_kind", sa.String(20)),
    sa.Column("town", sa.String(100)),
    _id("source_task_id"),
    _id("source_clue_id"),
    sa.Column("opened_on", sa.Date, index=True),
    sa.Column("closed_on", sa.Date),
    sa.Column("punished", sa.Boolean),
    # the first day the case was known punished: its first sanction, or its closing as punished
    sa.Column("punished_on", sa.Date, index=True),
    sa.Column("sequence", sa.BigInteger, nullable=False, server_default="0"),
)

sanctions = sa.Table(
    "sanctions", metadata,
    _id("event_id", primary_key=True),
    _id("case_id", nullable=False, index=True),
    _id("institution_id"),
    sa.Column("kind", sa.String(30), nullable=False),
    sa.Column("amount_fen", sa.BigInteger),
    sa.Column("decided_on", sa.Date, nullable=False, index=True),
)

clues = sa.Table(
    "clues", metadata,
    _id("clue_id", primary_key=True),
    sa.Column("category", sa.String(40), nullable=False),
    sa.Column("channel", sa.String(40)),
    sa.Column("town", sa.String(100)),
    _id("institution_id"),
    sa.Column("received_at", UtcDateTime()),
    sa.Column("received_on", sa.Date, index=True),
    sa.Column("due_on", sa.Date),
    sa.Column("referred_on", sa.Date),
    sa.Column("department", sa.String(40)),
    sa.Column("priority", sa.String(20)),
    sa.Column("answered_on", sa.Date),
    sa.Column("closed_on", sa.Date, index=True),
    sa.Column("overdue_on", sa.Date),
    # the first answer or closing: when handling ended for the reporter, and whether by the deadline
    sa.Column("settled_at", UtcDateTime()),
    sa.Column("settled_on", sa.Date, index=True),
    sa.Column("on_time", sa.Boolean),
    sa.Column("outcome", sa.String(40)),
    sa.Column("satisfied", sa.Boolean),  # the reporter's rating of the answer, when they gave one
    sa.Column("rated_on", sa.Date),
    sa.Column("sequence", sa.BigInteger, nullable=False, server_default="0"),
)

# Pre-aggregated figures of the whole country, by the day they count on: what `/v1/summary` sums when it names
# no place, instead of counting the projections. `n` changes by +/-1 (or an amount) as events apply; `key` says
# what is counted ("discipline\tlicensed", a campaign, "campaign\toutcome", a sanction's kind, or "").
daily_counts = sa.Table(
    "daily_counts", metadata,
    sa.Column("figure", sa.String(40), primary_key=True),
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("n", sa.BigInteger, nullable=False),
)

# Each campaign's figures by month (on its first day) and for all time (on 0001-01-01), kept from the same changes as
# the daily counts (`figure@m` and `figure@a` keyed by the campaign): what the whole country's summary lists its
# campaigns from, a row a campaign and month. `active`: the rounds active in the month (visited or drawn), round r as
# bit (r - 1) % 63 of the row whose `word` is (r - 1) // 63 (the figures are kept on word 0), so the rounds held over
# several months are the bits of their masks OR-ed together.
campaign_months = sa.Table(
    "campaign_months", metadata,
    sa.Column("month", sa.Date, primary_key=True),
    _id("campaign_id", primary_key=True),
    sa.Column("word", sa.Integer, primary_key=True),
    sa.Column("rounds", sa.Integer, nullable=False, server_default="0"),
    sa.Column("inspections", sa.Integer, nullable=False, server_default="0"),
    sa.Column("person_times", sa.Integer, nullable=False, server_default="0"),
    sa.Column("reminders", sa.Integer, nullable=False, server_default="0"),
    sa.Column("active", sa.BigInteger, nullable=False, server_default="0"),
)

# How many visits put an inspector on duty in a campaign on a day: a person-time while above 0.
person_days = sa.Table(
    "person_days", metadata,
    _id("campaign_id", primary_key=True),
    _id("inspector_id", primary_key=True),
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("n", sa.Integer, nullable=False),
)

# How many visits and draws a campaign's round had on a day: the round is held that day while above 0.
round_days = sa.Table(
    "round_days", metadata,
    _id("campaign_id", primary_key=True),
    sa.Column("round", sa.Integer, primary_key=True),
    sa.Column("day", sa.Date, primary_key=True, index=True),
    sa.Column("n", sa.Integer, nullable=False),
)

# What a figure of one county or town reads: that place's rows, found through these.
PLACE_INDEXES = (
    sa.Index("ix_institution_timeline_place", institution_timeline.c.division_code, institution_timeline.c.town),
    sa.Index("ix_institution_timeline_town", institution_timeline.c.town),
    sa.Index("ix_tasks_town_day", tasks.c.town, tasks.c.inspected_on),
    sa.Index("ix_task_inspectors_town_day", task_inspectors.c.town, task_inspectors.c.inspected_on),
    sa.Index("ix_cases_town", cases.c.town),
    sa.Index("ix_clues_town", clues.c.town),
    sa.Index("ix_licence_notices_town", licence_notices.c.town),
)

# What a rebuild empties and fills again from the archive (the archive itself, the bus's and the audit's
# tables are not projections).
PROJECTIONS = (institutions, institution_timeline, filings, licence_notices, campaigns, campaign_reminders,
               campaign_towns, reminder_towns, draws, tasks, task_inspectors, task_departments, task_findings, cases,
               sanctions, clues, daily_counts, campaign_months, person_days, round_days)

# Each rebuild asked for through the API (`POST /v1/admin/rebuild`): its state and progress, written beside the
# rebuild's own transaction so that anyone can follow it; not a projection, kept across rebuilds.
rebuild_jobs = sa.Table(
    "rebuild_jobs", metadata,
    sa.Column("job_id", _POSITION, primary_key=True, autoincrement=True),
    sa.Column("state", sa.String(16), nullable=False),  # queued, running, done, failed
    sa.Column("events_done", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("events_total", sa.BigInteger, nullable=True),
    sa.Column("requested_by", sa.String(200), nullable=False),
    sa.Column("requested_at", UtcDateTime, nullable=False),
    sa.Column("started_at", UtcDateTime, nullable=True),
    sa.Column("finished_at", UtcDateTime, nullable=True),
    sa.Column("error", sa.Text, nullable=True),
)

define_bus_tables(metadata)
define_idempotency_table(metadata)
define_audit_table(metadata)
