"""The browser every page test drives: Debian's Chromium (or the one `OFFCAMPUS_CHROMIUM` names) through
Playwright, never a downloaded browser."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("OFFCAMPUS_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
# no background networking: this machine's closed network refuses those connections, many at a time
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def _required() -> bool:
    return os.environ.get("OFFCAMPUS_REQUIRE_SERVICES", "") not in ("", "0", "false")


@pytest.fixture(scope="session")
def chromium():
    """Playwright driving Debian's Chromium, one browser for the session (each test opens contexts of its own);
    skip (or fail in CI) when it is not installed."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - the test extra installs it
        sync_playwright = None
    if sync_playwright is None or not os.access(CHROMIUM, os.X_OK):
        message = "Chromium is not installed: apt-get install chromium chromium-driver fonts-noto-cjk"
        if _required():
            pytest.fail(message + " (OFFCAMPUS_REQUIRE_SERVICES=1)", pytrace=False)
        pytest.skip(message)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def registry(postgres_server_url):
    """The board's registry, seeded, that the board, front page and security header tests read (none writes)."""
    from board_support import serving_registry

    with serving_registry(postgres_server_url) as served:
        yield served


@pytest.fixture(scope="session")
def flows_platform(postgres_server_url, amqp_url, tmp_path_factory):
    """All four services, each a gunicorn web and a worker, on PostgreSQL and RabbitMQ, for the flows across
    services (one platform for every flow test; a test that stops a service starts it again)."""
    import uuid

    import yaml
    from flows_support import CLOCK, FLOWS_SECRET, FLOWS_TOWNS

    from shared.testing.platform import running_platform

    workdir = tmp_path_factory.mktemp("flows")
    # the tests' county with a town for each flow, so one flow's campaigns and draws never meet another's
    county = yaml.safe_load(Path(os.environ["OFFCAMPUS_COUNTY_CONFIG"]).read_text(encoding="utf-8"))
    chenggu = next(c for c in county["counties"] if c["division_code"] == "610722")
    known = {town["name"] for town in chenggu["towns"]}
    chenggu["towns"] += [{"name": name, "code": code} for name, code in FLOWS_TOWNS.items() if name not in known]
    county_file = workdir / "county-flows.yaml"
    county_file.write_text(yaml.safe_dump(county, allow_unicode=True), encoding="utf-8")
    # a rehearsal's environment (`test`): production refuses a shifted clock
    env = {"OFFCAMPUS_ENV": "test", "OFFCAMPUS_JWT_SECRET": FLOWS_SECRET, "OFFCAMPUS_COUNTY_CONFIG": str(county_file),
           "OFFCAMPUS_CLOCK_SHIFT_SECONDS": str(CLOCK.shift.total_seconds()),
           # scheduled checks (a holiday's reminder, overdue complaints) every few seconds instead of minutes
           "OFFCAMPUS_CHECKS_EVERY_SECONDS": "3",
           "OFFCAMPUS_COMPLAINTS_SEALING_KEY": "ZTJlLWZsb3dzLXNlYWxpbmcta2V5LTAxMjM0NTY3ODk"}
    with running_platform(postgres_server_url, amqp_url, workdir, f"offcampus_f{uuid.uuid4().hex[:8]}",
                          env) as running:
        yield running


@pytest.fixture
def platform(flows_platform):
    """The flows' platform once every service's bus has settled: what an earlier test set going is counted."""
    from flows_support import admin, eventually

    # twice in a row: an event relayed between the two readings of one pass is seen by the second pass
    eventually(lambda: flows_platform.settled(admin()) and flows_platform.settled(admin()),
               "every service's bus to settle")
    return flows_platform
