"""Reporting at national scale: replay a year of events into the projections, then time `GET /v1/summary`.

Run: `.venv/bin/python bench/reporting_replay.py [--events 1000000] [--requests 300]`
Needs PostgreSQL (`OFFCAMPUS_BENCH_DATABASE_URL`, default the local server's `offcampus_bench_reporting`
database, made if missing).

On a fresh schema: `offcampus migrate reporting`; then a national year is generated (~10^5 institutions in
3,000 counties registered, reviewed, licensed, rectified, banned, closed or converted; filings; campaigns with
draws and reminders; inspection visits of 1-3 inspectors; cases, sanctions; complaints received, referred,
answered, closed or overdue), every event of a type a service publishes, and written straight into the event
archive with COPY, then vacuumed and analysed as autovacuum leaves a live archive (neither generating nor loading
is timed). `offcampus rebuild reporting` then replays the archive into the projections in a process of its own,
with its progress bar: events/s is the archive's size over that process's wall time, and its peak RSS is read from
the kernel when it ends (`getrusage` of the children).
The replay applies 5,000 archived events to a statement batch; the baseline, measured first in the same run, applies
the archive's first `--baseline-events` one event at a time (what the live consumer does, a batch of one) in a
process of its own, rolled back: the ratio is the batching's gain. The replay's CPU time (user + system, from the
kernel) is printed beside its wall time, per event.
With that data loaded, `offcampus serve reporting` (gunicorn, 2 workers) answers `--requests` summaries, all-time
and by county, town and period, one at a time: p50 and p99 of their latency. Baselines: `GET /healthz` on the same
server (the floor of any answer), and the whole country's all-time summary counted from the projections' rows
(what the daily counts replace), timed in this process.
The load average is printed at the start and the end: on a shared machine the figures are "under load".
Ends with one JSON line: replay_events_per_s, summary_p99_ms, worker_rss_mb.
`--reuse` (for working on the summary): the data lives in the schema `reuse` of the bench database, kept after the
run; generated, loaded and replayed only when it has no replayed archive yet (or with `--replay`), else only migrated
and timed: the replay's figures are then null. The default run makes a fresh schema and drops it at the end.
Targets (issue 11): >= 5,000 events/s, p99 < 30 ms, peak RSS < 200 MB.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

from harness import ensure_database

from shared.testing.fixtures import fresh_schema
from shared.testing.processes import answers, free_port, offcampus, wait_until

LOCAL_DB = "postgresql+psycopg://postgres@127.0.0.1:5432/offcampus_bench_reporting"
TARGETS = {"replay_events_per_s": 5000.0, "summary_p99_ms": 30.0, "worker_rss_mb": 200.0}
SECRET = "bench-reporting-secret-0123456789abcdef0123456789"  # noqa: S105
HOME = ("610722", ["城关镇", "博望街道", "龙头镇"])  # the packaged county, so summaries may name it
TOWN = HOME[1][1]  # the town asked about: one the packaged county file names (城关镇 is refused, 422)
YEAR = dt.date(2021, 1, 1)
# all-time first: every len(QUERIES)-th timing is the all-time whole-country summary
QUERIES = ("", "?division_code=610722", "?town={town}", "?from=2021-07-01&to=2021-08-31", "?to=2021-06-30",
           "?division_code=610722&from=2021-01-01&to=2021-12-31")
COPY = ("COPY event_archive (event_id, type, subject, sequence, time, contracted, envelope, received_at) "
        "FROM STDIN")


def _day(rng: random.Random, after: dt.date | None = None) -> dt.date:
    start = after or YEAR
    return start + dt.timedelta(days=rng.randrange(max(1, (YEAR.replace(year=2022) - start).days)))


class Year:
    """A national year of events, made in order per aggregate with increasing sequences."""

    def __init__(self, total: int, seed: int = 7):
        self.total, self.rng, self.made = total, random.Random(seed), 0
        self.counties = [HOME] + [(f"{120000 + n:06d}", [f"镇{n}-{t}" for t in range(10)]) for n in range(2999)]
        self.clock = dt.datetime(2021, 1, 1, tzinfo=dt.UTC)

    def _envelope(self, type: str, subject: str, sequence: int, data: dict) -> tuple:
        self.made += 1
        self.clock += dt.timedelta(seconds=30)
        event_id = uuid.uuid4().hex
        time_text = self.clock.isoformat().replace("+00:00", "Z")
        envelope = {"specversion": "1.0", "id": event_id, "source": f"/offcampus/{type.split('.')[0]}",
                    "type": type, "subject": subject, "time": time_text, "datacontenttype": "application/json",
                    "correlationid": event_id, "sequence": sequence, "data": data}
        return (event_id, type, subject, sequence, self.clock, True, json.dumps(envelope, ensure_ascii=False),
                self.clock)

    def _place(self) -> tuple[str, str]:
        code, towns = self.rng.choice(self.counties)
        return code, self.rng.choice(towns)

    def institution(self, number: int):
        rng, key = self.rng, f"inst-{number}"
        code, town = self._place()
        category = "discipline" if rng.random() < 0.65 else "non_discipline"
        state = "stock" if rng.random() < 0.8 else "under_review"
        day = _day(rng)
        base = {"institution_id": key, "name": f"培训机构{number}", "division_code": code, "town": town,
                "category": category}
        yield self._envelope("registry.institution.registered", key, 1, {
            **base, "credit_code": "52610722MJ2950121R", "address": f"{town}文化路{number}号",
            "subject_group": "mathematics", "state": state, "occurred_on": day.isoformat()})
        path = (["review_started"] if state == "stock" else []) + [rng.choice(
            ["licensed", "licensed", "rectification_ordered", "banned", "closed", "converted"])]
        sequence, current = 1, "under_review" if state == "under_review" else "stock"
        for what in path:
            sequence += 1
            day = _day(rng, day)
            to_state = {"review_started": "under_review", "rectification_ordered": "rectification"}.get(what, what)
            extra = {"licensed": {"licence_valid_until": "2024-08-31"}, "banned": {"case_id": None},
                     "rectification_ordered": {"deadline": (day + dt.timedelta(days=30)).isoformat()}}.get(what, {})
            yield self._envelope(f"registry.institution.{what}", key, sequence, {
                **base, "category": "non_discipline" if what == "converted" else category, "from_state": current,
                "to_state": to_state, "occurred_on": day.isoformat(), "reason": None, **extra})
            current = to_state
        if current == "licensed" and rng.random() < 0.5:
            yield self._envelope("registry.filing.published", key, sequence + 1, {
                "institution_id": key, "filing_id": f"filing-{number}", "subjects": ["数学"], "teacher_count": 3,
                "max_price_per_hour_fen": 4500, "modes": ["offline"]})

    def campaign(self, number: int):
        rng, key = self.rng, f"camp-{number}"
        code, towns = self.counties[number % len(self.counties)]
        starts = _day(rng)
        yield self._envelope("inspection.campaign.launched", key, 1, {
            "campaign_id": key, "name": f"专项行动{number}", "kind": rng.choice(["routine", "holiday", "special"]),
            "starts_on": starts.isoformat(), "ends_on": (starts + dt.timedelta(days=50)).isoformat(), "rounds": 6,
            "towns": towns[:3], "departments": ["education", "fire"]})
        yield self._envelope("inspection.campaign.reminder_issued", key, 2, {
            "campaign_id": key, "holiday": "劳动节", "remind_on": starts.isoformat(), "towns": towns[:3]})
        for round_ in range(1, 7):
            yield self._envelope("inspection.draw.published", f"draw-{number}-{round_}", 1, {
                "draw_id": f"draw-{number}-{round_}", "campaign_id": key, "round": round_, "seed": "7f3a9c2e",
                "target_count": 8, "team_count": 4})

    def visit(self, number: int, campaigns: int):
        rng = self.rng
        code, town = self._place()
        outcome = rng.choices(["compliant", "rectification_ordered", "violation"], [8, 1, 1])[0]
        yield self._envelope("inspection.task.completed", f"task-{number}", 1, {
            "task_id": f"task-{number}", "campaign_id": f"camp-{rng.randrange(campaigns)}", "round": rng.randint(1, 6),
            "institution_id": f"inst-{rng.randrange(max(1, self.total // 10))}", "town": town, "clue_id": None,
            "inspected_on": _day(rng).isoformat(), "inspector_ids": [f"insp-{rng.randrange(30000)}"
                                                                   for _ in range(rng.randint(1, 3))],
            "departments": ["education"], "outcome": outcome})
        if outcome == "violation":
            case, opened = f"case-{number}", _day(rng)
            common = {"case_id": case, "institution_id": None, "subject_kind": "address", "town": town,
                      "source_task_id": f"task-{number}", "source_clue_id": None}
            yield self._envelope("inspection.case.opened", case, 1, {**common, "on": opened.isoformat()})
            yield self._envelope("inspection.case.sanction_imposed", case, 2, {
                "case_id": case, "institution_id": None, "kind": "fine", "amount_fen": 500000, "deadline": None,
                "decided_on": _day(rng, opened).isoformat()})
            yield self._envelope("inspection.case.closed", case, 3, {**common, "on": _day(rng, opened).isoformat(),
                                                                      "punished": True})

    def complaint(self, number: int):
        rng, key = self.rng, f"clue-{number}"
        code, town = self._place()
        received = dt.datetime.combine(_day(rng), dt.time(10), tzinfo=dt.timezone(dt.timedelta(hours=8)))
        category = rng.choice(["hidden_tutoring", "holiday_tutoring", "excessive_fees", "refund_dispute"])
        yield self._envelope("complaints.clue.received", key, 1, {
            "clue_id": key, "category": category, "channel": "hotline", "town": town, "institution_id": None,
            "received_at": received.isoformat(), "due_on": (received.date() + dt.timedelta(days=14)).isoformat()})
        yield self._envelope("complaints.clue.referred", key, 2, {
            "clue_id": key, "category": category, "institution_id": None, "place": None, "town": town,
            "department": "education", "priority": "normal", "due_on": (received.date() + dt.timedelta(days=7))
            .isoformat()})
        what = rng.choices(["answered", "closed", "overdue"], [5, 4, 1])[0]
        yield self._envelope(f"complaints.clue.{what}", key, 3, {
            "clue_id": key, "category": category, "outcome": None if what == "overdue" else "substantiated",
            "on_time": what != "overdue", "at": (received + dt.timedelta(days=rng.randint(1, 20))).isoformat()})

    def __iter__(self):
        campaigns = max(1, self.total // 500)
        for number in range(campaigns):
            yield from self.campaign(number)
        mix = [self.institution, self.visit, self.complaint]
        counters = [0, 0, 0]
        while self.made < self.total:
            kind = self.rng.choices(range(3), [3, 4, 3])[0]
            counters[kind] += 1
            made = mix[kind](counters[kind], campaigns) if kind == 1 else mix[kind](counters[kind])
            for row in made:
                yield row
                if self.made >= self.total:
                    return


def load(database_url: str, total: int) -> int:
    """Write the year into the archive with COPY; returns the events written."""
    import sqlalchemy as sa

    engine = sa.create_engine(database_url)
    written = 0
    connection = engine.raw_connection()
    try:
        with connection.cursor() as cursor, cursor.copy(COPY) as copy:
            for row in Year(total):
                copy.write_row(row)
                written += 1
        connection.commit()
    finally:
        connection.close()
        engine.dispose()
    settle(database_url)
    return written


def settle(database_url: str) -> None:
    """Leave the freshly COPYed archive as a year of the consumer's writes would have left it: vacuumed (its rows'
    visibility known) and analysed (statistics for the planner), which autovacuum does to a live archive long
    before anyone rebuilds. Otherwise the rebuild's first read of each row writes its page again, and it is timed."""
    import sqlalchemy as sa

    engine = sa.create_engine(database_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("VACUUM (ANALYZE) event_archive"))
    finally:
        engine.dispose()


