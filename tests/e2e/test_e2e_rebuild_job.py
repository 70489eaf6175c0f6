"""A rebuild asked for on a real gunicorn outlasts the workers' timeout and still finishes, as a job; a job whose
workers are killed reads as failed (interrupted), and the figures stay those of before.

gunicorn runs with a 2 s timeout (`OFFCAMPUS_WEB_TIMEOUT`, read by deploy/gunicorn.conf.py): inside a request,
a rebuild that long would have its worker killed ("WORKER TIMEOUT") and its transaction rolled back. The
rebuild is made to last as long as the test needs by holding the archive's table (the rebuild's first step
locks it), so the test waits for conditions, never for a fixed time.
"""

from __future__ import annotations

import os
import signal
import subprocess
from datetime import UTC, datetime

import pytest
import requests
import sqlalchemy as sa

from services.reporting.adapters.orm import event_archive
from services.reporting.entrypoints.consumer import HANDLERS
from shared.auth import mint_token
from shared.bus import new_event
from shared.bus.consumer import Consumer
from shared.bus.transport import Delivery
from shared.config import Settings
from shared.db import Database
from shared.events import contract_for
from shared.testing.fixtures import fresh_schema
from shared.testing.processes import answers, free_port, offcampus, stop_all, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.slow]
SECRET = "e2e-rebuild-secret-0123456789abcdef0123456789"  # noqa: S105
TIMEOUT = 2  # gunicorn's worker timeout for this server, seconds


def _events() -> list:
    events = []
    for number in range(30):
        made = new_event("registry.institution.registered", data={
            **contract_for("registry.institution.registered").example, "institution_id": f"inst-{number}",
            "state": "stock"})
        made.sequence = 1
        events.append(made)
    for number in range(20):
        made = new_event("inspection.task.completed", data={
            **contract_for("inspection.task.completed").example, "task_id": f"task-{number}",
            "inspected_on": "2021-07-17", "inspector_ids": [f"i{number % 4}"]})
        made.sequence = 1
        events.append(made)
    return events


def _feed(database_url: str, events: list) -> None:
    database = Database(database_url)
    try:
        settlement = Consumer("reporting", database.engine, None, HANDLERS).handle([
            Delivery(body=item.to_json().encode(), routing_key=item.type, tag=number,
                     properties={"message_id": item.id, "type": item.type}) for number, item in enumerate(events)])
        assert len(settlement.acks) == len(events) and not settlement.deads
    finally:
        database.dispose()


@pytest.fixture
def served(postgres_server_url, tmp_path):
    """`offcampus serve reporting` (2 workers, a 2 s timeout) on a fresh schema holding 50 archived events."""
    with fresh_schema(postgres_server_url) as database_url:
        env = {**os.environ, "OFFCAMPUS_ENV": "production", "OFFCAMPUS_JWT_SECRET": SECRET,
               "OFFCAMPUS_REPORTING_DATABASE_URL": database_url, "OFFCAMPUS_VAR_DIR": str(tmp_path / "var"),
               "OFFCAMPUS_METRICS_PORT": str(free_port()), "OFFCAMPUS_WEB_TIMEOUT": str(TIMEOUT)}
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        migrate = offcampus(["migrate", "reporting"], env, tmp_path / "migrate.log")
        assert migrate.popen.wait(120) == 0, migrate.output()
        _feed(database_url, _events())
        port = free_port()
        web = offcampus(["serve", "reporting", "--bind", f"127.0.0.1:{port}", "--workers", "2"], env,
                        tmp_path / "web.log")
        engine = sa.create_engine(database_url)
        try:
            base = f"http://127.0.0.1:{port}"
            wait_until(answers(base + "/readyz"), 60, "reporting to serve", web)
            yield base, web, engine
        finally:
            engine.dispose()
            stop_all([web])


def _bearer(role: str, dept: str) -> dict[str, str]:
    return {"Authorization": "Bearer " + mint_token(Settings(jwt_secret=SECRET), sub=f"e2e-{role}", dept=dept,
                                                    roles=[role])}


ADMIN, LEADER = _bearer("admin", ""), _bearer("leader", "education")


def _job(base: str, location: str) -> dict:
    answer = requests.get(base + location, headers=ADMIN, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()


def _summary(base: str) -> dict:
    answer = requests.get(base + "/v1/summary", headers=LEADER, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_a_rebuild_longer_than_gunicorns_timeout_finishes_and_a_killed_one_reads_as_interrupted(served):
    base, web, engine = served
    before = _summary(base)
    assert before["inspections"] == 20

    with engine.connect() as holder:
        holder.execute(sa.text(f"LOCK TABLE {event_archive.name} IN EXCLUSIVE MODE"))
        answer = requests.post(base + "/v1/admin/rebuild", json={}, headers=ADMIN, timeout=10)
        assert answer.status_code == 202, answer.text
        location = answer.headers["Location"]

        def outlasted_the_timeout() -> bool:
            job = _job(base, location)
            started = job["started_at"] and datetime.fromisoformat(job["started_at"])
            return job["state"] == "running" and started and \
                (datetime.now(UTC) - started).total_seconds() > TIMEOUT + 1

        wait_until(outlasted_the_timeout, 30, "the rebuild to run past gunicorn's timeout", web)
        holder.rollback()  # the archive let go: the rebuild replays
    wait_until(lambda: _job(base, location)["state"] == "done", 60, "the rebuild to finish", web)
    done = _job(base, location)
    assert done["events_done"] == done["events_total"] == 50 and done["error"] is None
    assert "WORKER TIMEOUT" not in web.output()
    assert _summary(base) == before

    with engine.connect() as holder:
        holder.execute(sa.text(f"LOCK TABLE {event_archive.name} IN EXCLUSIVE MODE"))
        answer = requests.post(base + "/v1/admin/rebuild", json={}, headers=ADMIN, timeout=10)
        assert answer.status_code == 202, answer.text
        location = answer.headers["Location"]
        wait_until(lambda: _job(base, location)["state"] == "running", 30, "the second rebuild to run", web)
        workers = subprocess.run(["ps", "-o", "pid=", "--ppid", str(web.popen.pid)], capture_output=True,
                                 text=True, check=True).stdout.split()
        assert len(workers) == 2
        for pid in workers:  # the job's process dies (the master starts new workers)
            os.kill(int(pid), signal.SIGKILL)
        holder.rollback()  # its database session, blocked until now, finds its client gone and ends
    wait_until(lambda: _job(base, location)["state"] == "failed", 60, "the killed rebuild to read as failed", web)
    failed = _job(base, location)
    assert failed["error"].startswith("已中断") and failed["finished_at"]
    assert _summary(base) == before
    again = requests.post(base + "/v1/admin/rebuild", json={}, headers=ADMIN, timeout=10)
    assert again.status_code == 202  # nobody holds the rebuild now
    wait_until(lambda: _job(base, again.headers["Location"])["state"] == "done", 60, "a new rebuild to finish", web)
