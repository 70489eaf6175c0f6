"""Applying events to the projections, many at a time: the consumer's transaction (up to its batch of
deliveries) or a rebuild's chunk of thousands of archived events.

One batch reads the rows its events touch (one SELECT per table), applies the events to them in order in
memory, by the same rules whatever the batch's size, and writes what changed back (one INSERT and one UPDATE
per table, each for many rows). The live consumer and the replay go through the same code, and whatever the
batches, they leave the same rows. Rows read are locked (FOR UPDATE on PostgreSQL): two workers handling
events of one aggregate take turns, and two inserting the same new aggregate collide on its key, the second
one's batch retried by the consumer. A rebuild (`Replay`) is alone writing: it locks nothing, COPYs its rows in,
and adds the daily counts' changes of many batches up before writing them.

Besides the projections, a batch keeps the whole country's figures by day (`daily_counts`): each aggregate's
share of a figure is worked out from its rows before and after the batch, and the difference is added.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from psycopg import sql as psql
from sqlalchemy import event as sa_event
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from services.reporting.adapters.orm import (
    campaign_months,
    campaign_reminders,
    campaign_towns,
    campaigns,
    cases,
    clues,
    daily_counts,
    draws,
    filings,
    institution_timeline,
    institutions,
    licence_notices,
    person_days,
    reminder_towns,
    round_days,
    sanctions,
    task_departments,
    task_findings,
    task_inspectors,
    tasks,
)
from services.reporting.service_layer import daily
from services.reporting.service_layer.dates import event_day, local_day, moment
from shared.bus import Event
from shared.bus.tables import insert_for
from shared.events.registry import INSTITUTION_CHANGED

_IN_CHUNK = 5000  # keys per IN (...) list: well under a statement's parameter limit

Row = dict[str, Any]
Counts = dict[tuple[str, date, str], int]


def _columns(table: sa.Table) -> tuple[str, ...]:
    return tuple(table.c.keys())


class _Table:
    """The rows of one table a batch touches, by key: as read, and as the events leave them."""

    def __init__(self, table: sa.Table, key: str):
        self.table, self.key = table, key
        self.held: dict[str, Row] = {}  # as read from the database
        self.rows: dict[str, Row] = {}  # as the batch leaves them (held ones copied on first change)
        self.dirty: set[str] = set()

    def get(self, key: str) -> Row | None:
        return self.rows.get(key, self.held.get(key))

    def put(self, key: str, row: Row) -> None:
        self.rows[key] = row
        self.dirty.add(key)

    def changed(self, key: str) -> Row:
        """The row to change in place (a copy of the held one the first time)."""
        if key not in self.rows:
            self.rows[key] = dict(self.held[key])
        self.dirty.add(key)
        return self.rows[key]


class Batch:
    """Events applied to the projections together, in the order given; `replay`: a rebuild's, alone writing the
    projections meanwhile."""

    def __init__(self, session: Session, events: Sequence[Event], replay: Replay | None = None):
        self.session, self.events, self.replay = session, events, replay
        self.exclusive = replay is not None
        dialect = session.connection().dialect.name
        self.locking = dialect == "postgresql"
        self.copying = self.locking and self.exclusive  # new rows go in through COPY
        self.upsert = insert_for(dialect)
        self.institutions = _Table(institutions, "institution_id")
        self.campaigns = _Table(campaigns, "campaign_id")
        self.draws = _Table(draws, "draw_id")
        self.tasks = _Table(tasks, "task_id")
        self.cases = _Table(cases, "case_id")
        self.clues = _Table(clues, "clue_id")
        self.timeline: dict[str, dict[int, Row]] = {}  # institution -> sequence -> row (held and new)
        self.new_timeline: list[Row] = []
        self.first_filing: dict[str, date | None] = {}
        self.first_filing_held: dict[str, date | None] = {}
        self.once: dict[str, set[tuple]] = defaultdict(set)  # table -> keys held or added (rows kept once)
        self.new_once: dict[str, list[Row]] = defaultdict(list)
        self.crew: dict[str, tuple[list[Row], list[Row], list[Row]]] = {}  # task -> inspectors, departments, findings
        self.crew_held: dict[str, list[Row]] = defaultdict(list)  # task -> inspectors as read

    # ---- reading what the batch touches ----------------------------------------------------------------

    def _select(self, table: sa.Table, column: str, keys: Iterable, lock: bool = True) -> list[Row]:
        keys = sorted(set(keys))
        found: list[Row] = []
        for start in range(0, len(keys), _IN_CHUNK):
            query = sa.select(table).where(self._among(table.c[column], keys[start:start + _IN_CHUNK]))
            if lock and self.locking and not self.exclusive:  # no other writer to wait for in a rebuild
                query = query.order_by(*table.primary_key.columns).with_for_update()
            found += [dict(row) for row in self.session.execute(query).mappings()]
        return found

    def _load(self, held: _Table, keys: Iterable[str]) -> None:
        for row in self._select(held.table, held.key, keys):
            held.held[row[held.key]] = row

    def read(self) -> None:
        """Read (and lock) every row the batch's events may change."""
        wanted: dict[str, set] = defaultdict(set)
        for event in self.events:
            data = event.data
            for name in _READS.get(event.type, ()):
                wanted[name].add(data[_KEY_FIELD[name]] if name != "sanction" else event.id)
        self._load(self.institutions, wanted["institution"])
        for row in self._select(institution_timeline, "institution_id", wanted["institution"], lock=False):
            self.timeline.setdefault(row["institution_id"], {})[row["sequence"]] = row
        query = sa.select(filings.c.institution_id, sa.func.min(filings.c.published_on)).group_by(
            filings.c.institution_id)
        ids = sorted(wanted["institution"])
        for start in range(0, len(ids), _IN_CHUNK):
            for institution_id, first in self.session.execute(
                    query.where(self._among(filings.c.institution_id, ids[start:start + _IN_CHUNK]))):
                self.first_filing_held[institution_id] = first
        self.first_filing = dict(self.first_filing_held)
        for row in self._select(filings, "filing_id", wanted["filing"], lock=False):
            self.once["filings"].add((row["filing_id"],))
        for row in self._select(licence_notices, "institution_id", wanted["notice"], lock=False):
            self.once["licence_notices"].add((row["institution_id"], row["kind"], row["valid_until"]))
        self._load(self.campaigns, wanted["campaign"])
        for row in self._select(campaign_reminders, "campaign_id", wanted["reminder"], lock=False):
            self.once["campaign_reminders"].add((row["campaign_id"], row["holiday"], row["remind_on"]))
        self._load(self.draws, wanted["draw"])
        self._load(self.tasks, wanted["task"])
        for row in self._select(task_inspectors, "task_id", wanted["task"], lock=False):
            self.crew_held[row["task_id"]].append(row)
        self._load(self.cases, wanted["case"])
        for row in self._select(sanctions, "event_id", wanted["sanction"], lock=False):
            self.once["sanctions"].add((row["event_id"],))
        self._load(self.clues, wanted["clue"])

    # ---- applying ----------------------------------------------------------------------------------------

    def apply(self) -> None:
        """Apply each event to the rows, in order."""
        for event in self.events:
            _APPLY[event.type](self, event)

    def insert_once(self, table: sa.Table, row: Row, keys: tuple[str, ...]) -> bool:
        """Add a row unless one with the same key is held or added (a repeated event changes nothing)."""
        key = tuple(row[name] for name in keys)
        if key in self.once[table.name]:
            return False
        self.once[table.name].add(key)
        self.new_once[table.name].append(row)
        return True

    def keep_newest(self, held: _Table, key: str, row: Row, sequence: int | None,
                    fill_in: tuple[str, ...] = ()) -> str:
        """Hold an aggregate's row at the newest state its events told (shared.replica's rule): 'inserted',
        'updated', 'filled' (older news filling columns still empty) or 'stale'."""
        current = held.get(key)
        values = {**row, "sequence": sequence or 0}
        if current is None:
            held.put(key, {**dict.fromkeys(_columns(held.table)), held.key: key, **values})
            return "inserted"
        if (sequence or 0) > current["sequence"]:
            held.changed(key).update(values)
            return "updated"
        gaps = {name: row[name] for name in fill_in if current[name] is None and row.get(name) is not None}
        if gaps:
            held.changed(key).update(gaps)
            return "filled"
        return "stale"

    # ---- writing -----------------------------------------------------------------------------------------

    def _among(self, column: sa.Column, keys: list) -> sa.ColumnElement[bool]:
        """`column` is one of the keys: one array parameter on PostgreSQL, an IN list elsewhere."""
        if self.locking:
            return column == sa.any_(sa.bindparam(None, keys, type_=ARRAY(column.type)))
        return column.in_(keys)

    def _source(self, table: sa.Table, rows: list[Row]):
        """The rows as what an INSERT takes: on PostgreSQL a SELECT unnesting one array per column (one statement,
        one parameter a column, whatever the number of rows); elsewhere, the rows for an executemany."""
        names = list(rows[0])
        return sa.select(*(sa.func.unnest(sa.bindparam(None, [row[name] for row in rows],
                                                       type_=ARRAY(table.c[name].type))).label(name)
                           for name in names)), names

    def _copy(self, table: str, names: list[str], rows: list[Row]) -> None:
        """Write the rows into a table with COPY (psycopg's copy API: one statement, the values formatted by its
        dumpers, where an array parameter is formatted element by element in Python)."""
        cursor = self.session.connection().connection.driver_connection.cursor()
        with cursor, cursor.copy(psql.SQL("COPY {} ({}) FROM STDIN").format(
                psql.Identifier(table), psql.SQL(", ").join(map(psql.Identifier, names)))) as copy:
            for row in rows:
                copy.write_row([row[name] for name in names])

    def _staged(self, table: sa.Table, rows: list[Row]):
        """In a rebuild, the rows COPYed into a temporary table of the table's shape: what an INSERT selects."""
        stage = f"replay_{table.name}"
        if stage not in self.replay.staged:
            self.session.execute(sa.text(f"CREATE TEMPORARY TABLE {stage} (LIKE {table.name}) ON COMMIT DROP"))
            self.replay.staged.add(stage)
        else:
            self.session.execute(sa.text(f"TRUNCATE {stage}"))
        names = list(rows[0])
        self._copy(stage, names, rows)
        return sa.select(*(sa.column(name) for name in names)).select_from(sa.table(stage)), names

    def _many(self, statement, rows: list[Row], returning: tuple[str, ...] = ()) -> list[Row]:
        """Execute an INSERT (maybe ON CONFLICT) of many rows; the `returning` columns of the rows written."""
        if not rows:
            return []
        table = statement.table
        if returning:
            statement = statement.returning(*(table.c[name] for name in returning))
        # an array of JSON values would be read as a deeper array: the few campaign rows go one by one
        if self.locking and not any(isinstance(column.type, sa.JSON) for column in table.c):
            source, names = self._staged(table, rows) if self.copying else self._source(table, rows)
            result = self.session.execute(statement.from_select(names, source))
        else:
            result = self.session.execute(statement, rows)
        return [dict(row) for row in result.mappings()] if returning else []

    def _insert(self, table: sa.Table, rows: list[Row], *, once: Sequence[str] = ()) -> None:
        if self.copying and rows and not any(isinstance(column.type, sa.JSON) for column in table.c):
            # a rebuild knows every row there is (it read them, and no one else writes): no key can collide
            self._copy(table.name, list(rows[0]), rows)
            return
        statement = self.upsert(table) if self.locking else table.insert()
        if once:  # another worker may have kept the same row meanwhile
            statement = self.upsert(table).on_conflict_do_nothing(index_elements=list(once))
        self._many(statement, rows)

    def _write_rows(self, held: _Table) -> None:
        inserts, updates = [], []
        for key in sorted(held.dirty):
            row = held.rows[key]
            if key in held.held:
                if row != held.held[key]:
                    updates.append(row)
            else:
                inserts.append(row)
        # new rows go in as new: another worker's row of the same key makes the batch fail and be retried
        self._insert(held.table, inserts)
        if updates:  # rows read and locked by this batch: written over whole, many to a statement
            table = held.table
            statement = self.upsert(table)
            statement = statement.on_conflict_do_update(index_elements=[held.key], set_={
                column.name: statement.excluded[column.name] for column in table.c if column.name != held.key})
            self._many(statement, updates)

    def write(self) -> None:
        """Write every changed row, then add the figures' changes."""
        for held in (self.institutions, self.campaigns, self.draws, self.tasks, self.cases, self.clues):
            self._write_rows(held)
        self._insert(institution_timeline, self.new_timeline, once=("institution_id", "sequence"))
        for table, keys in ((filings, ("filing_id",)), (licence_notices, ("institution_id", "kind", "valid_until")),
                            (campaign_reminders, ("campaign_id", "holiday", "remind_on")), (sanctions, ("event_id",))):
            self._insert(table, self.new_once[table.name], once=keys)
        self._write_towns()
        replaced = sorted(self.crew)
        kept = [task_id for task_id in replaced if task_id in self.tasks.held]  # only those have rows to replace
        for table in (task_inspectors, task_departments, task_findings):
            for start in range(0, len(kept), _IN_CHUNK):
                self.session.execute(sa.delete(table).where(self._among(table.c.task_id,
                                                                        kept[start:start + _IN_CHUNK])))
        for number, table in enumerate((task_inspectors, task_departments, task_findings)):
            self._insert(table, [row for task_id in replaced for row in self.crew[task_id][number]])
        counts: Counts = defaultdict(int)
        self._institution_figures(counts)
        self._row_figures(counts)
        self._person_times(counts)
        activity = self._rounds(counts)
        kept: Counts = defaultdict(int)
        for (figure, day, key), n in counts.items():
            if n:
                for level in daily.levels(figure, day, key):  # by day, by month and for all time
                    kept[level] += n
        for (campaign, round_, day), n in activity.items():  # a round's visits and draws by month
            kept["round_activity@m", day.replace(day=1), f"{campaign}\t{round_}"] += n
        if self.replay is not None:  # a rebuild adds its figures up over many batches before writing them
            self.replay.count(kept)
        else:
            self.write_counts(kept)

    def _write_towns(self) -> None:
        """A row a town for each campaign written (its towns replaced) and each new holiday reminder."""
        held = self.campaigns
        written = [key for key in sorted(held.dirty) if held.rows[key] != held.held.get(key)]
        replaced = [key for key in written if key in held.held]
        if replaced:
            self.session.execute(sa.delete(campaign_towns).where(self._among(campaign_towns.c.campaign_id, replaced)))
        self._insert(campaign_towns, [
            {"town": town, "campaign_id": key, "starts_on": held.rows[key]["starts_on"],
             "ends_on": held.rows[key]["ends_on"]} for key in written for town in sorted(set(held.rows[key]["towns"]))])
        self._insert(reminder_towns, [
            {"town": town, "remind_on": row["remind_on"], "campaign_id": row["campaign_id"], "holiday": row["holiday"]}
            for row in self.new_once["campaign_reminders"] for town in sorted(set(row["towns"]))],
            once=("town", "remind_on", "campaign_id", "holiday"))

    def write_counts(self, kept: Counts) -> None:
        """Add the figures' changes to the daily counts, and the campaigns' to their months."""
        after = self._add(daily_counts, ("figure", "day", "key"), [
            {"figure": figure, "day": day, "key": key, "n": n} for (figure, day, key), n in sorted(kept.items())
            if n])
        self._write_campaign_months(kept, after)

    def _write_campaign_months(self, kept: Counts, after: list[Row]) -> None:
        """The same changes by campaign and month (`campaign_months`): its figures' month and all-time changes added
        up; a round's bit set while its month's activity counter (as `after` holds it, once changed) is above 0."""
        changed: dict[tuple[date, str, int], Row] = {}
        cleared: dict[tuple[date, str, int], int] = defaultdict(int)

        def row(month: date, campaign: str, word: int) -> Row:
            return changed.setdefault((month, campaign, word), {
                "month": month, "campaign_id": campaign, "word": word, **dict.fromkeys(daily.CAMPAIGN_FIGURES, 0),
                "active": 0})

        for (figure, day, key), n in kept.items():
            name, _, level = figure.partition("@")
            if n and level and name in daily.CAMPAIGN_FIGURES:
                row(day, key, 0)[name] += n
        for counter in after:
            if counter["figure"] == "round_activity@m":
                campaign, round_ = counter["key"].split("\t")
                word, bit = divmod(int(round_) - 1, daily.MASK_ROUNDS)
                if counter["n"] > 0:
                    row(counter["day"], campaign, word)["active"] |= 1 << bit
                else:
                    cleared[counter["day"], campaign, word] |= 1 << bit
        if changed:
            table = campaign_months
            statement = self.upsert(table)
            statement = statement.on_conflict_do_update(index_elements=["month", "campaign_id", "word"], set_={
                **{name: table.c[name] + statement.excluded[name] for name in daily.CAMPAIGN_FIGURES},
                "active": table.c.active.op("|")(statement.excluded.active)})
            self._many(statement, [changed[key] for key in sorted(changed)])
        if cleared:  # rounds no longer active in a month (a visit moved or taken back): rare
            c = campaign_months.c
            self.session.execute(
                sa.update(campaign_months).where(c.month == sa.bindparam("at_month"),
                                                 c.campaign_id == sa.bindparam("at_campaign"),
                                                 c.word == sa.bindparam("at_word"))
                .values(active=c.active.op("&")(sa.bindparam("kept_bits", type_=sa.BigInteger))),
                [{"at_month": month, "at_campaign": campaign, "at_word": word, "kept_bits": ~bits}
                 for (month, campaign, word), bits in sorted(cleared.items())])

    def _add(self, table: sa.Table, keys: tuple[str, ...], rows: list[Row]) -> list[Row]:
        """Add each row's `n` to the counter of its key (made at `n` when absent); the counters after, by key."""
        if not rows:
            return []
        statement = self.upsert(table)
        statement = statement.on_conflict_do_update(index_elements=list(keys),
                                                    set_={"n": table.c.n + statement.excluded.n})
        return self._many(statement, rows, returning=(*keys, "n"))

    # ---- the whole country's figures ----------------------------------------------------------------------

    def _institution_figures(self, counts: Counts) -> None:
        added: dict[str, set[int]] = defaultdict(set)
        for row in self.new_timeline:
            added[row["institution_id"]].add(row["sequence"])
        filed = {key for key, first in self.first_filing.items() if first != self.first_filing_held.get(key)}
        for institution_id in sorted(set(added) | filed):
            rows = self.timeline.get(institution_id, {})
            held = {sequence: row for sequence, row in rows.items() if sequence not in added[institution_id]}
            for sign, timeline, first in ((-1, held, self.first_filing_held.get(institution_id)),
                                          (1, rows, self.first_filing.get(institution_id))):
                for figure, day, key, n in _institution_share(timeline, first):
                    counts[figure, day, key] += sign * n

    def _row_figures(self, counts: Counts) -> None:
        for held, share in ((self.tasks, _task_share), (self.cases, _case_share), (self.clues, _clue_share)):
            for key in held.dirty:
                for sign, row in ((-1, held.held.get(key)), (1, held.rows[key])):
                    if row is not None:
                        for figure, day, what, n in share(row):
                            counts[figure, day, what] += sign * n
        for row in self.new_once["sanctions"]:
            counts["sanctions", row["decided_on"], row["kind"]] += 1
            counts["fines_fen", row["decided_on"], row["kind"]] += row["amount_fen"] or 0
        for row in self.new_once["licence_notices"]:
            counts["licence_reminders", row["noticed_on"], ""] += 1
        for row in self.new_once["campaign_reminders"]:
            counts["reminders", row["remind_on"], row["campaign_id"]] += 1

    def _person_times(self, counts: Counts) -> None:
        duty: dict[tuple, int] = defaultdict(int)
        for task_id, (inspectors, _, _) in self.crew.items():
            for sign, rows in ((-1, self.crew_held.get(task_id, ())), (1, inspectors)):
                for row in rows:
                    duty[row["campaign_id"], row["inspector_id"], row["inspected_on"]] += sign
        added = self._add(person_days, ("campaign_id", "inspector_id", "day"), [
            {"campaign_id": c, "inspector_id": i, "day": d, "n": n} for (c, i, d), n in sorted(duty.items()) if n])
        for row in added:  # a person-time begins when a day's first visit comes, ends when its last goes
            before, after = row["n"] - duty[row["campaign_id"], row["inspector_id"], row["day"]], row["n"]
            counts["person_times", row["day"], row["campaign_id"]] += (after > 0) - (before > 0)

    def _rounds(self, counts: Counts) -> dict[tuple[str, int, date], int]:
        """Count each round from its first day; returns the change of each (campaign, round, day)'s activity."""
        held: dict[tuple, int] = defaultdict(int)
        for key in self.tasks.dirty:
            for sign, row in ((-1, self.tasks.held.get(key)), (1, self.tasks.rows[key])):
                if row is not None and row["round"] is not None:
                    held[row["campaign_id"], row["round"], row["inspected_on"]] += sign
        for key in self.draws.dirty:
            for sign, row in ((-1, self.draws.held.get(key)), (1, self.draws.rows[key])):
                if row is not None:
                    held[row["campaign_id"], row["round"], row["drawn_on"]] += sign
        held = {key: n for key, n in held.items() if n}
        if not held:
            return held
        groups = sorted({(campaign, round_) for campaign, round_, _ in held})
        if self.locking and not self.exclusive:  # workers changing one round's days take turns (no row to lock)
            for campaign, round_ in groups:
                self.session.execute(sa.select(sa.func.pg_advisory_xact_lock(
                    sa.func.hashtext(f"reporting.round_days:{campaign}:{round_}"))))
        before = self._first_days(groups)
        added = self._add(round_days, ("campaign_id", "round", "day"), [
            {"campaign_id": c, "round": r, "day": d, "n": n} for (c, r, d), n in sorted(held.items())])
        moved: dict[tuple[str, int], list[tuple[date, bool]]] = defaultdict(list)  # days begun (True) or ended
        for row in added:
            now, was = row["n"] > 0, row["n"] - held[row["campaign_id"], row["round"], row["day"]] > 0
            if now != was:
                moved[row["campaign_id"], row["round"]].append((row["day"], now))
        if moved:
            after = self._first_days_after(before, moved)
            for group in moved:  # a round counts as held from its first day
                for sign, first in ((-1, before.get(group)), (1, after.get(group))):
                    if first is not None:
                        counts["rounds", first, group[0]] += sign
        return held

    def _first_days(self, groups: list[tuple[str, int]]) -> dict[tuple[str, int], date]:
        """The first day each (campaign, round) was held (drawn or visited), as the table holds it now; a rebuild
        remembers them (nothing else changes the table meanwhile)."""
        if self.replay is None:
            return self._read_first_days(groups)
        known = self.replay.first_days
        missing = [group for group in groups if group not in known]
        found = self._read_first_days(missing)
        known.update((group, found.get(group)) for group in missing)
        return {group: known[group] for group in groups if known[group] is not None}

    def _first_days_after(self, before: dict[tuple[str, int], date],
                          moved: dict[tuple[str, int], list[tuple[date, bool]]]) -> dict[tuple[str, int], date]:
        """The first days of the rounds whose days began or ended in this batch, once its changes are written: in a
        rebuild, where days only began, the earliest of those and the first day before; otherwise read again."""
        if self.replay is None:
            return self._read_first_days(sorted(moved))
        known, again = self.replay.first_days, []
        for group, changes in moved.items():
            if all(begun for _, begun in changes):
                first = min(day for day, _ in changes)
                known[group] = first if before.get(group) is None else min(before[group], first)
            else:  # a day ended: the table says which is first now
                again.append(group)
        found = self._read_first_days(sorted(again))
        known.update((group, found.get(group)) for group in again)
        return {group: known[group] for group in moved if known[group] is not None}

    def _read_first_days(self, groups: list[tuple[str, int]]) -> dict[tuple[str, int], date]:
        r = round_days.c
        wanted, found = set(groups), {}
        campaign_ids = sorted({campaign for campaign, _ in groups})
        for start in range(0, len(campaign_ids), _IN_CHUNK):
            for campaign, round_, first in self.session.execute(
                    sa.select(r.campaign_id, r.round, sa.func.min(r.day)).where(
                        r.n > 0, self._among(r.campaign_id, campaign_ids[start:start + _IN_CHUNK]))
                    .group_by(r.campaign_id, r.round)):
                if (campaign, round_) in wanted:
                    found[campaign, round_] = first
        return found


