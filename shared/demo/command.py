"""`offcampus demo`: find the platform (or start the embedded one), play a scenario, print the summary."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import click

from shared.config import SERVICE_PORTS, Settings
from shared.demo import scenario as scenarios
from shared.demo.client import ApiError, Platform
from shared.demo.runner import Runner
from shared.demo.table import render

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SCENARIO = REPO_ROOT / "scenarios" / "chenggu.yaml"
# the pages a person opens, by service
PAGES = (("registry", "/board", "公示栏 public board"), ("complaints", "/report", "投诉举报 report a problem"),
         ("reporting", "/dashboard", "数据看板 dashboard"))


def start_embedded(platform: Platform, log_path: Path) -> subprocess.Popen:
    """`offcampus up` in a child process on the ports the service URLs name; waits until all four are ready."""
    ports = {name: urlsplit(url).port for name, url in platform.urls.items()}
    hosts = {urlsplit(url).hostname for url in platform.urls.values()}
    offsets = {ports[name] - SERVICE_PORTS[name] for name in SERVICE_PORTS}
    if not hosts <= {"127.0.0.1", "localhost"} or len(offsets) != 1:
        raise click.ClickException("no platform answers at the OFFCAMPUS_<SVC>_URL addresses, and they are not "
                                   "the local ports `offcampus up` would use: start the platform first")
    log_path.parent.mkdir(parents=True, exist_ok=True)
    base = SERVICE_PORTS["registry"] + offsets.pop()
    click.echo(f"starting the embedded platform (offcampus up --base-port {base}); its log: {log_path}")
    with open(log_path, "wb") as log:
        child = subprocess.Popen([sys.executable, "-c", "from shared.cli import main; main()", "up",
                                  "--base-port", str(base)], stdout=log, stderr=subprocess.STDOUT,
                                 env={**os.environ, "OFFCAMPUS_ENV": os.environ.get("OFFCAMPUS_ENV", "development")})
    try:
        platform.wait_ready(180, alive=lambda: child.poll() is None)
    except TimeoutError as exc:
        stop(child)
        raise click.ClickException(f"the embedded platform did not start ({exc}); see {log_path}") from exc
    # what `offcampus up` says to a person (its addresses, the consoles' sign-in), without its JSON log lines
    for line in log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-200:]:
        if line.strip() and not line.startswith("{"):
            click.echo(f"  | {line}")
    return child


def stop(child: subprocess.Popen) -> None:
    """Stop the embedded platform as Ctrl-C would."""
    if child.poll() is None:
        child.send_signal(signal.SIGINT)
        try:
            child.wait(60)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def urls(platform: Platform) -> str:
    """The addresses a person opens."""
    lines = [f"  {label:<28} {platform.urls[service]}{path}" for service, path, label in PAGES]
    lines += [f"  {'API 文档 docs · ' + name:<28} {platform.urls[name]}/docs" for name in SERVICE_PORTS]
    return "\n".join(lines)


def play(scenario_path: Path | None, exit_after: bool, json_path: Path | None) -> None:
    """The command's body: load the scenario, run it, print, and keep or stop the platform."""
    try:
        scenario = scenarios.load(scenario_path or DEFAULT_SCENARIO)
    except scenarios.ScenarioError as exc:
        raise click.ClickException(str(exc)) from exc
    settings = Settings.from_env()
    platform = Platform(settings)
    state = platform.answering()
    child = None
    if not any(state.values()):
        child = start_embedded(platform, settings.var_dir / "offcampus-up.log")
    elif not all(state.values()):
        raise click.ClickException("some services do not answer: " + ", ".join(n for n, up in state.items() if not up))
    try:
        click.echo(f"loading {scenario.name} ({scenario.county}) from {scenario.path}")
        started = time.monotonic()
        runner = Runner(platform, scenario, log=click.echo)
        try:
            summary = runner.run()
        except (ApiError, TimeoutError, RuntimeError) as exc:  # what a service refused, or a bus that never settled
            raise click.ClickException(str(exc)) from exc
        click.echo(f"loaded in {time.monotonic() - started:.1f} s with {runner.changes} changes "
                   f"({platform.created} records created); the bus has settled\n")
        click.echo(render(summary, f"{scenario.name}（{scenario.county}）汇总 summary — reporting /v1/summary",
                          scenario.expected, runner.campaign_refs))
        if json_path is not None:
            json_path.write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
            click.echo(f"\nwrote {json_path}")
        click.echo("\nopen:\n" + urls(platform))
        if child is not None and not exit_after:
            click.echo("\nthe platform keeps running; Ctrl-C stops it")
            _wait_for_interrupt(child)
    finally:
        if child is not None:
            stop(child)
            click.echo("stopped")
    if exit_after and child is None:
        click.echo("the platform was running before the demo started: it is left running")


def _wait_for_interrupt(child: subprocess.Popen) -> None:
    try:
        while child.poll() is None:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
