"""What the wrk benchmarks share: the bench database, wrk runs and the servers' CPU behind them, rounds taken in
turn (ABBA), medians, the targets table, and the frame of a run (wrk present, servers stopped however it ends).

A benchmark run as a script (`.venv/bin/python bench/x.py`) finds this module beside it; importing it puts
the checkout on the path, so the services and the kit are imported from the checkout.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # run as a script from anywhere: the services are imported from the checkout
    sys.path.insert(0, str(REPO))

if TYPE_CHECKING:  # imported by the gunicorn apps of the benches too: nothing beyond the standard library here
    from shared.testing.processes import Process

# wrk reports through this Lua hook: exact percentiles and error counts, one parseable line
WRK_DONE = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRK_JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, '
    .. '"errors": %d}\\n', summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.status + e.timeout))
end
"""
# wrk cycles through the paths of a file (one a line), each request with the header given, if any
_PATHS = """
local paths = {}
for line in io.lines(%s) do paths[#paths + 1] = line end
local n = 0
%s
request = function()
  n = n + 1
  return wrk.format("GET", paths[(n %% #paths) + 1])
end
"""


class BenchError(RuntimeError):
    """The benchmark could not run; the message says why."""


def paths_script(paths: Path, header: tuple[str, str] | None = None) -> str:
    """A wrk script that cycles through the paths in the file `paths`, sending `header` with each."""
    headers = f'wrk.headers["{header[0]}"] = "{header[1]}"' if header else ""
    return _PATHS % (json.dumps(str(paths)), headers) + WRK_DONE


def ensure_database(server_url: str) -> None:
    """Make the bench database when the server does not have it yet."""
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    url = make_url(server_url)
    try:
        admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            if not conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": url.database}):
                conn.execute(sa.text(f'CREATE DATABASE "{url.database}"'))
        admin.dispose()
    except sa.exc.OperationalError as exc:
        raise BenchError(f"PostgreSQL at {url.render_as_string()} does not answer: {exc.orig}") from exc


def worker_cpu_seconds(master: int) -> float:
    """User plus system CPU used so far by a gunicorn master's workers."""
    total = 0
    for entry in Path("/proc").iterdir():
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split() if entry.name.isdigit() else None
        except OSError:
            continue
        if fields and int(fields[1]) == master:
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def load(base: str, master: int, script: Path, seconds: float, connections: int) -> dict:
    """One wrk run; refused when any answer was not 2xx/3xx."""
    cpu = worker_cpu_seconds(master)
    done = subprocess.run(["wrk", "--threads", "1", "--connections", str(connections), "--duration", f"{seconds:g}s",
                           "--timeout", "10s", "--script", str(script), base + "/"],
                          capture_output=True, text=True, timeout=seconds + 60)
    cpu = worker_cpu_seconds(master) - cpu
    line = next((x for x in done.stdout.splitlines() if x.startswith("WRK_JSON ")), None)
    if done.returncode != 0 or line is None:
        raise BenchError(f"wrk failed against {base}:\n{done.stdout}{done.stderr}")
    found = json.loads(line.removeprefix("WRK_JSON "))
    if found["errors"] or not found["requests"]:
        raise BenchError(f"{base} answered badly under load: {found}")
    return {"rps": found["requests"] / (found["duration_us"] / 1e6), "p50_ms": found["p50_us"] / 1000,
            "p99_ms": found["p99_us"] / 1000, "cpu_us": cpu / found["requests"] * 1e6}


def wrk_options(parser: argparse.ArgumentParser, local_db: str, duration: float = 6.0, rounds: int = 6) -> None:
    """The options every wrk benchmark takes: how long and how often to load, how hard, which database."""
    # many short runs, alternated, and their medians: another process's burst spoils one run, not the figure
    parser.add_argument("--duration", type=float, default=duration, help=f"seconds of load per run (default "
                                                                          f"{duration:g})")
    parser.add_argument("--rounds", type=int, default=rounds, help=f"runs of each, alternated (default {rounds})")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of warm-up of each (default 3)")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--database-url", default=os.environ.get("OFFCAMPUS_BENCH_DATABASE_URL", local_db))


def in_turn(loads: dict[str, tuple[str, int, Path]], args: argparse.Namespace, cpu_label: str = "worker CPU"
            ) -> dict[str, list[dict]]:
    """Warm each of `loads` (name → base URL, gunicorn master, wrk script) up, then --rounds runs of each, in
    turn and the order reversed every other round (ABBA), each printed; the runs by name."""
    names = list(loads)
    width = max(len(name) for name in names)
    for name in names:
        load(*loads[name], args.warmup, args.connections)
    runs: dict[str, list[dict]] = {name: [] for name in names}
    for index in range(args.rounds):
        for name in names if index % 2 == 0 else names[::-1]:
            found = load(*loads[name], args.duration, args.connections)
            runs[name].append(found)
            print(f"round {index + 1}/{args.rounds} {name:{width}s} {found['rps']:7.1f} req/s  p99 "
                  f"{found['p99_ms']:6.1f} ms  {cpu_label} {found['cpu_us']:5.0f} us/request", file=sys.stderr)
    return runs


def median(runs: list[dict], key: str) -> float:
    """The median of one figure over runs."""
    return statistics.median(run[key] for run in runs)


def print_medians(runs: dict[str, list[dict]]) -> None:
    """Each load's median requests/s, p50, p99 and worker CPU, a line each (stderr)."""
    width = max(len(name) for name in runs)
    for name, found in runs.items():
        print(f"  {name:{width}s} {median(found, 'rps'):8.1f} req/s  p50 {median(found, 'p50_ms'):6.2f} ms  "
              f"p99 {median(found, 'p99_ms'):6.2f} ms  worker CPU {median(found, 'cpu_us'):5.0f} us/request",
              file=sys.stderr)


def print_targets(summary: dict, targets: dict[str, float], at_least: tuple[str, ...] = ("ratio",)) -> None:
    """Each target beside its figure, ok or MISS (stderr): the keys in `at_least` are floors, the rest ceilings."""
    width = max(len(key) for key in targets) + 2
    for key, target in targets.items():
        ok = summary[key] >= target if key in at_least else summary[key] < target
        print(f"  {key:{width}s} {summary[key]:>8}  {'ok' if ok else 'MISS'} (target {target})", file=sys.stderr)


def wrk_bench(args: argparse.Namespace, prefix: str, run: Callable[[argparse.Namespace, Path, str, list[Process]],
                                                                     dict]) -> dict | int:
    """The frame of a wrk benchmark on a fresh schema of the bench database: wrk present, the database made,
    `run(args, workdir, database_url, started)` called, every process in `started` stopped however it ends.
    Its figures, or the exit code when it could not run (1, or 130 when interrupted)."""
    from shared.testing.fixtures import fresh_schema

    if shutil.which("wrk") is None:
        print("bench needs the load generator wrk: apt-get install wrk", file=sys.stderr)
        return 1
    # a TERM from outside stops the servers as Ctrl-C does: they run in sessions of their own
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    started: list[Process] = []
    try:
        ensure_database(args.database_url)
        with tempfile.TemporaryDirectory(prefix=prefix) as workdir, \
                fresh_schema(args.database_url) as database_url:
            try:
                return run(args, Path(workdir), database_url, started)
            finally:
                for process in started:
                    process.stop()
    except (BenchError, AssertionError) as exc:
        print(f"bench failed: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
