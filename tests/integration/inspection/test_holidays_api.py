"""Holiday campaigns from the official calendar, and their reminder issued once on the reminder day."""

import datetime as dt
import json

import inspection_support as support
import pytest
import sqlalchemy as sa
from inspection_support import SUMMER, TOWNS, supervisor

from services.inspection.service_layer.holidays import issue_reminders
from shared.bus.tables import outbox_table

pytestmark = pytest.mark.integration
database, clock, client = support.database, support.clock, support.client
MAY_DAY = {"holiday": "Labour Day", "year": 2022, "towns": TOWNS, "departments": ["education", "fire"],
           "teams_per_day": 1, "team_size": 2, "target_count": 2}


def reminders(database):
    with database.engine.connect() as conn:
        rows = conn.execute(sa.select(outbox_table.c.payload)
                            .where(outbox_table.c.type == "inspection.campaign.reminder_issued")).scalars()
        return [json.loads(row)["data"] for row in rows]


def test_may_day_campaign_reminds_on_the_last_working_day_and_inspects_each_day_off(client):
    response = client.post("/v1/holiday-campaigns", json=MAY_DAY, headers=supervisor())
    assert response.status_code == 201, response.get_json()
    campaign = response.get_json()
    assert (campaign["kind"], campaign["remind_on"], campaign["starts_on"], campaign["ends_on"]) == (
        "holiday", "2022-04-29", "2022-04-29", "2022-05-04")
    assert [r["days"] for r in campaign["rounds_scheduled"]] == [
        ["2022-04-30"], ["2022-05-01"], ["2022-05-02"], ["2022-05-03"], ["2022-05-04"]]
    read = client.get(f"/v1/campaigns/{campaign['id']}", headers=supervisor()).get_json()
    assert (read["rounds"], read["holiday"], read["provisional"]) == (5, "Labour Day", False)


def test_the_reminder_is_issued_once_on_the_reminder_day(client, database, clock):
    clock.set(dt.date(2022, 4, 20))  # generated ahead: the scheduled check issues the reminder on its day
    campaign = client.post("/v1/holiday-campaigns", json=MAY_DAY, headers=supervisor()).get_json()
    assert reminders(database) == []
    clock.set(dt.date(2022, 4, 28))
    assert issue_reminders(database, clock) == 0
    clock.set(dt.date(2022, 4, 29))
    assert issue_reminders(database, clock) == 1
    assert issue_reminders(database, clock) == 0  # another worker, or a restart
    clock.set(dt.date(2022, 4, 30))
    assert issue_reminders(database, clock) == 0
    assert reminders(database) == [{"campaign_id": campaign["id"], "holiday": "Labour Day",
                                    "remind_on": "2022-04-29", "towns": TOWNS}]


def test_a_campaign_generated_after_its_reminder_day_is_reminded_at_once_and_imported_once(client, database, clock):
    # July 1st: May Day is over, its campaign entered from the paper record afterwards
    imported = {**MAY_DAY, "external_ref": "paper-2022-may-day", "launched_at": "2022-04-25T09:00:00"}
    first = client.post("/v1/holiday-campaigns", json=imported, headers=supervisor())
    assert first.status_code == 201, first.get_json()
    campaign = first.get_json()
    assert campaign["external_ref"] == "paper-2022-may-day"
    # generated, its rounds scheduled with it, when the paper record says (09:00 in Shanghai)
    assert campaign["launched_at"].startswith("2022-04-25T01:00")
    assert {r["scheduled_at"] for r in campaign["rounds_scheduled"]} == {campaign["launched_at"]}
    assert reminders(database) == [{"campaign_id": campaign["id"], "holiday": "Labour Day",
                                    "remind_on": "2022-04-29", "towns": TOWNS}]
    assert issue_reminders(database, clock) == 0

    again = client.post("/v1/holiday-campaigns", json=imported, headers=supervisor())
    assert again.status_code == 200, again.get_json()
    assert again.get_json() == campaign  # the same campaign and rounds: nothing scheduled twice
    assert len(reminders(database)) == 1
    listed = client.get(f"/v1/campaigns/{campaign['id']}/rounds", headers=supervisor()).get_json()["items"]
    assert len(listed) == 5


def test_a_holiday_nobody_has_published_is_refused_naming_it(client):
    response = client.post("/v1/holiday-campaigns", json={**MAY_DAY, "year": 2031}, headers=supervisor())
    assert response.status_code == 422
    body = response.get_json()
    assert (body["code"], [e["field"] for e in body["errors"]]) == ("holiday.not_published", ["holiday"])
    assert body["errors"][0]["messages"] == ["No calendar has published Labour Day in 2031 yet: a holiday campaign "
                                             "is generated once its dates are known."]


def test_the_countys_own_dates_for_a_year_not_yet_official_are_enough(client):
    response = client.post("/v1/holiday-campaigns", headers=supervisor(),
                           json={**MAY_DAY, "holiday": "National Day", "year": 2040})
    assert response.status_code == 201, response.get_json()
    assert (response.get_json()["remind_on"], response.get_json()["ends_on"]) == ("2040-09-28", "2040-10-07")


def test_a_campaign_in_a_year_the_calendar_does_not_know_is_accepted_and_marked_provisional(client):
    response = client.post("/v1/campaigns", headers=supervisor(),
                           json={**SUMMER, "starts_on": "2031-07-10", "ends_on": "2031-08-28"})
    assert response.status_code == 201
    assert response.get_json()["provisional"] is True
