"""Public complaint intake under load, and institution suggestions against 10,000 known names.

Run: `.venv/bin/python bench/complaints_intake.py [--duration 10] [--rounds 3] [--threads 4] [--names 10000]`
Needs PostgreSQL (`OFFCAMPUS_BENCH_DATABASE_URL`, default the local server's `offcampus_bench_complaints`
database, made if missing), RabbitMQ (`OFFCAMPUS_BENCH_AMQP_URL`, default the local broker), Redis for the
intake limit as production keeps it (`OFFCAMPUS_BENCH_REDIS_URL`, default the local server; memory, said so,
when none answers) and wrk.
`offcampus serve complaints --workers 2` (OFFCAMPUS_WEB_THREADS threads each) on a fresh schema with
`offcampus worker complaints` relaying the outbox to RabbitMQ, the rate limit raised for the run; wrk POSTs
Open311 requests (JSON, a phone in the contact and the description) at 16 connections; any answer not 2xx
(a 429, a 5xx) fails the run. The baseline, measured in the same run and alternated with the intake round by
round: the same server's GET /healthz (the kit's floor: request ids, metrics, headers, no database), so the
ratio says what filing costs above serving anything at all on this machine at this moment. The figures that do
not depend on the machine's other load: the web workers' CPU per request (from /proc). Then, in process, the
desk's suggestions for clues against 10,000 names (the process's indexed copy of the replica, refreshed from
PostgreSQL on each clue).
Ends with one JSON line: intake_rps, intake_p99_ms, suggest_ms. Targets (issue 10): >= 400 requests/s,
p99 < 100 ms, suggestions < 20 ms per clue.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import secrets
import statistics
import sys
import time
import uuid
from pathlib import Path

from harness import WRK_DONE, BenchError, in_turn, median, print_targets, wrk_bench, wrk_options

from shared.testing.processes import Process, answers, free_port, offcampus, wait_until

LOCAL_DB = "postgresql+psycopg://postgres@127.0.0.1:5432/offcampus_bench_complaints"
LOCAL_AMQP = "amqp://guest:guest@127.0.0.1:5672//"
TARGETS = {"intake_rps": 400.0, "intake_p99_ms": 100.0, "suggest_ms": 20.0}
BODY = {"service_code": "hidden_tutoring", "address_string": "城固县博望街道锦绣花园3号楼",
        "description": "周六上午有人在家里给初中生补数学，老师电话 138-1234-5678", "phone": "+86 138 1234 5678",
        "attribute": {"institution_name": "明德教育"}}
INTAKE_SCRIPT = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = [[BODY_JSON]]
request = function() return wrk.format(nil, "/open311/v2/requests.json") end
""" + WRK_DONE
BASELINE_SCRIPT = """
request = function() return wrk.format("GET", "/healthz") end
""" + WRK_DONE
BRANDS = ("明德", "启明", "星光", "博雅", "睿智", "金桥", "育才", "英才", "新航", "卓越", "优学", "思源", "致远",
          "弘毅", "求是", "博文", "知行", "勤学", "乐学", "阳光")
KINDS = ("培训学校", "教育培训中心", "艺术培训中心", "教育科技有限公司", "辅导中心")


def rate_limit_storage(url: str) -> str:
    """Redis when it answers (production's storage, shared by both workers), else memory, said so."""
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
        return url
    except redis.RedisError as exc:
        print(f"no Redis at {url} ({exc}): the intake limit is counted in each worker's memory", file=sys.stderr)
        return "memory://"


def intake(args, workdir: Path, database_url: str, started: list[Process]) -> tuple[list[dict], list[dict]]:
    """Serve complaints and its worker, load the intake and the baseline in alternate rounds; each one's figures."""
    env = {k: v for k, v in os.environ.items() if k not in ("OFFCAMPUS_JWT_PUBLIC_KEY", "OFFCAMPUS_WEB_WORKERS")}
    env.update(OFFCAMPUS_ENV="production", OFFCAMPUS_JWT_SECRET=secrets.token_urlsafe(48),
               OFFCAMPUS_VAR_DIR=str(workdir / "var"), OFFCAMPUS_COMPLAINTS_DATABASE_URL=database_url,
               OFFCAMPUS_LOG_LEVEL="WARNING", OFFCAMPUS_AMQP_URL=args.amqp_url,
               OFFCAMPUS_BUS_NAMESPACE=f"offcampus_bench{uuid.uuid4().hex[:8]}",
               OFFCAMPUS_COMPLAINTS_SEALING_KEY=secrets.token_urlsafe(32),
               OFFCAMPUS_WEB_THREADS=str(args.threads),
               OFFCAMPUS_COMPLAINTS_RATE_LIMIT_STORAGE=rate_limit_storage(args.redis_url),
               OFFCAMPUS_COMPLAINTS_INTAKE_RATE="100000000/minute")  # raised for the run
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    migrate = offcampus(["migrate", "complaints"], env, workdir / "migrate.log")
    if migrate.popen.wait(300) != 0:
        raise BenchError(f"migrate failed:\n{migrate.output()}")
    port = free_port()
    started.append(offcampus(["serve", "complaints", "--bind", f"127.0.0.1:{port}", "--workers", "2"], env,
                             workdir / "web.log"))
    started.append(offcampus(["worker", "complaints"], env, workdir / "worker.log"))
    base = f"http://127.0.0.1:{port}"
    wait_until(answers(base + "/healthz"), 90, "complaints to serve", started[0])
    scripts = {"intake": workdir / "intake.lua", "baseline": workdir / "baseline.lua"}
    scripts["intake"].write_text(INTAKE_SCRIPT.replace("BODY_JSON", json.dumps(BODY, ensure_ascii=False)))
    scripts["baseline"].write_text(BASELINE_SCRIPT)
    master = started[0].popen.pid
    runs = in_turn({name: (base, master, script) for name, script in scripts.items()}, args,
                   cpu_label="web workers' CPU")
    return runs["intake"], runs["baseline"]


