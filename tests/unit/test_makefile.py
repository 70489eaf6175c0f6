"""The Makefile installs per purpose: running needs less than the tests, each install remembered on its own."""

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _plan(venv: Path, target: str) -> str:
    """What `make` would run for `target` with its venv at `venv` (dry run)."""
    done = subprocess.run(["make", "-n", "--no-print-directory", "-C", str(ROOT), f"VENV={venv}", target],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _stamp(venv: Path, kind: str) -> None:
    with (ROOT / "pyproject.toml").open("rb") as source:  # the Makefile names stamps by `cksum < pyproject.toml`
        checksum = subprocess.run(["cksum"], stdin=source, capture_output=True, text=True, check=True).stdout.split()[0]
    (venv / f".installed-{kind}-{checksum}").touch()


def test_make_up_installs_only_what_running_needs(tmp_path):
    plan = _plan(tmp_path / "venv", "up")
    assert "pip install --quiet -e .\n" in plan and "[test]" not in plan and "[bench]" not in plan
    assert plan.rstrip().endswith("offcampus demo")  # starts the platform and loads the seed county


def test_make_test_adds_the_test_extras_once_and_make_up_then_installs_nothing(tmp_path):
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").touch()
    _stamp(venv, "run")
    assert "pip install" not in _plan(venv, "up")
    assert "pip install --quiet -e '.[test]'" in _plan(venv, "test")

    _stamp(venv, "test")
    assert "pip install" not in _plan(venv, "test") and "pip install" not in _plan(venv, "up")


def test_make_bench_installs_its_extras_and_wrk_then_runs_every_benchmark(tmp_path):
    plan = _plan(tmp_path / "venv", "bench")
    assert "pip install --quiet -e '.[bench]'" in plan and "apt-get install -y -qq wrk" in plan
    benchmarks = [path for path in sorted((ROOT / "bench").glob("*.py"))
                  if 'if __name__ == "__main__":' in path.read_text(encoding="utf-8")]
    assert len(benchmarks) >= 7  # http_baseline, bus_throughput, registry_board, campaign_peak and the services'
    for path in benchmarks:
        assert f"bench/{path.name}" in plan
    assert "bench/bus_ablation.py" not in plan  # a module bus_throughput.py runs, not a benchmark of its own


def test_a_failing_benchmark_does_not_stop_the_others_and_fails_make_bench(tmp_path):
    # a stand-in interpreter that fails on one script and records every script it is asked to run
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    ran = tmp_path / "ran.txt"
    python = venv / "bin" / "python"
    python.write_text(f'#!/bin/sh\necho "$1" >> {ran}\necho "figures of $1"\n[ "$1" != "bench/b.py" ]\n')
    python.chmod(0o755)
    _stamp(venv, "bench")
    tools = tmp_path / "tools"  # a wrk on PATH, so the target installs nothing
    tools.mkdir()
    (tools / "wrk").write_text("#!/bin/sh\n")
    (tools / "wrk").chmod(0o755)
    done = subprocess.run(["make", "--no-print-directory", "-C", str(ROOT), f"VENV={venv}", "bench",
                           "BENCHES=bench/a.py bench/b.py bench/c.py"], capture_output=True, text=True, timeout=60,
                          env={"PATH": f"{tools}:/usr/bin:/bin"})
    assert done.returncode != 0
    assert ran.read_text().split() == ["bench/a.py", "bench/b.py", "bench/c.py"]
    assert "figures of bench/c.py" in done.stdout and "== failed: bench/b.py" in done.stdout