def percentile(values: list[float], share: float) -> float:
    """The value below which `share` of them fall (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def time_summaries(base: str, count: int) -> list[float]:
    """Milliseconds per `GET /v1/summary`, cycling through all-time, county, town and period queries."""
    from shared.auth import mint_token
    from shared.config import Settings

    token = mint_token(Settings(jwt_secret=SECRET), sub="bench", dept="education", roles=["leader"])
    town = urllib.parse.quote(TOWN)
    queries = [query.format(town=town) for query in QUERIES]
    timings = []
    for number in range(count):
        request = urllib.request.Request(f"{base}/v1/summary{queries[number % len(queries)]}",  # noqa: S310
                                         headers={"Authorization": f"Bearer {token}"})
        started = time.perf_counter()
        with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310 (loopback only)
            answer.read()
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def one_at_a_time(database_url: str, count: int) -> None:
    """The baseline (run as `--one-at-a-time N` in a process of its own): the archive's first N events applied one
    event to a batch, as the live consumer does, then rolled back; prints the events/s."""
    import sqlalchemy as sa
    from sqlalchemy.orm import Session

    from services.reporting.adapters.orm import event_archive
    from services.reporting.service_layer import projector
    from shared.bus import Event
    from shared.db import make_engine

    engine = make_engine(database_url)
    a = event_archive.c
    with Session(engine) as session, session.begin():
        events = [Event.from_json(text) for text in session.scalars(
            sa.select(sa.cast(a.envelope, sa.Text)).where(a.type.in_(projector.EVENT_TYPES)).order_by(a.position)
            .limit(count))]
        started = time.perf_counter()
        for event in events:
            projector.apply(session, [event])
        seconds = time.perf_counter() - started
        session.rollback()
    engine.dispose()
    print(json.dumps({"events": len(events), "seconds": seconds}))


def time_scan_summary(database_url: str, count: int) -> list[float]:
    """Milliseconds per whole-country all-time summary counted from the projections' rows (the old way)."""
    from sqlalchemy.orm import Session

    from services.reporting.domain.figures import Scope
    from services.reporting.service_layer import summary
    from shared.db import make_engine

    engine = make_engine(database_url)
    timings = []
    with Session(engine) as session:
        for _ in range(count):
            started = time.perf_counter()
            summary.summary(session, Scope(scan=True))
            timings.append((time.perf_counter() - started) * 1000)
    engine.dispose()
    return timings


