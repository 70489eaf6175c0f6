"""The public board's search under load, next to a bare Flask app running the same SQL through the same driver.

Run: `.venv/bin/python bench/registry_board.py [--institutions 10000] [--duration 6] [--rounds 6]`
Needs PostgreSQL (`OFFCAMPUS_BENCH_DATABASE_URL`, default the local server's `offcampus_bench_board` database,
made if missing) and the load generator wrk (`apt-get install wrk`); it says so and stops when either is missing.

On a fresh schema: `offcampus migrate registry`, then 10,000 institutions (most licensed, some banned or still
under review) and a filing each, written in bulk with the registry's own tables and filing code. Two gunicorn
masters with the same settings (deploy/gunicorn.conf.py, 2 sync workers) on loopback: `offcampus serve registry`
and `bare_app()` below, which runs the board's statement (`BoardQuery.sql()`, the very text the service runs)
through psycopg and returns the same JSON. Both answers are compared on a sample first. wrk then cycles through
the same >= 500 distinct searches (name, subject, town, pages) at 16 connections against each in turn (ABBA),
medians over the runs.
Also times the validation of a 50-session filing in process (schema, domain objects, every rule).
Ends with one JSON line: baseline_rps, board_rps, ratio, board_p99_ms, filing_validation_ms.
Targets (issue 4): ratio >= 0.60, board p99 < 50 ms, filing validation < 5 ms.
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
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

from harness import (
    REPO,
    BenchError,
    in_turn,
    median,
    paths_script,
    print_medians,
    print_targets,
    wrk_bench,
    wrk_options,
)

from shared.testing.processes import Process, answers, free_port, offcampus, wait_until

LOCAL_DB = "postgresql+psycopg://postgres@127.0.0.1:5432/offcampus_bench_board"
GUNICORN_CONFIG = REPO / "deploy" / "gunicorn.conf.py"
WORKERS = 2
TARGETS = {"ratio": 0.60, "board_p99_ms": 50.0, "filing_validation_ms": 5.0}
TOWNS = ["城关镇", "博望街道", "龙头镇", "沙河营镇", "文川镇", "柳林镇", "莲花街道", "二里镇", "五堵镇", "桔园镇",
         "原公镇", "上元观镇", "天明镇", "董家营镇", "老庄镇", "三合镇", "双溪镇", "小河镇", "南乡镇", "汉王镇"]
WORDS = ["启明", "育才", "智慧", "阳光", "未来", "星火", "博学", "新苗", "英才", "明德", "致远", "书香", "小桔灯",
         "天天向上", "七彩", "金钥匙", "雏鹰", "百灵", "思源", "启航"]
KINDS = ["学科培训学校", "艺术培训中心", "体育俱乐部", "科技创新学校", "英语培训中心"]
SUBJECTS = ["数学", "语文", "英语", "物理", "化学", "美术", "舞蹈", "书法", "编程", "围棋", "钢琴", "篮球"]


def bare_app():
    """The baseline: Flask, psycopg, the board's SQL and a JSON answer; nothing else (built per gunicorn worker)."""
    import psycopg
    from flask import Flask, jsonify, request

    from services.registry.service_layer.board import BoardQuery, board_items, driver_sql

    app = Flask("bare")
    conninfo = os.environ["OFFCAMPUS_BENCH_BARE_DB"]
    held: dict[str, psycopg.Connection] = {}

    @app.get("/v1/public/institutions")
    def search():
        connection = held.get("c") or held.setdefault("c", psycopg.connect(conninfo, autocommit=True))
        args = request.args
        query = BoardQuery(name=args.get("q") or None, subject=args.get("subject") or None,
                           town=args.get("town") or None, page=int(args.get("page", 1)),
                           page_size=int(args.get("page_size", 20)))
        with connection.cursor(row_factory=psycopg.rows.dict_row) as cursor:
            items, total = board_items(cursor.execute(driver_sql(query.sql(), "pyformat"), query.params()))
        for item in items:
            item["filed_at"] = item["filed_at"].isoformat()
        return jsonify(items=items, total=total, page=query.page, page_size=query.page_size)

    return app


