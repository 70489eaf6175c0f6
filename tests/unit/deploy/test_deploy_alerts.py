"""The alert rules parse, each alert has a `promtool test rules` case, and every case passes."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from deploy_support import REPO_ROOT

RULES = sorted((REPO_ROOT / "deploy/prometheus/rules").glob("*.yml"))
RULE_TESTS = sorted((REPO_ROOT / "deploy/prometheus/tests").glob("*.yml"))
# What an operator must hear about (issue 13): each situation names the alert that says it.
REQUIRED = {"dead-letter queue not empty": "OffcampusDeadLetterQueueNotEmpty",
            "outbox rows older than a minute": "OffcampusOutboxNotDraining",
            "queue growing while nothing is acked": "OffcampusQueueStalled",
            "5xx rate": "OffcampusHighErrorRate",
            "service not ready": "OffcampusNotReady"}


def promtool(*args: str | Path) -> subprocess.CompletedProcess:
    """Run Debian's promtool (package prometheus; .ci/run installs it): a missing one fails, never skips."""
    found = shutil.which("promtool")
    assert found, "promtool not found: apt-get install prometheus (as .ci/run does)"
    return subprocess.run([found, *map(str, args)], capture_output=True, text=True, timeout=120)


def alerts() -> set[str]:
    """Every alert name the rule files define."""
    return {rule["alert"] for path in RULES for group in yaml.safe_load(path.read_text())["groups"]
            for rule in group["rules"] if "alert" in rule}


def test_the_rules_parse():
    done = promtool("check", "rules", *RULES)
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_promtool_case_passes():
    done = promtool("test", "rules", *RULE_TESTS)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("situation", REQUIRED)
def test_each_situation_has_its_alert(situation):
    assert REQUIRED[situation] in alerts()


def test_each_alert_has_a_case_that_sees_it_fire():
    fired = {case["alertname"] for path in RULE_TESTS for test in yaml.safe_load(path.read_text())["tests"]
             for case in test.get("alert_rule_test", []) if case.get("exp_alerts")}
    assert alerts() - fired == set()


def test_a_rule_that_does_not_parse_fails_naming_the_file_and_the_reason(tmp_path: Path):
    broken = tmp_path / "broken.yml"
    rules = RULES[0].read_text()
    rule = "max by (service) (offcampus_outbox_oldest_age_seconds) > 60"
    assert rule in rules
    broken.write_text(rules.replace(rule, "max by (service) (offcampus_outbox_oldest_age_seconds > 60"))
    done = promtool("check", "rules", broken)
    assert done.returncode != 0
    assert str(broken) in done.stdout + done.stderr
    assert "unclosed left parenthesis" in done.stdout + done.stderr