def count_statements(database_url: str) -> list[tuple[str, int, int]]:
    """Statements and rows fetched per kind of summary question (load-independent), through reporting's app in
    this process: (query, statements, rows)."""
    from sqlalchemy import event

    from services.reporting.bootstrap import SERVICE
    from shared.app import create_app
    from shared.auth import mint_token
    from shared.config import Settings
    from shared.db import Database

    settings = Settings(env="test", jwt_secret=SECRET, log_level="WARNING")
    database = Database(database_url, pool_size=1)
    client = create_app(SERVICE, settings=settings, database=database, testing=True).test_client()
    headers = {"Authorization": f"Bearer {mint_token(settings, sub='bench', dept='education', roles=['leader'])}"}
    seen = {"statements": 0, "rows": 0}

    def counted(conn, cursor, statement, parameters, context, executemany) -> None:
        seen["statements"] += 1
        seen["rows"] += cursor.rowcount if cursor.description is not None and cursor.rowcount > 0 else 0

    event.listen(database.engine, "after_cursor_execute", counted)
    found = []
    try:
        for query in QUERIES:
            query = query.format(town=urllib.parse.quote(TOWN))
            seen.update(statements=0, rows=0)
            assert client.get(f"/v1/summary{query}", headers=headers).status_code == 200
            found.append((query, seen["statements"], seen["rows"]))
    finally:
        database.dispose()
    return found