def seed(database_url: str, count: int, rng: random.Random) -> int:
    """Write `count` institutions and a filing each straight into the registry's tables; how many are on the board."""
    import sqlalchemy as sa

    from services.registry.adapters.filing_tables import filing_documents, filing_subjects, filing_terms, filings
    from services.registry.adapters.orm import institutions
    from services.registry.domain.identity import credit_code_check_character
    from services.registry.entrypoints.filings_api import FilingIn
    from services.registry.service_layer.filings import document_of, name_terms, search_key, to_filing

    schema = FilingIn()
    engine = sa.create_engine(database_url)
    now = dt.datetime.now(dt.UTC)
    required = {c.name for c in institutions.c if not c.nullable and c.server_default is None and not c.primary_key}
    on_board = 0
    with engine.begin() as conn:
        for start in range(0, count, 1000):
            people, filed, documents, taught, terms = [], [], [], [], []
            for serial in range(start + 1, min(start + 1000, count) + 1):
                town, name = TOWNS[serial % len(TOWNS)], f"{rng.choice(WORDS)}{rng.choice(KINDS)}"
                state = rng.choices(["licensed", "banned", "under_review"], weights=[85, 5, 10])[0]
                first17 = f"52610722MJ{serial:07d}"
                person = {
                    "id": serial, "name": f"{town}{name}{serial}", "credit_code": first17 + credit_code_check_character(
                        first17), "division_code": "610722", "town": town, "address": f"{town}人民路{serial}号",
                    "category": "discipline", "subject_group": "discipline", "audience": ["primary"],
                    "contact_phone": "0916-7212345", "legal_representative": "王明", "state": state,
                    "state_since": dt.date(2021, 9, 1), "state_reason": "违规培训" if state == "banned" else None,
                    "occurred_on": dt.date(2021, 8, 1), "recorded_at": now, "updated_at": now,
                    "registered_state": "stock", "registered_category": "discipline"}
                people.append({k: v for k, v in person.items() if k in institutions.c})
                if state == "under_review":
                    continue
                on_board += state == "licensed"
                subjects = rng.sample(SUBJECTS, rng.randint(1, 3))
                filing = to_filing(schema.load(filing_payload(subjects, rng)))
                filed.append({
                    "id": serial, "institution_id": serial, "filed_at": now, "filed_by": "bench", "config_version": "1",
                    "notices": [], "subjects": "\n".join(filing.subjects),
                    "teacher_count": len(filing.teachers), "max_price_per_hour_fen": filing.max_price_per_hour_fen,
                    "modes": ",".join(filing.modes), "name_key": search_key(person["name"]), "town": town,
                    "listed": state == "licensed"})
                documents.append({"filing_id": serial, "document": document_of(filing)})
                taught += [{"filing_id": serial, "subject_key": search_key(s), "subject": s} for s in subjects]
                terms += [{"filing_id": serial, "term": term} for term in name_terms(search_key(person["name"]))]
            missing = required - set(people[0])
            if missing:
                raise BenchError(f"institutions now needs {sorted(missing)}: teach bench/registry_board.py")
            conn.execute(institutions.insert(), people)
            conn.execute(filings.insert(), filed)
            conn.execute(filing_documents.insert(), documents)
            conn.execute(filing_subjects.insert(), taught)
            conn.execute(filing_terms.insert(), terms)
        conn.execute(sa.text("SELECT setval(pg_get_serial_sequence('filings', 'id'), :n)"), {"n": count})
    # what autovacuum does to tables at rest: statistics, and the visibility map index-only scans need
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in ("institutions", "filings", "filing_documents", "filing_subjects", "filing_terms"):
            conn.execute(sa.text(f"VACUUM ANALYZE {table}"))
    engine.dispose()
    return on_board