# ---- each figure's share of one aggregate ----------------------------------------------------------------

def _institution_share(timeline: dict[int, Row], first_filing: date | None) -> list[tuple[str, date, str, int]]:
    """What one institution adds to the figures: its state from each day it changed (and out of the one before),
    its registration as stock (*before*), its ban, its first filing."""
    share: list[tuple[str, date, str, int]] = []
    rows = sorted(timeline.values(), key=lambda row: (row["occurred_on"], row["sequence"]))
    newest_of_day = [row for number, row in enumerate(rows)
                     if number + 1 == len(rows) or rows[number + 1]["occurred_on"] != row["occurred_on"]]
    previous = None
    for row in newest_of_day:
        state = f"{row['category']}\t{row['state']}"
        if state != previous:
            share.append(("state", row["occurred_on"], state, 1))
            if previous is not None:
                share.append(("state", row["occurred_on"], previous, -1))
        previous = state
    for row in rows:
        if row["registered"] and row["state"] == "stock" and row["category"] == "discipline":
            share.append(("before", row["occurred_on"], "", 1))
        if not row["registered"] and row["state"] == "banned":  # banned is final: at most one per institution
            share.append(("banned", row["occurred_on"], "", 1))
    if first_filing is not None:
        share.append(("filed", first_filing, "", 1))
    return share