def time_healthz(base: str, count: int) -> list[float]:
    """Milliseconds per `GET /healthz`: the floor under any answer of the same server."""
    timings = []
    for _ in range(count):
        started = time.perf_counter()
        with urllib.request.urlopen(f"{base}/healthz", timeout=60) as answer:  # noqa: S310 (loopback only)
            answer.read()
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def generate_and_replay(url: str, env: dict, args) -> tuple[float, float]:
    """Generate and load the year (unless a kept archive has it already), time the baseline and the replay:
    (events/s, peak RSS MB)."""
    written = archived(url)[0] if args.reuse else 0
    if not written:
        started = time.perf_counter()
        written = load(url, args.events)
        print(f"generated and loaded {written:,} events into the archive, vacuumed and analysed, in "
              f"{time.perf_counter() - started:.0f} s (not timed)", flush=True)

    baseline = subprocess.run([sys.executable, __file__, "--one-at-a-time", str(args.baseline_events)], env=env,
                              check=True, capture_output=True, text=True)
    one = json.loads(baseline.stdout.strip().splitlines()[-1])
    one_rate = one["events"] / one["seconds"]
    print(f"baseline: the first {one['events']:,} events one at a time (the live consumer's batch of one): "
          f"{one_rate:,.0f} events/s", flush=True)

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    command = Path(sys.executable).with_name("offcampus")  # the CLI as an operator runs it, progress bar shown
    replay = subprocess.run([str(command), "rebuild", "reporting"], env=env, check=False)
    seconds = time.perf_counter() - started
    assert replay.returncode == 0, "the rebuild failed"
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    rss_mb = max(before.ru_maxrss, after.ru_maxrss) / 1024
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    rate = written / seconds
    print(f"replayed {written:,} events in {seconds:.1f} s: {rate:,.0f} events/s "
          f"({rate / one_rate:.1f}x the baseline), peak RSS {rss_mb:.0f} MB", flush=True)
    print(f"replay CPU time (user + system): {cpu:.1f} s, {cpu / written * 1e6:.0f} us an event; "
          f"{cpu / seconds:.0%} of its wall time (the rest waits on PostgreSQL)", flush=True)
    return rate, rss_mb