def queries(count: int, rng: random.Random) -> list[str]:
    """At least `count` distinct board searches a parent might type: names, subjects, towns, and later pages."""
    found: set[str] = set()
    while len(found) < count:
        args: dict[str, object] = {}
        kind = rng.random()
        if kind < 0.45:
            args["q"] = rng.choice(WORDS) if rng.random() < 0.7 else rng.choice(WORDS) + rng.choice(KINDS)[:2]
        if 0.25 < kind < 0.65:
            args["subject"] = rng.choice(SUBJECTS)
        if kind > 0.55 or rng.random() < 0.3:
            args["town"] = rng.choice(TOWNS)
        if rng.random() < 0.35:
            args["page"] = rng.randint(2, 5)
        found.add("/v1/public/institutions?" + urlencode(args))
    return sorted(found)


def driver_url(database_url: str) -> str:
    """The same database as a libpq URL, for psycopg itself."""
    from sqlalchemy.engine import make_url

    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


def school_days(count: int) -> list[dt.date]:
    """The first `count` school days from 2025-03-03: working days by the official calendar, in term."""
    from services.registry.adapters.county_section import registry_rules

    config, day, found = registry_rules(), dt.date(2025, 3, 3), []
    while len(found) < count:
        if config.calendar.day(day).is_workday and day.isoweekday() <= 5 and config.vacation_on(day) is None:
            found.append(day)
        day += dt.timedelta(days=1)
    return found


def filing_payload(subjects: list[str], rng: random.Random, sessions: int = 1) -> dict:
    """A filing body as a clerk sends it, within every rule: after-school classes on school days."""
    price = rng.choice([2000, 2500, 3000])
    return {
        "courses": [{"subject": s, "grade_band": "primary", "materials": [f"{s}三年级下册"]} for s in subjects],
        "teachers": [{"name": f"教师{i}", "qualification_certificate_no": f"2019610722{i:07d}"}
                     for i in range(1, rng.randint(2, 9))],
        "fee_items": [{"name": "常规班", "price_per_hour_fen": price, "grade_band": "primary",
                       "class_size_band": "small", "hours_per_collection": 20, "months_per_collection": 1,
                       "amount_per_collection_fen": price * 20}],
        "timetable": [{"weekday": rng.randint(1, 5), "start": "16:30", "end": "17:30", "mode": "offline",
                       "course": subjects[0]}],
        "sessions": [{"date": day.isoformat(), "start": "16:30", "end": "17:30", "mode": "offline",
                      "course": subjects[0]} for day in school_days(sessions)],
    }


def same_answers(base_urls: list[str], paths: list[str]) -> None:
    """Both servers give the same items and totals for a sample of the searches (the same SQL, proven)."""
    for path in paths:
        found = []
        for base in base_urls:
            with urllib.request.urlopen(base + path, timeout=10) as response:  # noqa: S310 (loopback)
                body = json.loads(response.read())
            items = [(i["id"], i["subjects"], i["max_price_per_hour_fen"]) for i in body["items"]]
            found.append((body["total"], items))
        if found[0] != found[1]:
            raise BenchError(f"the two servers disagree on {path}: {found}")


def filing_validation_ms(rounds: int = 300) -> float:
    """Median time to validate a 50-session filing: schema load, domain objects, every rule."""
    from services.registry.entrypoints.filings_api import FilingIn
    from services.registry.service_layer.filings import check, to_filing

    body = filing_payload(["数学", "英语"], random.Random(7), sessions=50)
    institution = {"category": "discipline", "audience": ["primary"], "subject_group": "discipline"}
    schema, spent = FilingIn(), []
    for _ in range(rounds):
        started = time.perf_counter()
        result = check(to_filing(schema.load(body)), institution)
        spent.append(time.perf_counter() - started)
    assert result.accepted, result.violations
    return statistics.median(spent) * 1000