def _task_share(row: Row) -> list[tuple[str, date, str, int]]:
    return [("inspections", row["inspected_on"], row["campaign_id"], 1), ("outcomes", row["inspected_on"],
                                                                          row["outcome"], 1)]


def _case_share(row: Row) -> list[tuple[str, date, str, int]]:
    share = []
    if row["opened_on"] is not None:
        share.append(("cases_opened", row["opened_on"], "", 1))
    if row["punished_on"] is not None:
        share.append(("cases_punished", row["punished_on"], "", 1))
    return share


def _clue_share(row: Row) -> list[tuple[str, date, str, int]]:
    """A complaint's share: received, closed, settled (on time or not), overdue; and, settled and overdue both,
    its earlier day keyed by its later one (so a period holding both days counts it once as handled)."""
    share = []
    for figure, day in (("complaints_received", row["received_on"]), ("complaints_closed", row["closed_on"]),
                        ("complaints_settled", row["settled_on"]), ("complaints_overdue", row["overdue_on"])):
        if day is not None:
            share.append((figure, day, "", 1))
    if row["settled_on"] is not None and row["on_time"] is True:
        share.append(("complaints_on_time", row["settled_on"], "", 1))
    if row["settled_on"] is not None and row["overdue_on"] is not None:
        first, last = sorted((row["settled_on"], row["overdue_on"]))
        share.append(("complaints_settled_and_overdue", first, last.isoformat(), 1))
    return share


