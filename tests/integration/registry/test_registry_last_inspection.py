"""The board shows the day of an institution's last inspection, as inspection reports it (its own event)."""

from __future__ import annotations

import pytest
import test_registry_filings_support as support
from test_registry_filings_support import file, licensed

from services.registry.entrypoints.consumer import HANDLERS
from shared.bus import new_event

pytestmark = pytest.mark.integration
database, client = support.database, support.client


def inspected(database, institution_id, on, task_id, outcome="compliant"):
    """Hand inspection.task.completed (made from inspection's contract) to the registry's handler."""
    event = new_event("inspection.task.completed", subject=task_id, data={
        "task_id": task_id, "campaign_id": "c1", "round": 1, "institution_id": institution_id, "town": "城关镇",
        "clue_id": None, "inspected_on": on, "inspector_ids": ["i1", "i2"], "departments": ["education"],
        "outcome": outcome, "findings": []})
    with database.sessions() as session, session.begin():
        HANDLERS["inspection.task.completed"](event, session)


def test_the_board_shows_the_last_inspection_day_and_a_late_older_visit_changes_nothing(client, database):
    institution_id = licensed(client)
    assert file(client, institution_id).status_code == 201
    assert client.get(f"/v1/public/institutions/{institution_id}").get_json()["last_inspected_on"] is None
    inspected(database, str(institution_id), "2022-07-14", "t1")
    inspected(database, str(institution_id), "2022-05-02", "t0")  # reported late, and older
    inspected(database, "not-ours", "2022-07-20", "t2")  # an unregistered site: not the registry's
    inspected(database, None, "2022-07-20", "t3")
    assert client.get(f"/v1/public/institutions/{institution_id}").get_json()["last_inspected_on"] == "2022-07-14"
    page = client.get(f"/board/institutions/{institution_id}", headers={"Accept-Language": "zh-CN"})
    assert "最近一次检查" in page.get_data(as_text=True) and "2022-07-14" in page.get_data(as_text=True)
