"""A rehearsed campaign peak: fill reporting's queue with a peak's events, time the drain by 1, 2 and 4 workers.

Run: `.venv/bin/python bench/campaign_peak.py [--events 8000] [--rounds 5]` with the local PostgreSQL and
RabbitMQ (OFFCAMPUS_BENCH_DATABASE_URL's server, OFFCAMPUS_BENCH_AMQP_URL). Reporting is the service every
event reaches (each type feeds a projection, and everything is archived), so its worker is the one a peak loads
most.

Each drain publishes --events fresh events (task completions, referrals, filings, in the mix of a campaign
week) to the events exchange while no worker runs, then starts N real `offcampus worker reporting` processes
and times the events settled (bus_inbox rows) from the moment all N are subscribed to the last one, so process
start-up is not counted. A warm-up drain (not counted) comes first; then --rounds rounds, each draining with
1, 2 and 4 workers (the order reversed every other round, so a drift of the machine weighs on every count
alike), each drain starting from tables at rest (VACUUM ANALYZE, what autovacuum leaves; this machine's server
runs without it). The figures are each count's median over the rounds, with their spread. Every run has a
database of its own, dropped at the end, so two runs at once (make bench in two checkouts) do not drop each
other's. Workers are CPU-bound on this machine's 2 cores, shared with the broker and PostgreSQL
(docs/operations.md: what that predicts).

KEDA's threshold (keda_queue_length): the backlog one worker clears in DRAIN_TARGET_S seconds at the median
one-worker rate, rounded down to the 1-2.5-5 series (..., 10000, 25000, 50000, ...): its steps are a factor
2 to 2.5 apart, wider than the one-worker rate's spread between quiet runs (docs/operations.md, "The KEDA
threshold"); the bench says whether its own slowest and fastest rounds round to the same step. The last line
is one JSON object; keda_threshold_in_manifest is what deploy/kubernetes/base/*/keda.yaml say.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

import sqlalchemy as sa
import yaml
from sqlalchemy.engine import make_url

from shared.bus.amqp import connect, message_of, queue_counts
from shared.bus.envelope import new_event, new_ulid
from shared.events import contract_for

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
AMQP_URL = os.environ.get("OFFCAMPUS_BENCH_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//")
SERVER_URL = os.environ.get("OFFCAMPUS_BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
# A campaign week: inspectors finish tasks, the complaints desk refers clues, institutions file.
MIX = {"inspection.task.completed": 6, "complaints.clue.referred": 2, "registry.filing.published": 2}
INSTITUTIONS = 800  # a county's licensed institutions, about
DRAIN_TARGET_S = 30  # a backlog of one worker's 30 seconds is worth a second worker (KEDA polls every 15 s)
WORKER_COUNTS = (1, 2, 4)
WARM_UP_EVENTS = 2000  # one worker's first seconds: imports done, statements prepared, tables no longer empty


def _database(name: str, drop: bool = False) -> str:
    """This run's own database for reporting (`drop`: remove it instead)."""
    admin = sa.create_engine(SERVER_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        if not drop:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(SERVER_URL).set(database=name).render_as_string(hide_password=False)


def _at_rest(engine: sa.Engine) -> None:
    """Vacuum and analyse every table, so each drain starts from the same state whatever autovacuum does."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM (ANALYZE)"))


def _env(db_url: str, namespace: str) -> dict[str, str]:
    env = {**os.environ, "OFFCAMPUS_ENV": "production", "OFFCAMPUS_JWT_SECRET": "bench-" + "0" * 40,
           "OFFCAMPUS_AMQP_URL": AMQP_URL, "OFFCAMPUS_BUS_NAMESPACE": namespace,
           "OFFCAMPUS_REPORTING_DATABASE_URL": db_url, "OFFCAMPUS_LOG_LEVEL": "INFO",
           "OFFCAMPUS_LOG_FORMAT": "json"}  # INFO: one bus.handled line per batch, how many events it held
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    return env


def _bodies(count: int) -> list[tuple[str, str, bytes]]:
    """(id, type, body) of `count` valid events in the campaign mix: each a contract's example with its own task,
    clue and filing, about one of INSTITUTIONS institutions (distinct rows, as a real peak touches)."""
    kinds = itertools.islice(itertools.cycle(itertools.chain.from_iterable([t] * n for t, n in MIX.items())), count)
    institutions = [new_ulid() for _ in range(INSTITUTIONS)]
    events = []
    for number, kind in enumerate(kinds):
        data = dict(contract_for(kind).example)
        data.update({key: new_ulid() for key in ("task_id", "clue_id", "filing_id") if data.get(key)})
        if data.get("institution_id"):
            data["institution_id"] = institutions[number % INSTITUTIONS]
        events.append(new_event(kind, data=data))
    return [(e.id, e.type, e.to_json().encode()) for e in events]


def _publish(namespace: str, events: list[tuple[str, str, bytes]]) -> None:
    conn = connect(AMQP_URL)
    try:
        channel = conn.channel()
        channel.confirm_select()
        for event_id, event_type, body in events:
            channel.basic_publish_confirm(message_of(body, {"message_id": event_id, "type": event_type}, {}),
                                          exchange=f"{namespace}.events", routing_key=event_type)
    finally:
        conn.close()


def _settled(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM bus_inbox")).scalar_one()


def _workers(count: int, env: dict[str, str], logs: Path) -> list[subprocess.Popen]:
    return [subprocess.Popen([str(BIN / "offcampus"), "worker", "reporting"], env=env, start_new_session=True,
                             stdout=(logs / f"worker-{count}-{i}.log").open("wb"), stderr=subprocess.STDOUT)
            for i in range(count)]


def _stop(workers: list[subprocess.Popen]) -> None:
    for worker in workers:
        worker.terminate()
    for worker in workers:
        try:
            worker.wait(30)
        except subprocess.TimeoutExpired:
            worker.kill()


def _usage(pid: int) -> tuple[int, float]:
    """(resident set in kB, CPU seconds so far) of a process, from /proc."""
    status = Path(f"/proc/{pid}/status").read_text()
    rss = int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:")))
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return rss, (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _queue_state(channel, queue: str) -> tuple[int, int]:
    """(messages ready, consumers) of `queue`."""
    declared = channel.queue_declare(queue, passive=True)
    return declared.message_count, declared.consumer_count


def drain(count: int, events: int, namespace: str, env: dict[str, str], engine: sa.Engine, logs: Path
          ) -> tuple[float, float]:
    """(events/s, worker CPU ms an event) of N workers settling a standing backlog, timed once all N are
    subscribed (start-up excluded)."""
    queue = f"{namespace}.reporting"
    before = _settled(engine)
    _publish(namespace, _bodies(events))
    workers = _workers(count, env, logs)
    admin = connect(AMQP_URL)
    try:
        channel = admin.channel()
        deadline = time.monotonic() + 600
        while _queue_state(channel, queue)[1] < count:
            if time.monotonic() > deadline or any(w.poll() is not None for w in workers):
                raise SystemExit(f"{count} worker(s) did not all subscribe; see {logs}")
            time.sleep(0.02)
        started, settled_then = time.monotonic(), _settled(engine) - before
        cpu_then = sum(_usage(w.pid)[1] for w in workers)
        if events - settled_then < events // 2:
            raise SystemExit(f"half the backlog went before the {count} workers were all up: raise --events")
        peak_rss = 0
        # the broker's count while messages wait (counting the inbox costs PostgreSQL more as it grows), the
        # inbox's for the last batches in hand
        while _queue_state(channel, queue)[0] > 0 or _settled(engine) - before < events:
            if time.monotonic() > deadline:
                raise SystemExit(f"{count} worker(s) did not drain {events} events; see {logs}")
            peak_rss = max(peak_rss, *(_usage(w.pid)[0] for w in workers))
            time.sleep(0.05)
        elapsed = time.monotonic() - started
        cpu = sum(_usage(w.pid)[1] for w in workers) - cpu_then
    finally:
        admin.close()
        _stop(workers)
    rate = (events - settled_then) / elapsed
    batches = _batches(count, logs)
    print(f"  {count} worker(s): {rate:6.0f} events/s, {cpu / count / elapsed:.2f} core a worker, "
          f"{cpu / (events - settled_then) * 1000:.2f} ms CPU an event, {len(batches)} batches of "
          f"{statistics.mean(batches or [0]):.1f} events, peak RSS {peak_rss / 1024:.0f} MB a worker "
          f"(load average {os.getloadavg()[0]:.1f})", flush=True)
    return rate, cpu / (events - settled_then) * 1000


def _batches(count: int, logs: Path) -> list[int]:
    """The events of each batch N workers committed, from their bus.handled lines (start-up's included)."""
    sizes = []
    for index in range(count):
        for line in (logs / f"worker-{count}-{index}.log").read_text(errors="replace").splitlines():
            if '"bus.handled"' in line:
                sizes.append(json.loads(line)["events"])
    return sizes


def keda_step(value: float) -> int:
    """`value` rounded down to the 1-2.5-5 series (33,000 and 45,000 → 25,000; 50,000 → 50,000)."""
    if value < 1:
        return 0
    magnitude = 10 ** math.floor(math.log10(value))
    return int(next(m * magnitude for m in (5, 2.5, 1) if value >= m * magnitude))


def manifest_threshold() -> int | None:
    """The queue length the ScaledObjects scale on (one figure for every service), or None if they differ."""
    values = {int(trigger["metadata"]["value"])
              for path in (REPO / "deploy/kubernetes/base").glob("*/keda.yaml")
              for doc in yaml.safe_load_all(path.read_text()) if doc and doc["kind"] == "ScaledObject"
              for trigger in doc["spec"]["triggers"]}
    return values.pop() if len(values) == 1 else None


def _spread(values: list[float]) -> str:
    middle = statistics.median(values)
    return (f"median {middle:.0f}, rounds {min(values):.0f}-{max(values):.0f} "
            f"(±{(max(values) - min(values)) / 2 / middle * 100:.0f} %)")


def main() -> None:
    """Warm up, then rounds of draining with 1, 2 and 4 workers; print the table and the JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=8000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    namespace = f"offcampus_peak{uuid.uuid4().hex[:6]}"
    database = f"offcampus_bench_{namespace}"
    db_url = _database(database)
    env = _env(db_url, namespace)
    logs = Path(os.environ.get("TMPDIR", "/tmp")) / namespace
    logs.mkdir(parents=True)
    engine = sa.create_engine(db_url)
    rates: dict[int, list[float]] = {count: [] for count in WORKER_COUNTS}
    cpu: dict[int, list[float]] = {count: [] for count in WORKER_COUNTS}
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start; {args.rounds} rounds of "
          f"{args.events} events per drain", flush=True)
    try:
        migrated = subprocess.run([str(BIN / "offcampus"), "migrate", "reporting"], env=env, capture_output=True,
                                  text=True)
        if migrated.returncode != 0:
            raise SystemExit(f"offcampus migrate reporting failed:\n{migrated.stdout}{migrated.stderr}")
        warm = _workers(1, env, logs)  # one worker declares the queue and its bindings, then goes
        while queue_counts(AMQP_URL, [f"{namespace}.reporting"])[f"{namespace}.reporting"] is None:
            time.sleep(0.1)
        _stop(warm)
        print("warm-up (not counted):", flush=True)
        drain(1, WARM_UP_EVENTS, namespace, env, engine, logs)
        for number in range(args.rounds):
            print(f"round {number + 1}/{args.rounds}:", flush=True)
            for count in WORKER_COUNTS if number % 2 == 0 else WORKER_COUNTS[::-1]:
                _at_rest(engine)
                rate, ms = drain(count, args.events, namespace, env, engine, logs)
                rates[count].append(rate)
                cpu[count].append(ms)
    finally:
        engine.dispose()
        try:
            conn = connect(AMQP_URL)
            for suffix in ("", ".retry.1s", ".retry.5s", ".retry.30s", ".retry.120s", ".dead"):
                conn.channel().queue_delete(f"{namespace}.reporting{suffix}")
            for exchange in ("events", "retry", "dead"):
                conn.channel().exchange_delete(f"{namespace}.{exchange}")
            conn.close()
        finally:
            _database(database, drop=True)
    median = {count: statistics.median(values) for count, values in rates.items()}
    for count in WORKER_COUNTS:
        print(f"{count} worker(s): {_spread(rates[count])} events/s; worker CPU "
              f"{statistics.median(cpu[count]):.2f} ms an event")
    keda = keda_step(median[1] * DRAIN_TARGET_S)
    slowest, fastest = keda_step(min(rates[1]) * DRAIN_TARGET_S), keda_step(max(rates[1]) * DRAIN_TARGET_S)
    print(f"2 workers drain at {median[2] / median[1]:.2f}x one worker's rate, 4 at {median[4] / median[1]:.2f}x; "
          f"KEDA threshold: {keda} events per worker ({DRAIN_TARGET_S} s of one worker's median drain, "
          f"{median[1] * DRAIN_TARGET_S:.0f}, rounded down to the 1-2.5-5 series); the slowest and fastest "
          f"one-worker rounds give {slowest} and {fastest}"
          + ("" if slowest == fastest else ": the spread straddles a step, measure again on a quiet machine"))
    print(json.dumps({"events_per_s_1_worker": round(median[1]), "events_per_s_2_workers": round(median[2]),
                      "events_per_s_4_workers": round(median[4]), "drain_s_1_worker": round(args.events / median[1], 1),
                      "keda_queue_length": keda, "keda_threshold_in_manifest": manifest_threshold()}))


if __name__ == "__main__":
    main()