# ---- each event type's rules -------------------------------------------------------------------------------

def _reached(batch: Batch, event: Event, *, state: str, registered: bool) -> None:
    data = event.data
    institution_id, sequence = data["institution_id"], event.sequence or 0
    timeline = batch.timeline.setdefault(institution_id, {})
    if sequence not in timeline:
        row = {"institution_id": institution_id, "sequence": sequence,
               "occurred_on": event_day(event, "occurred_on"), "division_code": data["division_code"],
               "town": data["town"], "category": data["category"], "state": state, "registered": registered}
        timeline[sequence] = row
        batch.new_timeline.append(row)
    row = {"name": data["name"], "division_code": data["division_code"], "town": data["town"],
           "category": data["category"], "state": state}
    if registered:
        row.update(registered_state=state, address=data["address"])
    batch.keep_newest(batch.institutions, institution_id, row, event.sequence, fill_in=("registered_state", "address"))


def institution_registered(batch: Batch, event: Event) -> None:
    """An institution entered the books: it counts from its registration day (in *before* if it was stock)."""
    _reached(batch, event, state=event.data["state"], registered=True)


def institution_changed(batch: Batch, event: Event) -> None:
    """An institution reached a state on the day the event says (licensed, banned, converted, ...)."""
    _reached(batch, event, state=event.data["to_state"], registered=False)


