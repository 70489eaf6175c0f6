"""The codebase keeps its boundaries and its lint: services apart, the kit apart, domains plain, layers in order."""

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "lint-imports"), "--no-cache"], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


def test_import_contracts_hold():
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Contracts: {len(contracts)} kept, 0 broken" in result.stdout


def test_import_contracts_catch_a_layer_crossed_and_a_test_helper_in_production(tmp_path):
    for tree in ("shared", "services"):
        shutil.copytree(ROOT / tree, tmp_path / tree, ignore=shutil.ignore_patterns("__pycache__", "*.mo", "*.po*"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    with (tmp_path / "services/inspection/adapters/orm.py").open("a") as module:
        module.write("\nimport services.inspection.service_layer.campaigns  # noqa\n")
    with (tmp_path / "shared/worker.py").open("a") as module:
        module.write("\nimport shared.testing.bus  # noqa\n")

    result = _lint_imports(tmp_path)

    assert result.returncode != 0
    assert "services.inspection.adapters is not allowed to import services.inspection.service_layer" in \
        " ".join(result.stdout.split())
    assert "shared.worker is not allowed to import shared.testing" in " ".join(result.stdout.split())


def test_ruff_finds_nothing():
    result = subprocess.run([str(BIN / "ruff"), "check", "--no-cache", "."], cwd=ROOT, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_test_helpers_stay_out_of_the_package():
    # what `pip install .` / a wheel ships: the packages setuptools finds with pyproject's settings, and no
    # file of shared/testing riding along as package data (checked by hand: `pip wheel .` lists none)
    import setuptools

    settings = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    found = set(setuptools.find_packages(str(ROOT), **settings["packages"]["find"]))
    assert {"shared", "shared.bus", "shared.events", "services.registry"} <= found
    assert not {name for name in found if name.startswith("shared.testing")}
    assert "testing/*" in settings["exclude-package-data"]["shared"]