REUSED = "reuse"


@contextlib.contextmanager
def kept_schema(server_url: str):
    """A URL whose connections see the schema `reuse` (made if missing, kept at the end)."""
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA IF NOT EXISTS "{REUSED}"'))
    admin.dispose()
    yield make_url(server_url).update_query_dict({"options": f"-csearch_path={REUSED}"}).render_as_string(
        hide_password=False)


def archived(url: str) -> tuple[int, int]:
    """(events archived, campaigns in the projections) in the schema."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            archived = conn.scalar(sa.text("SELECT count(*) FROM event_archive"))
            campaigns = conn.scalar(sa.text("SELECT count(*) FROM campaigns"))
    finally:
        engine.dispose()
    return archived, campaigns


def main() -> None:
    """Generate, load, replay, time; print the figures and one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--baseline-events", type=int, default=3000)
    parser.add_argument("--one-at-a-time", type=int, default=None, help=argparse.SUPPRESS)  # the baseline's process
    parser.add_argument("--reuse", action="store_true",
                        help="keep the data in the schema 'reuse'; generate and replay only when it has none")
    parser.add_argument("--replay", action="store_true", help="with --reuse: replay the kept archive again")
    args = parser.parse_args()
    if args.one_at_a_time is not None:
        one_at_a_time(os.environ["OFFCAMPUS_REPORTING_DATABASE_URL"], args.one_at_a_time)
        return
    print(f"load average at the start: {' '.join(f'{n:.1f}' for n in os.getloadavg())} "
          f"({os.cpu_count()} CPUs)", flush=True)
    server = os.environ.get("OFFCAMPUS_BENCH_DATABASE_URL", LOCAL_DB)
    ensure_database(server)
    schema = kept_schema(server) if args.reuse else fresh_schema(server)
    rate = rss_mb = None
    with tempfile.TemporaryDirectory(prefix="offcampus-bench-reporting-") as workdir, schema as url:
        workdir = Path(workdir)
        env = {**os.environ, "OFFCAMPUS_ENV": "production", "OFFCAMPUS_JWT_SECRET": SECRET,
               "OFFCAMPUS_REPORTING_DATABASE_URL": url, "OFFCAMPUS_VAR_DIR": str(workdir / "var")}
        for name in ("OFFCAMPUS_AMQP_URL", "PROMETHEUS_MULTIPROC_DIR"):
            env.pop(name, None)
        migrate = offcampus(["migrate", "reporting"], env, workdir / "migrate.log")
        assert migrate.popen.wait(120) == 0, migrate.output()
        written, replayed = archived(url) if args.reuse else (0, 0)
        if written and replayed:
            print(f"reusing the {written:,} events replayed in the schema {REUSED!r}", flush=True)
        if not (written and replayed) or args.replay:
            rate, rss_mb = generate_and_replay(url, env, args)
        for query, statements, rows in count_statements(url):
            print(f"  /v1/summary{query or ' (all time, the whole country)'}: {statements} statements, "
                  f"{rows:,} rows fetched", flush=True)
        scan = time_scan_summary(url, 3)
        print("baseline: whole-country all-time summary counted from the rows: "
              f"median {statistics.median(scan):.0f} ms", flush=True)

        port = free_port()
        web = offcampus(["serve", "reporting", "--bind", f"127.0.0.1:{port}", "--workers", "2"], env,
                        workdir / "web.log")
        try:
            base = f"http://127.0.0.1:{port}"
            wait_until(answers(base + "/healthz"), 60, "reporting to serve", web)
            time_summaries(base, 12)  # warm the pool and the caches
            timings = time_summaries(base, args.requests)
            floor = time_healthz(base, args.requests)
        finally:
            web.stop()
    p50, p99 = statistics.median(timings), percentile(timings, 0.99)
    print(f"summary over {args.requests} requests: p50 {p50:.1f} ms, p99 {p99:.1f} ms; baseline GET /healthz "
          f"p50 {statistics.median(floor):.1f} ms, p99 {percentile(floor, 0.99):.1f} ms "
          f"(summary p99 {p99 / percentile(floor, 0.99):.1f}x); the all-time summary p50 "
          f"{statistics.median(timings[::len(QUERIES)]):.1f} ms vs {statistics.median(scan):.0f} ms counted from the "
          f"rows ({statistics.median(scan) / statistics.median(timings[::len(QUERIES)]):.0f}x)")
    for number, query in enumerate(QUERIES):  # which kind of question costs what
        mine = timings[number::len(QUERIES)]
        print(f"  /v1/summary{query or ' (all time, the whole country)'}: p50 {statistics.median(mine):.1f} ms, "
              f"p99 {percentile(mine, 0.99):.1f} ms")
    print(f"load average at the end: {' '.join(f'{n:.1f}' for n in os.getloadavg())}")
    figures = {"replay_events_per_s": None if rate is None else round(rate), "summary_p99_ms": round(p99, 1),
               "worker_rss_mb": None if rss_mb is None else round(rss_mb)}
    for name, target in TARGETS.items():
        if figures[name] is None:
            print(f"  {name}: not measured (--reuse, no replay)")
            continue
        met = figures[name] >= target if name == "replay_events_per_s" else figures[name] < target
        print(f"  {name}: {figures[name]} (target {'>=' if name == 'replay_events_per_s' else '<'} {target:g}) "
              f"{'met' if met else 'NOT met'}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