def filing_published(batch: Batch, event: Event) -> None:
    """A filing went on the public board: the institution counts as filed from its first filing's day."""
    data = event.data
    day = event_day(event)
    if batch.insert_once(filings, {"filing_id": data["filing_id"], "institution_id": data["institution_id"],
                                   "published_on": day}, ("filing_id",)):
        first = batch.first_filing.get(data["institution_id"])
        batch.first_filing[data["institution_id"]] = day if first is None else min(first, day)


def licence_expiring(batch: Batch, event: Event) -> None:
    """A licence reminder went out: one notice per institution, licence half and expiry date."""
    data = event.data
    batch.insert_once(licence_notices, {
        "institution_id": data["institution_id"], "kind": data["kind"], "valid_until": event_day(event, "valid_until"),
        "town": data["town"], "noticed_on": event_day(event)}, ("institution_id", "kind", "valid_until"))


def campaign_launched(batch: Batch, event: Event) -> None:
    """A campaign was launched: figures are reported per campaign, with its planned rounds."""
    data = event.data
    batch.keep_newest(batch.campaigns, data["campaign_id"], {
        "name": data["name"], "kind": data["kind"], "starts_on": event_day(event, "starts_on"),
        "ends_on": event_day(event, "ends_on"), "rounds": data["rounds"], "towns": list(data["towns"]),
        "departments": list(data["departments"])}, event.sequence)