def run(args: argparse.Namespace, workdir: Path, database_url: str, started: list[Process]) -> dict:
    """Seed, start both servers, check they agree, load them in turn (ABBA); the runs."""
    rng = random.Random(args.seed)
    env = {k: v for k, v in os.environ.items() if k not in (
        "OFFCAMPUS_AMQP_URL", "OFFCAMPUS_JWT_PUBLIC_KEY", "OFFCAMPUS_GUNICORN_CONFIG", "OFFCAMPUS_WEB_WORKERS")}
    env.update(OFFCAMPUS_ENV="production", OFFCAMPUS_JWT_SECRET=secrets.token_urlsafe(48),
               OFFCAMPUS_VAR_DIR=str(workdir / "var"), OFFCAMPUS_REGISTRY_DATABASE_URL=database_url,
               OFFCAMPUS_LOG_LEVEL="WARNING", OFFCAMPUS_BENCH_BARE_DB=driver_url(database_url))
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    migrate = offcampus(["migrate", "registry"], env, workdir / "migrate.log")
    if migrate.popen.wait(300) != 0:
        raise BenchError(f"migrate failed:\n{migrate.output()}")
    clock = time.monotonic()
    on_board = seed(database_url, args.institutions, rng)
    print(f"seeded {args.institutions} institutions ({on_board} on the board) in {time.monotonic() - clock:.1f}s",
          file=sys.stderr)
    paths = queries(args.queries, rng)
    ports = {"board": free_port(), "bare": free_port()}
    started.append(offcampus(["serve", "registry", "--bind", f"127.0.0.1:{ports['board']}", "--workers",
                              str(WORKERS)], env, workdir / "registry.log"))
    started.append(Process([sys.executable, "-m", "gunicorn", "--config", str(GUNICORN_CONFIG), "--workers",
                            str(WORKERS), "--bind", f"127.0.0.1:{ports['bare']}", "--pythonpath",
                            f"{REPO / 'bench'},{REPO}", "registry_board:bare_app()"], env, workdir / "bare.log"))
    servers = {name: (f"http://127.0.0.1:{port}", process.popen.pid)
               for (name, port), process in zip(ports.items(), started, strict=True)}
    for (name, (base, _)), process in zip(servers.items(), started, strict=True):
        wait_until(answers(base + paths[0]), 90, f"{name} to answer", process)
    same_answers([base for base, _ in servers.values()], rng.sample(paths, 25))
    (workdir / "paths.txt").write_text("\n".join(paths) + "\n")
    script = workdir / "board.lua"
    script.write_text(paths_script(workdir / "paths.txt"))
    runs = in_turn({name: (*servers[name], script) for name in ("bare", "board")}, args)
    return {"runs": runs, "paths": len(paths), "on_board": on_board}


def report(args: argparse.Namespace, figures: dict) -> dict:
    """Print the table to stderr; the one-line summary."""
    runs = figures["runs"]
    bare, board = runs["bare"], runs["board"]
    summary = {"baseline_rps": round(median(bare, "rps"), 1), "board_rps": round(median(board, "rps"), 1),
               "ratio": round(median(board, "rps") / median(bare, "rps"), 3),
               "board_p99_ms": round(median(board, "p99_ms"), 2),
               "filing_validation_ms": round(figures["filing_validation_ms"], 3)}
    print(f"\nboard search: {figures['paths']} distinct queries, {figures['on_board']} institutions on the board "
          f"({args.institutions} in all); gunicorn {WORKERS} sync workers each; wrk {args.connections} connections, "
          f"{args.rounds} x {args.duration:g}s per server; {os.cpu_count()} cores, load average "
          f"{os.getloadavg()[0]:.2f}", file=sys.stderr)
    print_medians(runs)
    print_targets(summary, TARGETS)
    return summary


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; 0 when it ran (whatever the figures), 1 when it could not."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--institutions", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=600, help="distinct searches (default 600)")
    parser.add_argument("--seed", type=int, default=20211)
    wrk_options(parser, LOCAL_DB)
    args = parser.parse_args(argv)
    figures = wrk_bench(args, "offcampus-bench-board-", run)
    if isinstance(figures, int):
        return figures
    figures["filing_validation_ms"] = filing_validation_ms()
    print(json.dumps(report(args, figures)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
