"""The kit's per-request cost: the registry's authenticated `GET /v1/whoami` against a bare Flask app.

Run: `.venv/bin/python bench/http_baseline.py [--duration 15] [--connections 16] [--rounds 3]`
Needs the load generator wrk (Debian: `apt-get install wrk`); the script says so and stops if it is missing.

Both apps run under gunicorn with the same settings (deploy/gunicorn.conf.py, 2 workers) on loopback ports
picked at random: `offcampus serve registry` on a fresh SQLite database in a temporary var dir (or the
database in OFFCAMPUS_REGISTRY_DATABASE_URL), migrated first, with its own JWT secret; the bare app is
`bare_app()` below. After a warm-up, wrk loads each in turn (alternating, `--rounds` times each) and the
script prints a table, then one JSON line: baseline_rps, service_rps, ratio, service_p99_ms, worker_rss_mb.
Targets (issue 2): ratio >= 0.60, each web worker's peak RSS < 120 MB. The servers it started are stopped
on exit, error or Ctrl-C.

`--instructions` measures instead what does not depend on the machine's load: the instructions one gunicorn
worker executes per request (valgrind's callgrind; Debian: `apt-get install valgrind`), for each app. Each
runs twice under callgrind, answering `--calls` and then three times as many requests one connection at a
time, as wrk's do against sync workers; the difference divided by the extra requests is the cost of one,
start-up and warm-up cancelled out. It takes minutes (callgrind runs Python ~50x slower) and ends with one
JSON line: baseline_instructions, service_instructions, instruction_ratio (baseline / service).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from harness import BenchError

REPO_ROOT = Path(__file__).resolve().parent.parent
GUNICORN_CONFIG = REPO_ROOT / "deploy" / "gunicorn.conf.py"
WORKERS = 2
RATIO_TARGET = 0.60
RSS_TARGET_MB = 120.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# wrk reports through this Lua hook: exact percentiles and error counts, one parseable line
WRK_REPORT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "max_us": %d, '
    .. '"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
end
"""


def bare_app():
    """The baseline: Flask with one JSON endpoint and nothing else (gunicorn builds it in each worker)."""
    from flask import Flask, jsonify

    app = Flask("bare")

    @app.get("/v1/whoami")
    def whoami():
        return jsonify(sub="bench", dept="education", roles=["clerk"], aud=["registry"], town=None,
                       service="bare")

    return app


@dataclass
class Server:
    """A gunicorn master this script started, and where its output goes."""

    name: str
    port: int
    process: subprocess.Popen
    log: Path
    peak_rss_kb: dict[int, int] = field(default_factory=dict)

    def url(self, path: str) -> str:
        """The loopback URL of a path on this server."""
        return f"http://127.0.0.1:{self.port}{path}"

    def workers(self) -> list[int]:
        """The pids of the master's worker children."""
        master = self.process.pid
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # the command may hold spaces or parentheses; the fields after the last ')' do not
            if int(stat.rsplit(")", 1)[1].split()[1]) == master:
                found.append(int(entry.name))
        return found

    def sample_rss(self) -> None:
        """Record each worker's peak resident set (VmHWM) seen so far."""
        for pid in self.workers():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            for line in status.splitlines():
                if line.startswith("VmHWM:"):
                    kb = int(line.split()[1])
                    self.peak_rss_kb[pid] = max(kb, self.peak_rss_kb.get(pid, 0))

    def worker_cpu_seconds(self) -> float:
        """User plus system CPU the workers have used so far."""
        total = 0
        for pid in self.workers():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
        return total / CLOCK_TICKS

    def log_tail(self, lines: int = 30) -> str:
        """The last lines the server wrote, to explain a failure."""
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


@dataclass
class Run:
    """One wrk run against one server."""

    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    cpu_us: float  # the workers' CPU per request: steadier than requests/s on a busy machine


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def offcampus_command() -> str:
    """The `offcampus` console script of this interpreter's environment."""
    beside = Path(sys.executable).parent / "offcampus"
    if beside.exists():
        return str(beside)
    found = shutil.which("offcampus")
    if not found:
        raise BenchError("the `offcampus` command is not installed: run `make install` (pip install -e '.[test]')")
    return found