def reminder_issued(batch: Batch, event: Event) -> None:
    """A holiday reminder went out in a campaign's towns."""
    data = event.data
    batch.insert_once(campaign_reminders, {
        "campaign_id": data["campaign_id"], "holiday": data["holiday"], "remind_on": event_day(event, "remind_on"),
        "towns": list(data["towns"])}, ("campaign_id", "holiday", "remind_on"))


def draw_published(batch: Batch, event: Event) -> None:
    """A draw of a campaign's round was published: the round is held on the day it was drawn (when the event says,
    else the day it was published), its targets and teams counted."""
    data = event.data
    batch.keep_newest(batch.draws, data["draw_id"], {
        "campaign_id": data["campaign_id"], "round": data["round"], "target_count": data["target_count"],
        "team_count": data["team_count"], "drawn_on": event_day(event, "drawn_at")}, event.sequence)


def task_completed(batch: Batch, event: Event) -> None:
    """A visit was completed: one inspection, and a person-time for each inspector's day in its campaign."""
    data = event.data
    task_id = data["task_id"]
    inspected_on = event_day(event, "inspected_on")
    kept = batch.keep_newest(batch.tasks, task_id, {
        "campaign_id": data["campaign_id"], "round": data["round"], "institution_id": data["institution_id"],
        "town": data["town"], "clue_id": data["clue_id"], "inspected_on": inspected_on, "outcome": data["outcome"],
    }, event.sequence)
    if kept in ("stale", "filled"):
        return
    # a newer record of the visit replaces who went, which departments took part and what was found
    batch.crew[task_id] = (
        [{"task_id": task_id, "inspector_id": inspector, "campaign_id": data["campaign_id"],
          "inspected_on": inspected_on, "town": data["town"]} for inspector in sorted(set(data["inspector_ids"]))],
        [{"task_id": task_id, "department": department} for department in sorted(set(data["departments"]))],
        # a field the contract added later: absent in older events
        [{"task_id": task_id, "code": code} for code in sorted(set(data.get("findings") or ()))])


def _case(batch: Batch, event: Event, own: Row) -> None:
    """Merge what one event of a case tells: its own fields always, the shared ones when it is the newest news."""
    data = event.data
    shared = {name: data[name] for name in ("institution_id", "subject_kind", "town", "source_task_id",
                                            "source_clue_id") if name in data}
    sequence = event.sequence or 0
    case_id = data["case_id"]
    held = batch.cases.get(case_id)
    if held is None:
        batch.cases.put(case_id, {**dict.fromkeys(_columns(cases)), "case_id": case_id, "sequence": sequence,
                                  **shared, **own})
        return
    if own.get("punished_on") and held["punished_on"] and held["punished_on"] < own["punished_on"]:
        own = {**own, "punished_on": held["punished_on"]}  # punished from the first day it was known
    values = {**own, **shared, "sequence": sequence} if sequence > held["sequence"] else own
    batch.cases.changed(case_id).update(values)


