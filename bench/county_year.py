"""A county's year through the four services as real processes, then ten counties at once.

Run: `.venv/bin/python bench/county_year.py [--counties 10] [--skip-province]`
Needs PostgreSQL (`OFFCAMPUS_BENCH_DATABASE_URL`, default the local server's `offcampus_bench_year` database,
made if missing) and RabbitMQ (`OFFCAMPUS_BENCH_AMQP_URL`, default the local broker).

Each phase starts all four services afresh (shared/testing/platform.py: `offcampus serve <svc>` under gunicorn,
one process with 4 threads, and `offcampus worker <svc>`, each service on its own PostgreSQL schema, one
RabbitMQ namespace) and plays scenarios with `offcampus demo`'s runner, through the HTTP APIs only:
1. Chenggu (scenarios/chenggu.yaml): how long the year takes to load, until every bus has settled twice in a
   row; and, for each complaint that is referred, the time from the desk filing it to its task being visible in
   inspection's task list (polled every 20 ms), whose p99 is the referral latency (target < 1 s).
2. A generated province slice: Chenggu's year copied into `--counties` counties of 汉中市 (synthetic town
   names), loaded together on one platform (target: within 20 minutes), with the same two figures.
Baselines measured in the same run: the round trip of one GET /healthz to inspection (the floor of any
"visible in inspection"), and the Chenggu load time times the number of counties (what no economy of scale
would give). Ends with one JSON line: chenggu_load_s, referral_p99_s, province_load_s, province_referral_p99_s.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import yaml
from harness import REPO, BenchError, ensure_database

from shared.config import Settings
from shared.demo import scenario as scenarios
from shared.demo.client import Platform as Client
from shared.demo.runner import Runner
from shared.testing.platform import running_platform

LOCAL_DB = "postgresql+psycopg://postgres@127.0.0.1:5432/offcampus_bench_year"
LOCAL_AMQP = "amqp://guest:guest@127.0.0.1:5672//"
SECRET = "bench-county-year-secret-0123456789abcdef0123456789"  # noqa: S105
TARGETS = {"referral_p99_s": 1.0, "province_load_s": 20 * 60.0, "province_referral_p99_s": 1.0}
# the districts and counties of 汉中市 (GB/T 2260), the first ten for the province slice
HANZHONG = (("610702", "汉台区"), ("610703", "南郑区"), ("610722", "城固县"), ("610723", "洋县"), ("610724", "西乡县"),
            ("610725", "勉县"), ("610726", "宁强县"), ("610727", "略阳县"), ("610728", "镇巴县"), ("610729", "留坝县"),
            ("610730", "佛坪县"))
CHENGGU = REPO / "scenarios" / "chenggu.yaml"
COUNTY_FILE = REPO / "shared" / "counties" / "chenggu.yaml"


class Referrals:
    """Times each referred complaint from its filing to its task showing in inspection's list."""

    def __init__(self, client: Client, poll: float = 0.02) -> None:
        self.client, self.poll = client, poll
        self.filed: dict[str, float] = {}
        self.seen: dict[str, float] = {}
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)

    def filed_now(self, clue_id: str) -> None:
        """The runner's hook: a complaint that will be referred was just filed."""
        with self.lock:
            self.filed[clue_id] = time.perf_counter()

    def _watch(self) -> None:
        while not self.stop.is_set():
            with self.lock:
                waiting = set(self.filed) - set(self.seen)
            if waiting:
                listed = self.client.get("inspection", "/v1/tasks", role="supervisor",
                                         params={"kind": "clue", "page_size": 200, "status": "open"})["items"]
                now = time.perf_counter()
                with self.lock:
                    for task in listed:
                        if task.get("clue_id") in waiting:
                            self.seen[task["clue_id"]] = now
            time.sleep(self.poll)

    def latencies(self) -> list[float]:
        """Seconds from filing to visible, for every referred complaint seen."""
        return sorted(self.seen[c] - self.filed[c] for c in self.seen)


