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


def test_make_bench_installs_its_extras_and_wrk_then_runs_the_three_benchmarks(tmp_path):
    plan = _plan(tmp_path / "venv", "bench")
    assert "pip install --quiet -e '.[bench]'" in plan and "apt-get install -y -qq wrk" in plan
    for script in ("http_baseline", "bus_throughput", "registry_board"):
        assert (ROOT / "bench" / f"{script}.py").is_file() and script in plan