def case_opened(batch: Batch, event: Event) -> None:
    """A case was opened on the day the event says."""
    _case(batch, event, {"opened_on": event_day(event, "on")})


def case_closed(batch: Batch, event: Event) -> None:
    """A case was closed; closed as punished, it counts as punished from that day unless known earlier."""
    closed_on = event_day(event, "on")
    own = {"closed_on": closed_on, "punished": event.data["punished"]}
    if event.data["punished"]:
        own["punished_on"] = closed_on
    _case(batch, event, own)


def sanction_imposed(batch: Batch, event: Event) -> None:
    """A sanction was decided: counted by kind, and its case counts as punished from its first sanction."""
    data = event.data
    decided_on = event_day(event, "decided_on")
    batch.insert_once(sanctions, {
        "event_id": event.id, "case_id": data["case_id"], "institution_id": data["institution_id"],
        "kind": data["kind"], "amount_fen": data["amount_fen"], "decided_on": decided_on}, ("event_id",))
    # the sanction names the case's institution, not its town or source: those come with the case's own events
    case_id = data["case_id"]
    held = batch.cases.get(case_id)
    if held is None:
        batch.cases.put(case_id, {**dict.fromkeys(_columns(cases)), "case_id": case_id,
                                  "institution_id": data["institution_id"], "punished_on": decided_on, "sequence": 0})
    elif held["punished_on"] is None or decided_on < held["punished_on"]:
        batch.cases.changed(case_id)["punished_on"] = decided_on


def _clue(batch: Batch, event: Event, own: Row) -> None:
    """Merge one event's facts into its clue: its own fields always, the category when it is the newest news."""
    data = event.data
    sequence = event.sequence or 0
    clue_id = data["clue_id"]
    held = batch.clues.get(clue_id)
    if held is None:
        batch.clues.put(clue_id, {**dict.fromkeys(_columns(clues)), "clue_id": clue_id, "category": data["category"],
                                  "sequence": sequence, **own})
        return
    # the first answer or closing is when handling ended; a later one changes only its own day
    if "settled_at" in own and held["settled_at"] is not None and held["settled_at"] <= own["settled_at"]:
        own = {name: value for name, value in own.items() if name not in ("settled_at", "settled_on", "on_time")}
    values = {**own, "category": data["category"], "sequence": sequence} if sequence > held["sequence"] else own
    if values:
        batch.clues.changed(clue_id).update(values)


def clue_received(batch: Batch, event: Event) -> None:
    """A complaint came in: received on its own date, due by its deadline."""
    data = event.data
    received_at = moment(data["received_at"])
    _clue(batch, event, {"channel": data["channel"], "town": data["town"], "institution_id": data["institution_id"],
                         "received_at": received_at, "received_on": local_day(received_at),
                         "due_on": event_day(event, "due_on")})


def clue_referred(batch: Batch, event: Event) -> None:
    """A clue was referred to a department (counted by department)."""
    data = event.data
    _clue(batch, event, {"referred_on": event_day(event, "referred_on"), "department": data["department"],
                         "priority": data["priority"], "town": data["town"]})


def _settled(batch: Batch, event: Event, day_field: str) -> None:
    data = event.data
    at = moment(data["at"])
    own = {day_field: local_day(at), "settled_at": at, "settled_on": local_day(at), "on_time": data["on_time"]}
    if data.get("outcome") is not None:
        own["outcome"] = data["outcome"]
    _clue(batch, event, own)


def clue_answered(batch: Batch, event: Event) -> None:
    """The reporter was answered: handling ended then, on time or not."""
    _settled(batch, event, "answered_on")


def clue_closed(batch: Batch, event: Event) -> None:
    """The clue was closed: counted as closed, and as handled if it was not answered before."""
    _settled(batch, event, "closed_on")


def clue_overdue(batch: Batch, event: Event) -> None:
    """The clue passed its deadline unanswered: it counts in the on-time rate's denominator, not on time."""
    _clue(batch, event, {"overdue_on": event_day(event, "at")})


def clue_rated(batch: Batch, event: Event) -> None:
    """The reporter rated the answer: satisfied or not, counted on the day they rated it (the latest rating wins)."""
    _clue(batch, event, {"satisfied": event.data["satisfied"], "rated_on": event_day(event, "at")})


# Each event type any service publishes, and the rule that applies it.
_APPLY: dict[str, Callable[[Batch, Event], None]] = {
    "registry.institution.registered": institution_registered,
    **{event_type: institution_changed for event_type in INSTITUTION_CHANGED},
    "registry.filing.published": filing_published,
    "registry.licence.expiring": licence_expiring,
    "inspection.campaign.launched": campaign_launched,
    "inspection.campaign.reminder_issued": reminder_issued,
    "inspection.draw.published": draw_published,
    "inspection.task.completed": task_completed,
    "inspection.case.opened": case_opened,
    "inspection.case.closed": case_closed,
    "inspection.case.sanction_imposed": sanction_imposed,
    "complaints.clue.received": clue_received,
    "complaints.clue.referred": clue_referred,
    "complaints.clue.answered": clue_answered,
    "complaints.clue.closed": clue_closed,
    "complaints.clue.overdue": clue_overdue,
    "complaints.clue.rated": clue_rated,
}
EVENT_TYPES = tuple(_APPLY)