def service_environment(var_dir: Path) -> dict[str, str]:
    """The registry's environment: its own secret and var dir; no broker, no RS256 keys from the caller."""
    env = dict(os.environ)
    for name in ("OFFCAMPUS_JWT_PUBLIC_KEY", "OFFCAMPUS_JWT_PRIVATE_KEY", "OFFCAMPUS_AMQP_URL",
                 "OFFCAMPUS_GUNICORN_CONFIG", "OFFCAMPUS_WEB_WORKERS", "OFFCAMPUS_WEB_MAX_REQUESTS"):
        env.pop(name, None)
    env.update(OFFCAMPUS_ENV="production", OFFCAMPUS_JWT_SECRET=secrets.token_urlsafe(48),
               OFFCAMPUS_VAR_DIR=str(var_dir), PROMETHEUS_MULTIPROC_DIR=str(var_dir / "prometheus"),
               OFFCAMPUS_LOG_LEVEL="INFO", OFFCAMPUS_LOG_FORMAT="json", PYTHONUNBUFFERED="1")
    return env


def run_checked(args: list[str], env: dict[str, str]) -> str:
    """Run a one-shot command; its stdout, or a BenchError with its output."""
    done = subprocess.run(args, env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise BenchError(f"{' '.join(args[:3])} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return done.stdout


def start(name: str, args: list[str], env: dict[str, str], port: int, log: Path) -> Server:
    """Start a server in its own process group, its output in a file."""
    with log.open("wb") as out:
        process = subprocess.Popen(args, env=env, cwd=REPO_ROOT, stdin=subprocess.DEVNULL, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    return Server(name, port, process, log)


def stop(server: Server) -> None:
    """Stop a server this script started: gunicorn's graceful TERM, then KILL its process group."""
    if server.process.poll() is not None:
        return
    try:
        server.process.send_signal(signal.SIGTERM)
        server.process.wait(timeout=25)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(server.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        server.process.wait(timeout=5)


def wait_until_answers(server: Server, path: str, headers: dict[str, str], timeout: float = 90) -> None:
    """Poll until the server answers 200 on the path with every worker up, or fail with its log."""
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise BenchError(f"{server.name} exited with {server.process.returncode}:\n{server.log_tail()}")
        try:
            # always http://127.0.0.1: built by Server.url
            request = urllib.request.Request(server.url(path), headers=headers)  # noqa: S310
            with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
                if response.status == 200 and len(server.workers()) >= WORKERS:
                    return
                last = f"HTTP {response.status}, {len(server.workers())} workers"
        except urllib.error.HTTPError as exc:
            last = f"HTTP {exc.code}: {exc.read()[:300]!r}"
        except OSError as exc:
            last = str(exc)
        time.sleep(0.3)
    raise BenchError(f"{server.name} did not answer {path} within {timeout:.0f}s ({last}):\n{server.log_tail()}")


def load(server: Server, path: str, headers: dict[str, str], seconds: float, connections: int, threads: int,
         script: Path) -> Run:
    """Load one server with wrk for a while; refuse the run if any answer was not 2xx/3xx."""
    args = ["wrk", "--threads", str(threads), "--connections", str(connections), "--duration", f"{seconds:g}s",
            "--timeout", "10s", "--script", str(script)]
    for name, value in headers.items():
        args += ["--header", f"{name}: {value}"]
    cpu_before = server.worker_cpu_seconds()
    done = subprocess.run([*args, server.url(path)], capture_output=True, text=True, timeout=seconds + 60)
    cpu = server.worker_cpu_seconds() - cpu_before
    line = next((x for x in done.stdout.splitlines() if x.startswith("WRK_JSON ")), None)
    if done.returncode != 0 or line is None:
        raise BenchError(f"wrk failed against {server.name} ({done.returncode}):\n{done.stdout}{done.stderr}")
    report = json.loads(line.removeprefix("WRK_JSON "))
    if report["status"] or report["timeout"] or report["requests"] == 0:
        raise BenchError(f"{server.name} answered badly under load: {report}\n{server.log_tail()}")
    if report["connect"] or report["read"] or report["write"]:
        print(f"note: socket errors against {server.name}: {report}", file=sys.stderr)
    return Run(rps=report["requests"] / (report["duration_us"] / 1e6), p50_ms=report["p50_us"] / 1000,
               p99_ms=report["p99_us"] / 1000, requests=report["requests"], cpu_us=cpu / report["requests"] * 1e6)


def sample_while(servers: list[Server], stop_event: threading.Event) -> None:
    """Sample the workers' peak RSS every half second until told to stop."""
    while not stop_event.wait(0.5):
        for server in servers:
            server.sample_rss()


def bench(args: argparse.Namespace, workdir: Path, servers: list[Server]) -> dict:
    """Start both servers, warm them up, load them in alternation; the figures."""
    load_before = os.getloadavg()[0]
    if load_before > 0.5:
        print(f"note: load average {load_before:.2f} before starting: other processes compete for the "
              f"{os.cpu_count()} cores, so requests/s will be noisy (CPU per request much less)", file=sys.stderr)
    var_dir = workdir / "var"
    var_dir.mkdir()
    env = service_environment(var_dir)
    offcampus = offcampus_command()
    run_checked([offcampus, "migrate", "registry"], env)
    token = run_checked([offcampus, "token", "--dept", "education", "--role", "clerk", "--aud", "registry",
                         "--ttl", "86400"], env).strip().splitlines()[-1]
    auth = {"Authorization": f"Bearer {token}"}

    service_port, bare_port = free_port(), free_port()
    # The worker count goes through deploy/gunicorn.conf.py's OFFCAMPUS_WEB_WORKERS, for both servers alike:
    # `offcampus serve --workers N` puts `--workers N` between `--config` and its path, so gunicorn refuses it.
    env["OFFCAMPUS_WEB_WORKERS"] = str(WORKERS)
    servers.append(start("registry", [offcampus, "serve", "registry", "--bind", f"127.0.0.1:{service_port}"],
                         env, service_port, workdir / "registry.log"))
    bare_env = {k: v for k, v in env.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    servers.append(start("bare", [sys.executable, "-m", "gunicorn", "--config", str(GUNICORN_CONFIG),
                                  "--bind", f"127.0.0.1:{bare_port}",
                                  "--pythonpath", str(Path(__file__).resolve().parent), "http_baseline:bare_app()"],
                         bare_env, bare_port, workdir / "bare.log"))
    service, bare = servers
    wait_until_answers(service, "/v1/whoami", auth)
    wait_until_answers(bare, "/v1/whoami", {})

    script = workdir / "report.lua"
    script.write_text(WRK_REPORT)
    targets = {"bare": (bare, {}), "registry": (service, auth)}
    sampling = threading.Event()
    sampler = threading.Thread(target=sample_while, args=(servers, sampling), daemon=True)
    sampler.start()
    try:
        print(f"warming up ({args.warmup:g}s each) ...", file=sys.stderr)
        for server, headers in targets.values():
            load(server, "/v1/whoami", headers, args.warmup, args.connections, args.threads, script)
        runs: dict[str, list[Run]] = {"bare": [], "registry": []}
        for index in range(args.rounds):
            # ABBA order so a drift in the machine's load falls on both sides alike
            order = ["bare", "registry"] if index % 2 == 0 else ["registry", "bare"]
            for name in order:
                server, headers = targets[name]
                run = load(server, "/v1/whoami", headers, args.duration, args.connections, args.threads, script)
                runs[name].append(run)
                print(f"round {index + 1}/{args.rounds} {name:8s} {run.rps:8.1f} req/s  p99 {run.p99_ms:6.1f} ms  "
                      f"worker CPU {run.cpu_us:5.0f} us/request", file=sys.stderr)
    finally:
        sampling.set()
        sampler.join()
    for server in servers:
        server.sample_rss()
    return {"runs": runs, "service": service, "bare": bare, "load_before": load_before}


def _callgrind_total(name: str, args: list[str], env: dict[str, str], headers: dict[str, str], calls: int,
                     workdir: Path, servers: list[Server]) -> int:
    """Instructions one gunicorn worker of `args` executed in its life, having answered `calls` requests."""
    port = free_port()
    out = workdir / f"callgrind.{name}.{calls}"
    out.mkdir()
    # callgrind runs Python ~50x slower, slower still on a busy machine: the app's start-up in the worker can outlast
    # gunicorn's 30 s worker timeout, and its exit (when the counts are written) the 20 s graceful one, and gunicorn
    # then kills the worker before it writes its counts; here both wait as long as this function does
    server = start(name, ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}/%p", *args,
                          "--bind", f"127.0.0.1:{port}", "--timeout", "900", "--graceful-timeout", "300"],
                   {**env, "OFFCAMPUS_WEB_WORKERS": "1"}, port,
                   workdir / f"{name}.{calls}.log")
    servers.append(server)
    deadline = time.monotonic() + 900  # the app's start-up runs under callgrind too
    while True:
        if server.process.poll() is not None:
            raise BenchError(f"{name} under callgrind exited:\n{server.log_tail()}")
        try:
            if _get(server, headers) == 200 and server.workers():
                break
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise BenchError(f"{name} under callgrind did not answer within 900s:\n{server.log_tail()}")
        time.sleep(1)
    worker = server.workers()[0]
    for _ in range(calls):
        status = _get(server, headers)
        if status != 200:
            raise BenchError(f"{name} answered {status} under callgrind:\n{server.log_tail()}")
    server.process.send_signal(signal.SIGTERM)  # the worker writes its counts when it exits: let it
    try:
        server.process.wait(timeout=300)
    except subprocess.TimeoutExpired:
        stop(server)
    dump = out / str(worker)
    if not dump.exists():
        raise BenchError(f"{name}'s worker {worker} left no callgrind counts:\n{server.log_tail()}")
    for line in dump.read_text(errors="replace").splitlines():
        if line.startswith(("summary:", "totals:")):
            return int(line.split()[1])
    raise BenchError(f"no instruction count in {dump}")


def _get(server: Server, headers: dict[str, str]) -> int:
    request = urllib.request.Request(server.url("/v1/whoami"), headers={**headers, "Connection": "close"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
            response.read()
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def instructions(args: argparse.Namespace, workdir: Path, servers: list[Server]) -> dict:
    """Instructions per request in one real gunicorn worker, bare and registry: the load-independent ratio."""
    if shutil.which("valgrind") is None:
        raise BenchError("--instructions needs valgrind: apt-get install valgrind")
    var_dir = workdir / "var"
    var_dir.mkdir()
    env = service_environment(var_dir)
    Path(env["PROMETHEUS_MULTIPROC_DIR"]).mkdir()  # gunicorn is started directly here, not by `offcampus serve`
    offcampus = offcampus_command()
    run_checked([offcampus, "migrate", "registry"], env)
    token = run_checked([offcampus, "token", "--dept", "education", "--role", "clerk", "--aud", "registry",
                         "--ttl", "86400"], env).strip().splitlines()[-1]
    gunicorn = [sys.executable, "-m", "gunicorn", "--config", str(GUNICORN_CONFIG)]
    bare_env = {k: v for k, v in env.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    apps = {"bare": ([*gunicorn, "--pythonpath", str(Path(__file__).resolve().parent), "http_baseline:bare_app()"],
                     bare_env, {}),
            "registry": ([*gunicorn, "shared.wsgi:app_for('registry')"], env, {"Authorization": f"Bearer {token}"})}
    per_request = {}
    for name, (command, app_env, headers) in apps.items():
        counts = []
        for calls in (args.calls, 3 * args.calls):
            print(f"{name}: {calls} requests under callgrind ...", file=sys.stderr)
            counts.append(_callgrind_total(name, command, app_env, headers, calls, workdir, servers))
        per_request[name] = (counts[1] - counts[0]) / (2 * args.calls)
    ratio = per_request["bare"] / per_request["registry"]
    print(f"\nGET /v1/whoami, one gunicorn sync worker under callgrind, instructions per request "
          f"(difference of {args.calls} and {3 * args.calls} requests)")
    print(f"bare Flask       {per_request['bare']:12,.0f}")
    print(f"registry whoami  {per_request['registry']:12,.0f}")
    print(f"bare/registry    {ratio:12.3f}")
    return {"baseline_instructions": round(per_request["bare"]), "service_instructions": round(per_request["registry"]),
            "instruction_ratio": round(ratio, 3)}


def report(args: argparse.Namespace, figures: dict) -> dict:
    """Print the table; the JSON summary."""
    runs, service, bare = figures["runs"], figures["service"], figures["bare"]
    bare_rps = statistics.median(r.rps for r in runs["bare"])
    service_rps = statistics.median(r.rps for r in runs["registry"])
    bare_p99 = statistics.median(r.p99_ms for r in runs["bare"])
    service_p99 = statistics.median(r.p99_ms for r in runs["registry"])
    bare_p50 = statistics.median(r.p50_ms for r in runs["bare"])
    service_p50 = statistics.median(r.p50_ms for r in runs["registry"])
    ratio = service_rps / bare_rps
    bare_cpu = statistics.median(r.cpu_us for r in runs["bare"])
    service_cpu = statistics.median(r.cpu_us for r in runs["registry"])
    service_rss = [kb / 1024 for kb in service.peak_rss_kb.values()] or [float("nan")]
    bare_rss = [kb / 1024 for kb in bare.peak_rss_kb.values()] or [float("nan")]
    worker_rss = max(service_rss)

    def per_round(name: str) -> str:
        return ", ".join(f"{r.rps:.0f}" for r in runs[name])

    def rss(values: list[float]) -> str:
        return ", ".join(f"{v:.1f}" for v in sorted(values))

    rows = [
        ("", "bare Flask", "registry whoami", "service/bare"),
        ("requests/s (median)", f"{bare_rps:.1f}", f"{service_rps:.1f}",
         f"{ratio:.3f}  {'ok' if ratio >= RATIO_TARGET else 'MISS'} (target >= {RATIO_TARGET:.2f})"),
        ("requests/s per round", per_round("bare"), per_round("registry"), ""),
        ("p50 latency ms", f"{bare_p50:.2f}", f"{service_p50:.2f}", f"{service_p50 / bare_p50:.2f}"),
        ("p99 latency ms", f"{bare_p99:.2f}", f"{service_p99:.2f}", f"{service_p99 / bare_p99:.2f}"),
        ("worker CPU us/request", f"{bare_cpu:.0f}", f"{service_cpu:.0f}",
         f"{bare_cpu / service_cpu:.2f} (bare/service: the ratio without noise from other processes)"),
        ("worker peak RSS MB", rss(bare_rss), rss(service_rss),
         f"max {worker_rss:.1f}  {'ok' if worker_rss < RSS_TARGET_MB else 'MISS'} (target < {RSS_TARGET_MB:.0f})"),
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    print(f"\nGET /v1/whoami, gunicorn {WORKERS} sync workers ({GUNICORN_CONFIG.relative_to(REPO_ROOT)}), "
          f"wrk {args.connections} connections, {args.rounds} x {args.duration:g}s each, loopback, "
          f"{os.cpu_count()} cores, load average before start {figures['load_before']:.2f}")
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    return {"baseline_rps": round(bare_rps, 1), "service_rps": round(service_rps, 1), "ratio": round(ratio, 3),
            "service_p99_ms": round(service_p99, 2), "worker_rss_mb": round(worker_rss, 1)}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=15.0, help="seconds of load per run (default 15)")
    parser.add_argument("--connections", type=int, default=16, help="concurrent connections (default 16)")
    parser.add_argument("--rounds", type=int, default=3, help="runs per server, alternated; the median counts "
                                                             "(default 3)")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of warm-up per server (default 3)")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (default 1: leave the cores to "
                                                               "the servers)")
    parser.add_argument("--instructions", action="store_true", help="count instructions per request under "
                        "callgrind instead of loading with wrk (load-independent; takes minutes)")
    parser.add_argument("--calls", type=int, default=150, help="with --instructions: requests of the first "
                                                               "run (the second answers three times as many)")
    args = parser.parse_args(argv)
    if not 1 <= args.threads <= args.connections or args.rounds < 1 or args.duration <= 0:
        parser.error("need 1 <= --threads <= --connections, --rounds >= 1 and --duration > 0")
    return args


def _interrupt(_signum, _frame) -> None:
    """A TERM or HUP from outside runs the same cleanup as Ctrl-C."""
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; 0 when it ran (whatever the figures), 1 when it could not."""
    args = parse_args(argv)
    if not args.instructions and shutil.which("wrk") is None:
        print("bench needs the load generator wrk: apt-get install wrk", file=sys.stderr)
        return 1
    # also when started with SIGINT ignored (a background job of a script): the servers must not outlive us
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _interrupt)
    servers: list[Server] = []
    with tempfile.TemporaryDirectory(prefix="offcampus-bench-") as workdir:
        try:
            if args.instructions:
                counted = instructions(args, Path(workdir), servers)
            else:
                figures = bench(args, Path(workdir), servers)
        except BenchError as exc:
            print(f"bench failed: {exc}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            return 130
        finally:
            for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
                signal.signal(signum, signal.SIG_IGN)  # a second Ctrl-C must not cut the cleanup short
            for server in servers:
                stop(server)
    print(json.dumps(counted if args.instructions else report(args, figures)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
