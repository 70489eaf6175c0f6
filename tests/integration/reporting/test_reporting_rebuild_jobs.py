"""A rebuild asked for through the API is a job: 202 and a status resource, one at a time, never running forever."""

from __future__ import annotations

import pytest
import reporting_support as support
import sqlalchemy as sa
from reporting_support import LEADER, event, fed, registered
from test_reporting_rebuild import ADMIN, finished

from services.reporting.adapters.orm import event_archive, rebuild_jobs
from services.reporting.bootstrap import SERVICE
from shared.app import create_app
from shared.db import Database
from shared.migrations import upgrade
from shared.testing.bus import wait_until

pytestmark = pytest.mark.integration
database, client = support.database, support.client


@pytest.fixture
def events(database):
    fed(database, registered("a"), registered("b", town="龙头镇"),
        event("inspection.task.completed", 1, task_id="t1", inspected_on="2021-07-20"))


def job(client, location: str) -> dict:
    answer = client.get(location, headers=ADMIN)
    assert answer.status_code == 200
    return answer.get_json()


def test_a_second_rebuild_while_one_runs_is_refused_and_a_broken_one_leaves_the_figures_as_they_were(
        client, database, events):
    before = client.get("/v1/summary", headers=LEADER).get_json()
    with database.engine.connect() as holder:
        # the archive held by someone else: the job waits there, running, with nothing replayed yet
        holder.execute(sa.text(f"LOCK TABLE {event_archive.name} IN EXCLUSIVE MODE"))
        first = client.post("/v1/admin/rebuild", json={}, headers=ADMIN)
        assert first.status_code == 202
        location = first.headers["Location"]
        assert location == f"/v1/admin/rebuilds/{first.get_json()['job_id']}"
        running = wait_until(lambda: job(client, location)["state"] == "running" and job(client, location),
                             message="the job to run")
        assert running["events_done"] == 0 and running["started_at"] and running["finished_at"] is None

        second = client.post("/v1/admin/rebuild", json={}, headers=ADMIN)
        assert second.status_code == 409 and second.content_type == support.PROBLEM
        assert second.get_json()["code"] == "rebuild.running"
        assert second.get_json()["job_id"] == first.get_json()["job_id"]
        assert client.get("/v1/summary", headers=LEADER).get_json() == before

        # the job's connection cut while it waits: the job fails and its transaction rolls back
        holder.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                               "WHERE query LIKE 'LOCK TABLE event_archive%' AND pid <> pg_backend_pid()"))
        failed = finished(client, location)
        holder.rollback()
    assert failed["state"] == "failed" and failed["error"] and failed["finished_at"]
    assert client.get("/v1/summary", headers=LEADER).get_json() == before

    again = client.post("/v1/admin/rebuild", json={}, headers=ADMIN)  # nobody rebuilds now: a new job
    assert again.status_code == 202
    done = finished(client, again.headers["Location"])
    assert done["state"] == "done" and done["events_done"] == done["events_total"] == 3
    assert client.get("/v1/summary", headers=LEADER).get_json() == before


def test_a_job_whose_process_died_reads_as_failed_interrupted_in_the_readers_language(client, database):
    with database.engine.begin() as conn:  # marked running by a process that is gone (it holds no lock)
        job_id = conn.execute(rebuild_jobs.insert().values(
            state="running", events_done=2000, events_total=9000, requested_by="admin-li",
            requested_at=sa.func.now(), started_at=sa.func.now())).inserted_primary_key[0]
    chinese = job(client, f"/v1/admin/rebuilds/{job_id}")
    assert chinese["state"] == "failed" and chinese["finished_at"] and chinese["events_done"] == 2000
    assert "中断" in chinese["error"]
    english = client.get(f"/v1/admin/rebuilds/{job_id}?lang=en", headers=ADMIN).get_json()
    assert english["error"].startswith("Interrupted")
    assert client.post("/v1/admin/rebuild", json={}, headers=ADMIN).status_code == 202  # it blocks nobody


def test_rebuild_jobs_are_for_admins_and_an_unknown_one_is_not_found(client):
    assert client.get("/v1/admin/rebuilds/1", headers=LEADER).status_code == 403
    assert client.get("/v1/admin/rebuilds/1").status_code == 401
    missing = client.get("/v1/admin/rebuilds/404", headers=ADMIN)
    assert missing.status_code == 404 and missing.content_type == support.PROBLEM


def test_on_sqlite_the_embedded_platforms_rebuild_job_runs_one_at_a_time_and_gives_the_same_figures(sqlite_url):
    upgrade(SERVICE, sqlite_url)
    database = Database(sqlite_url)
    try:
        fed(database, registered("a"), registered("b", town="龙头镇"),
            event("inspection.task.completed", 1, task_id="t1", inspected_on="2021-07-20"))
        client = create_app(SERVICE, settings=support.SETTINGS, database=database, testing=True).test_client()
        before = client.get("/v1/summary", headers=LEADER).get_json()
        answer = client.post("/v1/admin/rebuild", json={}, headers=ADMIN)
        assert answer.status_code == 202
        done = finished(client, answer.headers["Location"])
        assert done["state"] == "done" and done["events_done"] == done["events_total"] == 3
        assert client.get("/v1/summary", headers=LEADER).get_json() == before
    finally:
        database.dispose()