# Which rows each event type may change (read and locked before the batch applies), and the data field naming them.
_KEY_FIELD = {"institution": "institution_id", "filing": "filing_id", "notice": "institution_id",
              "campaign": "campaign_id", "reminder": "campaign_id", "draw": "draw_id", "task": "task_id",
              "case": "case_id", "clue": "clue_id"}
_READS: dict[str, tuple[str, ...]] = {
    "registry.institution.registered": ("institution",),
    **{event_type: ("institution",) for event_type in INSTITUTION_CHANGED},
    "registry.filing.published": ("filing", "institution"),
    "registry.licence.expiring": ("notice",),
    "inspection.campaign.launched": ("campaign",),
    "inspection.campaign.reminder_issued": ("reminder",),
    "inspection.draw.published": ("draw",),
    "inspection.task.completed": ("task",),
    "inspection.case.opened": ("case",),
    "inspection.case.closed": ("case",),
    "inspection.case.sanction_imposed": ("case", "sanction"),
    **{f"complaints.clue.{what}": ("clue",) for what in ("received", "referred", "answered", "closed", "overdue",
                                                          "rated")},
}


def apply(session: Session, events: Sequence[Event]) -> None:
    """Apply the events (of types in EVENT_TYPES) to the projections and the daily figures, in order."""
    if not events:
        return
    batch = Batch(session, events)
    batch.read()
    batch.apply()
    batch.write()


class Replay:
    """A rebuild's batches: nothing else writes the projections meanwhile, so no row is locked and no worker
    waits its turn; on PostgreSQL new rows go in with COPY. The daily counts' changes are added up in memory over
    many batches (up to `held` keys); on PostgreSQL each such sum is then COPYed, as it is, into a temporary table
    (nothing reads the daily counts during a rebuild), and `finish` adds them all up into `daily_counts` with one
    INSERT … SELECT … GROUP BY: appending rows costs PostgreSQL far less than updating the same counters again and
    again (the upsert was the rebuild's longest wait). Elsewhere each sum is upserted as the live path does."""

    STAGE = "replay_daily_changes"

    def __init__(self, session: Session, held: int = 20_000):
        self.session, self.held = session, held
        self.counts: Counts = defaultdict(int)
        self.staged: set[str] = set()  # temporary tables made in this transaction
        self.first_days: dict[tuple[str, int], date | None] = {}  # each round's first day held, as written
        self.postgresql = session.connection().dialect.name == "postgresql"

    def apply(self, events: Sequence[Event]) -> None:
        """Apply a batch of events, in order."""
        if not events:
            return
        batch = Batch(self.session, events, self)
        batch.read()
        batch.apply()
        batch.write()

    def count(self, kept: Counts) -> None:
        for key, n in kept.items():
            self.counts[key] += n
        if len(self.counts) >= self.held:
            self._flush()

    def _flush(self) -> None:
        """Set aside the daily counts' changes held so far (written at once on SQLite)."""
        counts, self.counts = self.counts, defaultdict(int)
        batch = Batch(self.session, (), self)
        if not self.postgresql:
            batch.write_counts(counts)
            return
        if self.STAGE not in self.staged:
            self.session.execute(sa.text(f"CREATE TEMPORARY TABLE {self.STAGE} (LIKE {daily_counts.name}) "
                                         "ON COMMIT DROP"))
            self.staged.add(self.STAGE)
        batch._copy(self.STAGE, ["figure", "day", "key", "n"], [
            {"figure": figure, "day": day, "key": key, "n": n} for (figure, day, key), n in counts.items() if n])

    def finish(self) -> None:
        """Write the daily counts' changes: those held, and on PostgreSQL those set aside, summed by key; then, on
        PostgreSQL, the campaigns' months from the daily counts (`campaign_months`) in one statement."""
        self._flush()
        if self.postgresql:
            self._write_daily()
            self.session.execute(campaign_months.delete())
            self.session.execute(daily.campaign_months_from_daily())

    def _write_daily(self) -> None:
        if self.STAGE not in self.staged:
            return
        d = daily_counts.c
        stage = sa.table(self.STAGE, sa.column("figure"), sa.column("day"), sa.column("key"), sa.column("n"))
        total = sa.func.sum(stage.c.n)
        summed = sa.select(stage.c.figure, stage.c.day, stage.c.key, total).group_by(
            stage.c.figure, stage.c.day, stage.c.key).having(total != 0)
        statement = insert_for("postgresql")(daily_counts).from_select(["figure", "day", "key", "n"], summed)
        self.session.execute(statement.on_conflict_do_update(index_elements=["figure", "day", "key"],
                                                             set_={"n": d.n + statement.excluded.n}))
        self.session.execute(sa.text(f"TRUNCATE {self.STAGE}"))


_PENDING = "reporting.projector.pending"


def handler(event: Event, session: Session) -> None:
    """The consumer's handler: the event joins the others of the consumer's transaction, and they are applied
    together, in the order handed over, as it commits (the rebuild's path, with the same rules).

    An error applying them fails the commit, and the consumer then retries each event in a transaction of its
    own, as it does when a handler raises: a bad event is found and dead-lettered on its own.
    """
    pending = session.info.get(_PENDING)
    if pending is None:
        pending = session.info[_PENDING] = []
        sa_event.listen(session, "before_commit", _apply_pending)
        sa_event.listen(session, "after_soft_rollback", _forget_pending)
    pending.append(event)


def _apply_pending(session: Session) -> None:
    events = session.info.get(_PENDING) or []
    session.info[_PENDING] = []
    apply(session, events)


def _forget_pending(session: Session, _transaction) -> None:
    session.info[_PENDING] = []