def suggest_ms(database_url: str, names: int, clues: int = 50) -> tuple[float, float]:
    """The desk's suggestions for one clue against `names` names in the replica (PostgreSQL): the first one,
    which reads and indexes them all (a fresh web process), and the median of the next `clues` (what a desk
    officer waits for; the process holds the names and asks the replica only for what changed)."""
    import sqlalchemy as sa
    from sqlalchemy.orm import Session

    from services.complaints.adapters.orm import institution_names
    from services.complaints.domain import name_key
    from services.complaints.domain.matching import name_core, pinyin_of, simplified
    from services.complaints.service_layer import handling
    from services.complaints.service_layer.names import KnownNames

    rng, now = random.Random(7), dt.datetime.now(dt.UTC)
    engine = sa.create_engine(database_url)
    rows = []
    for serial in range(names):
        name = f"城固县{rng.choice(BRANDS)}{rng.choice(BRANDS)[0]}{serial}{rng.choice(KINDS)}"
        core = name_core(name)
        address = f"博望街道文化路{serial}号"
        rows.append({"institution_id": f"I{serial:05d}", "name": name, "name_key": name_key(name), "town": "博望街道",
                     "category": "discipline", "state": "licensed", "sequence": 1, "updated_at": now,
                     "address": address, "address_key": simplified(address), "name_core": core,
                     "name_pinyin": pinyin_of(core)})
    with engine.begin() as conn:
        conn.execute(institution_names.insert(), rows)
    known = KnownNames()
    with Session(engine) as session:
        clue_id = session.scalar(sa.select(sa.text("id")).select_from(sa.text("clues")).limit(1))
        started = time.perf_counter()
        handling.suggestions(session, known, clue_id, "明德教育")
        first = time.perf_counter() - started
        spent, cpu = [], time.process_time()
        for _ in range(clues):
            written = rng.choice(BRANDS) + rng.choice(("教育", "培训", "补习班"))
            started = time.perf_counter()
            handling.suggestions(session, known, clue_id, written)
            spent.append(time.perf_counter() - started)
            session.rollback()  # each suggestion its own transaction, as each request is
        cpu = (time.process_time() - cpu) / clues
    engine.dispose()
    print(f"suggestions: {cpu * 1000:.1f} ms of CPU per clue in this process (the rest is waiting for PostgreSQL "
          f"and for a CPU on a loaded machine)", file=sys.stderr)
    return first * 1000, statistics.median(spent) * 1000


def measure(args: argparse.Namespace, workdir: Path, database_url: str, started: list[Process]) -> dict:
    """The intake and baseline rounds, then (the servers stopped) the suggestions in this process."""
    runs, baseline = intake(args, workdir, database_url, started)
    for process in started:
        process.stop()
    first, suggest = suggest_ms(database_url, args.names)
    print(f"suggestions against {args.names} names: {suggest:.1f} ms per clue (median); the first in a "
          f"fresh process, which reads and indexes them all, {first:.0f} ms", file=sys.stderr)
    return {"intake": runs, "baseline": baseline, "suggest_ms": suggest}


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; 0 when it ran (whatever the figures), 1 when it could not."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    wrk_options(parser, LOCAL_DB, duration=10.0, rounds=3)
    parser.add_argument("--threads", type=int, default=4, help="threads per web worker (OFFCAMPUS_WEB_THREADS)")
    parser.add_argument("--redis-url", default=os.environ.get("OFFCAMPUS_BENCH_REDIS_URL", "redis://127.0.0.1:6379/15"))
    parser.add_argument("--names", type=int, default=10_000)
    parser.add_argument("--amqp-url", default=os.environ.get("OFFCAMPUS_BENCH_AMQP_URL", LOCAL_AMQP))
    args = parser.parse_args(argv)
    figures = wrk_bench(args, "offcampus-bench-complaints-", measure)
    if isinstance(figures, int):
        return figures
    runs, baseline = figures["intake"], figures["baseline"]
    print(f"baseline GET /healthz: {median(baseline, 'rps'):.0f} req/s, p99 {median(baseline, 'p99_ms'):.1f} ms, "
          f"{median(baseline, 'cpu_us'):.0f} us of web-worker CPU per request", file=sys.stderr)
    print(f"intake vs baseline: {median(runs, 'rps') / median(baseline, 'rps'):.2f}x the requests per second, "
          f"{median(runs, 'cpu_us') / median(baseline, 'cpu_us'):.1f}x the CPU per request "
          f"(intake {median(runs, 'cpu_us'):.0f} us: two workers at full use of two cores would file "
          f"{2e6 / median(runs, 'cpu_us'):.0f} a second)", file=sys.stderr)
    summary = {"intake_rps": round(median(runs, "rps"), 1), "intake_p99_ms": round(median(runs, "p99_ms"), 2),
               "suggest_ms": round(figures["suggest_ms"], 2)}
    print_targets(summary, TARGETS, at_least=("intake_rps",))
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