def p99(values: list[float]) -> float:
    """The 99th percentile (nearest rank); with under 100 values, close to the largest."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, int(round(0.99 * len(ordered) + 0.5)) - 1))]


def healthz_rtt(client: Client, n: int = 50) -> float:
    """The median round trip of GET /healthz to inspection: the floor of anything becoming visible there."""
    times = []
    for _ in range(n):
        started = time.perf_counter()
        client.http.get(client.urls["inspection"] + "/healthz", timeout=10)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def province_files(workdir: Path, counties: int) -> tuple[Path, list[Path]]:
    """A county file for the first `counties` of 汉中市 and Chenggu's year copied into each (synthetic towns)."""
    base = yaml.safe_load(COUNTY_FILE.read_text(encoding="utf-8"))
    year = yaml.safe_load(CHENGGU.read_text(encoding="utf-8"))
    base["counties"], paths = [], []
    for code, name in HANZHONG[:counties]:
        short = name[:-1]
        towns = [f"{short}第{n:02d}镇" for n in range(1, len(year["towns"]) + 1)]
        base["counties"].append({"name": name, "division_code": code, "host_department": "education",
                                 "hotline": "12345", "towns": [{"name": town, "code": f"{code}{100 + n:03d}"}
                                                               for n, town in enumerate(towns)]})
        renamed = dict(zip(year["towns"], towns, strict=True))
        county = copy.deepcopy(year)
        county |= {"county": code, "name": name, "ref": f"p{code}", "towns": towns}
        for complaint in county["complaints"]:
            if "town" in complaint:
                complaint["town"] = renamed[complaint["town"]]
        path = workdir / f"{code}.yaml"
        path.write_text(yaml.safe_dump(county, allow_unicode=True, sort_keys=False), encoding="utf-8")
        paths.append(path)
    county_file = workdir / "province.yaml"
    county_file.write_text(yaml.safe_dump(base, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return county_file, paths


def play(args, workdir: Path, county_file: Path, scenario_paths: list[Path], label: str) -> dict:
    """Start a fresh platform, load the scenarios together, and measure."""
    env = {"OFFCAMPUS_ENV": "production", "OFFCAMPUS_JWT_SECRET": SECRET, "OFFCAMPUS_COUNTY_CONFIG": str(county_file),
           "OFFCAMPUS_COMPLAINTS_SEALING_KEY": "YmVuY2gtY291bnR5LXllYXItc2VhbGluZy1rZXktMDE",
           "OFFCAMPUS_WEB_THREADS": "4"}
    namespace = f"offcampus_b{uuid.uuid4().hex[:8]}"
    print(f"== {label}: starting the four services (gunicorn + worker each) on PostgreSQL and RabbitMQ", flush=True)
    with running_platform(args.database_url, args.amqp_url, workdir, namespace, env) as platform:
        client = Client(Settings.from_env({**env, **{f"OFFCAMPUS_{s.upper()}_URL": u
                                                     for s, u in platform.urls.items()}}))
        rtt = healthz_rtt(client)
        referrals = Referrals(client)
        referrals.thread.start()
        loaded = [scenarios.load(path) for path in scenario_paths]
        runners = [Runner(client, scenario, log=lambda line: None, on_filed=referrals.filed_now)
                   for scenario in loaded]
        started = time.perf_counter()
        with ThreadPoolExecutor(len(runners)) as pool:
            summaries = list(pool.map(lambda runner: runner.run(), runners))
        load_s = time.perf_counter() - started
        referrals.stop.set()
        referrals.thread.join(10)
        latencies = referrals.latencies()
        for scenario, summary in zip(loaded, summaries, strict=True):
            wrong = {k: (summary.get(k), v) for k, v in scenario.expected.items()
                     if k != "campaigns" and summary.get(k) != v}
            if wrong:
                raise BenchError(f"{scenario.name}: figures differ from the scenario's (got, expected): {wrong}")
        expected = sum(len([c for c in s.complaints if c.get("referred")]) for s in loaded)
        if len(latencies) != expected:
            raise BenchError(f"{label}: saw {len(latencies)} of {expected} referrals in inspection")
        result = {"load_s": load_s, "referral_p99_s": p99(latencies), "referral_p50_s": statistics.median(latencies),
                  "referrals": len(latencies), "rtt_s": rtt,
                  "changes": client.created + sum(r.progress.sent for r in runners)}  # one client for all
        print(f"   {len(loaded)} county(ies), {result['changes']} records created or changed, loaded and settled in "
              f"{load_s:.1f} s ({result['changes'] / load_s:.0f} changes/s)")
        print(f"   referral filed -> visible in inspection: p50 {result['referral_p50_s']:.3f} s, "
              f"p99 {result['referral_p99_s']:.3f} s over {len(latencies)} complaints; baseline GET /healthz "
              f"round trip {rtt * 1000:.1f} ms (ratio {result['referral_p99_s'] / rtt:.0f}x)")
        print("   summaries equal the scenarios' expected figures ✓", flush=True)
        return result


def main(argv: list[str] | None = None) -> int:
    """Measure and print; the last line is the JSON the issue names."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counties", type=int, default=10, help="counties in the province slice (max 11)")
    parser.add_argument("--skip-province", action="store_true", help="only Chenggu")
    parser.add_argument("--database-url", default=os.environ.get("OFFCAMPUS_BENCH_DATABASE_URL", LOCAL_DB))
    parser.add_argument("--amqp-url", default=os.environ.get("OFFCAMPUS_BENCH_AMQP_URL", LOCAL_AMQP))
    args = parser.parse_args(argv)
    try:
        ensure_database(args.database_url)
        with tempfile.TemporaryDirectory(prefix="offcampus-year-") as tmp:
            workdir = Path(tmp)
            (workdir / "chenggu").mkdir()
            chenggu = play(args, workdir / "chenggu", COUNTY_FILE, [CHENGGU], "Chenggu")
            figures = {"chenggu_load_s": round(chenggu["load_s"], 1),
                       "referral_p99_s": round(chenggu["referral_p99_s"], 3)}
            if not args.skip_province:
                (workdir / "province").mkdir()
                county_file, paths = province_files(workdir / "province", min(args.counties, len(HANZHONG)))
                province = play(args, workdir / "province", county_file, paths, f"{len(paths)} counties")
                figures |= {"province_load_s": round(province["load_s"], 1),
                            "province_referral_p99_s": round(province["referral_p99_s"], 3)}
                print(f"== growth: {len(paths)} counties took {province['load_s'] / chenggu['load_s']:.1f}x "
                      f"Chenggu's time (baseline without any economy of scale: {len(paths)}x)")
    except BenchError as exc:
        print(f"bench failed: {exc}", file=sys.stderr)
        return 1
    for name, target in TARGETS.items():
        if name in figures:
            verdict = "met" if figures[name] <= target else "NOT met"
            print(f"{name} = {figures[name]} (target <= {target:g}): {verdict}")
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
