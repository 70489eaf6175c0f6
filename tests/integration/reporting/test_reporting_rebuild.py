"""A rebuild drops the projections and replays the archive into them: every figure comes out the same."""

from __future__ import annotations

import random

import pytest
import reporting_support as support
import sqlalchemy as sa
from click.testing import CliRunner
from reporting_support import LEADER, changed, event, fed, registered

from services.reporting.adapters.orm import PROJECTIONS, tasks
from shared.cli import main
from shared.testing.bus import wait_until

pytestmark = pytest.mark.integration
database, client = support.database, support.client
ADMIN = support.bearer("admin")
QUERIES = ("", "?to=2021-08-31", "?from=2021-07-16&to=2021-09-30", "?town=龙头镇", "?division_code=610722")


def every_event() -> list:
    """Events of every type any service publishes, in an order that is not their sequences'."""
    events = [registered("a"), registered("b", town="龙头镇"), registered("c", state="under_review"),
              changed("a", "review_started", occurred_on="2021-09-01", sequence=2, from_state="stock"),
              changed("a", "licensed", occurred_on="2021-09-20", sequence=3, from_state="under_review"),
              changed("b", "rectification_ordered", occurred_on="2021-09-02", sequence=2, town="龙头镇",
                      from_state="under_review"),
              changed("b", "rectification_overdue", occurred_on="2021-10-16", sequence=3, town="龙头镇",
                      from_state="rectification"),
              changed("b", "banned", occurred_on="2021-10-20", sequence=4, town="龙头镇", from_state="rectification"),
              changed("c", "closed", occurred_on="2021-09-03", sequence=2, from_state="under_review"),
              changed("a", "converted", occurred_on="2021-11-01", sequence=4, from_state="licensed",
                      category="non_discipline"),
              event("registry.filing.published", 5, institution_id="a"),
              event("registry.licence.expiring", 6, institution_id="a"),
              event("inspection.campaign.launched", 1, campaign_id="summer"),
              event("inspection.campaign.reminder_issued", 2, campaign_id="summer"),
              event("inspection.draw.published", 1, draw_id="d1", campaign_id="summer"),
              event("inspection.case.opened", 1, case_id="k1", on="2021-07-20"),
              event("inspection.case.sanction_imposed", 2, case_id="k1"),
              event("inspection.case.closed", 3, case_id="k1", on="2021-08-30", punished=True),
              event("complaints.clue.received", 1, clue_id="c1"),
              event("complaints.clue.referred", 2, clue_id="c1"),
              event("complaints.clue.answered", 3, clue_id="c1"),
              event("complaints.clue.closed", 4, clue_id="c1", at="2021-08-02T09:00:00+08:00"),
              event("complaints.clue.received", 1, clue_id="c2", category="refund_dispute", town="博望街道"),
              event("complaints.clue.overdue", 2, clue_id="c2", category="refund_dispute"),
              event("complaints.clue.rated", 5, clue_id="c1")]
    for number in range(12):
        events.append(event("inspection.task.completed", 1, task_id=f"t{number}", campaign_id="summer",
                            inspected_on=f"2021-07-{17 + number % 4}", inspector_ids=[f"i{number % 3}", "i9"],
                            town="龙头镇" if number % 2 else "博望街道", round=1 + number % 3))
    events.append(event("inspection.task.completed", 2, task_id="t0", campaign_id="summer",
                        inspected_on="2021-07-17", inspector_ids=["i5"]))
    random.Random(7).shuffle(events)
    return events


def every_figure(client) -> dict:
    """Every figure reporting answers, for a handful of scopes."""
    figures = {}
    for query in QUERIES:
        for path in ("/v1/summary", "/v1/complaints/stats", "/v1/campaigns/summer/report"):
            answer = client.get(path + query, headers=LEADER)
            assert answer.status_code == 200, answer.get_json()
            figures[path + query] = answer.get_json()
    for interval in ("week", "month"):
        path = f"/v1/series?interval={interval}&from=2021-07-01&to=2021-11-30"
        figures[path] = client.get(path, headers=LEADER).get_json()
    figures["institutions"] = client.get("/v1/figures/institutions", headers=LEADER).get_json()
    return figures


def finished(client, location: str) -> dict:
    """The job at `location` once it is done or failed (asked again until then)."""
    def answer():
        job = client.get(location, headers=ADMIN)
        assert job.status_code == 200, job.get_json()
        return job.get_json() if job.get_json()["state"] in ("done", "failed") else None

    return wait_until(answer, timeout=60, message=f"the rebuild {location} to finish")


def test_the_admin_endpoint_and_the_command_rebuild_every_figure_exactly(client, database, monkeypatch):
    events = every_event()
    for start in range(0, len(events), 7):  # batches as the broker hands them out
        fed(database, *events[start:start + 7])
    before = every_figure(client)
    assert before["/v1/summary"]["inspections"] == 12 and before["/v1/summary"]["institutions_banned"] == 1
    with database.engine.begin() as conn:  # a projection damaged: the rebuild must not keep it
        conn.execute(sa.delete(tasks))
    assert every_figure(client) != before

    assert client.post("/v1/admin/rebuild", headers=LEADER).status_code == 403
    answer = client.post("/v1/admin/rebuild", json={}, headers=ADMIN)
    assert answer.status_code == 202 and answer.get_json()["state"] in ("queued", "running", "done")
    job = finished(client, answer.headers["Location"])
    assert job["state"] == "done" and job["error"] is None, job
    assert job["events_done"] == job["events_total"] == len(events)
    assert job["requested_by"] == "leader-wang" and job["started_at"] <= job["finished_at"]
    assert every_figure(client) == before

    with database.engine.begin() as conn:
        for table in PROJECTIONS:
            conn.execute(sa.delete(table))
    monkeypatch.setenv("OFFCAMPUS_REPORTING_DATABASE_URL", database.engine.url.render_as_string(hide_password=False))
    result = CliRunner().invoke(main, ["rebuild", "reporting"])
    assert result.exit_code == 0, result.output
    assert f"reporting: 已从 {len(events)} 个事件重建 rebuilt from {len(events)} events" in result.output
    assert "reporting: 重放事件 replaying" in result.output
    assert every_figure(client) == before


def test_a_service_that_keeps_nothing_to_rebuild_says_so():
    result = CliRunner().invoke(main, ["rebuild", "registry"])
    assert result.exit_code == 1 and "registry 没有可重建的数据 keeps nothing to rebuild" in result.output
