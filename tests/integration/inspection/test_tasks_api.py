"""Inspection tasks on real PostgreSQL: drawn teams' visits, clue-driven and follow-up tasks, results."""

import datetime as dt
import json

import inspection_support as support
import pytest
import sqlalchemy as sa
from inspection_support import (
    SUMMER,
    TOWNS,
    add_inspectors,
    bearer,
    deliver,
    drawn,
    register_institutions,
    scheduled_round,
    supervisor,
)

from shared.bus.tables import outbox_table

pytestmark = pytest.mark.integration
database, clock, client = support.database, support.clock, support.client
CLUE = {"clue_id": "clue-1", "category": "hidden_tutoring", "institution_id": None, "place": "龙头镇锦绣花园小区3号楼",
        "town": "龙头镇", "department": "education", "priority": "urgent", "due_on": "2022-07-20"}


def completed_events(database):
    with database.engine.connect() as conn:
        rows = conn.execute(sa.select(outbox_table.c.payload)
                            .where(outbox_table.c.type == "inspection.task.completed")).scalars().all()
    return [json.loads(row)["data"] for row in rows]


def as_inspector(inspector_id):
    return bearer("inspector", sub=inspector_id)


def test_a_draw_gives_each_team_member_their_visits_and_a_member_records_the_result(client, database, clock):
    _, round_ = scheduled_round(client, database)
    draw = drawn(client, round_["id"])
    team = draw["result"]["teams"][0]
    mine = client.get("/v1/tasks", headers=as_inspector(team["inspectors"][0])).get_json()
    first_day = [t for t in mine["items"] if t["planned_on"] == team["day"]]
    assert sorted(t["institution_id"] for t in first_day) == sorted(team["targets"])
    task = first_day[0]
    clock.set(dt.date(2022, 7, 14))
    outsider = next(i for i in client.get("/v1/inspectors?page_size=50", headers=supervisor()).get_json()["items"]
                    if i["id"] not in team["inspectors"])["id"]
    body = {"inspectors_present": team["inspectors"], "outcome": "violation", "findings": ["fees_published"],
            "checklist_answers": {"fees_published": "no", "licence_displayed": "yes"}, "evidence": ["photo-1.jpg"]}
    refused = client.post(f"/v1/tasks/{task['id']}/result", json=body, headers=as_inspector(outsider))
    assert (refused.status_code, refused.get_json()["code"]) == (403, "task.not_on_team")
    done = client.post(f"/v1/tasks/{task['id']}/result", json=body, headers=as_inspector(team["inspectors"][1]))
    assert done.status_code == 201, done.get_json()
    assert (done.get_json()["status"], done.get_json()["inspected_on"]) == ("completed", "2022-07-14")
    [event] = completed_events(database)
    assert (event["round"], event["findings"], sorted(event["departments"])) == (1, ["fees_published"],
                                                                                 ["education", "fire"])
    again = client.post(f"/v1/tasks/{task['id']}/result", json=body, headers=as_inspector(team["inspectors"][1]))
    assert again.status_code == 422 and again.get_json()["violations"][0]["code"] == "task.already_completed"


def test_a_result_that_does_not_fit_is_refused_naming_each_field(client, database, clock):
    _, round_ = scheduled_round(client, database)
    team = drawn(client, round_["id"])["result"]["teams"][0]
    task = client.get("/v1/tasks", headers=as_inspector(team["inspectors"][0])).get_json()["items"][0]
    clock.set(dt.date(2022, 7, 20))
    response = client.post(f"/v1/tasks/{task['id']}/result", headers=as_inspector(team["inspectors"][0]), json={
        "inspectors_present": [team["inspectors"][0], "somebody-else"], "outcome": "violation", "findings": []})
    assert response.status_code == 422
    assert {e["field"] for e in response.get_json()["errors"]} == {"inspectors_present.1", "findings"}
    late = client.post(f"/v1/tasks/{task['id']}/result", headers=as_inspector(team["inspectors"][0]), json={
        "inspectors_present": team["inspectors"], "outcome": "compliant", "inspected_on": "2022-09-01"})
    assert [e["field"] for e in late.get_json()["errors"]] == ["inspected_on"]


def test_findings_and_answers_are_codes_of_the_campaigns_checklist_when_it_has_one(client, database, clock):
    register_institutions(database)
    add_inspectors(client)
    campaign = client.post("/v1/campaigns", headers=supervisor(),
                           json={**SUMMER, "checklist": ["licence_displayed", "fees_published"]}).get_json()
    round_ = client.post(f"/v1/campaigns/{campaign['id']}/rounds", json=support.ROUND, headers=supervisor())
    team = drawn(client, round_.get_json()["id"])["result"]["teams"][0]
    task = client.get("/v1/tasks", headers=as_inspector(team["inspectors"][0])).get_json()["items"][0]
    clock.set(dt.date(2022, 7, 20))
    url, member = f"/v1/tasks/{task['id']}/result", as_inspector(team["inspectors"][0])
    body = {"inspectors_present": team["inspectors"], "outcome": "violation", "findings": ["fees_published", "fire"],
            "checklist_answers": {"fees_published": "no", "training_time": "yes"}}
    refused = client.post(url, json=body, headers=member)
    assert (refused.status_code, refused.mimetype) == (422, "application/problem+json")
    assert [(v["field"], v["code"]) for v in refused.get_json()["violations"]] == [
        ("findings.1", "task.not_on_checklist"), ("checklist_answers.training_time", "task.not_on_checklist")]
    assert refused.get_json()["violations"][0]["message"] == "fire is not on the checklist of the task's campaign."
    done = client.post(url, json={**body, "findings": ["fees_published"], "checklist_answers": {
        "fees_published": "no", "licence_displayed": "yes"}}, headers=member)
    assert done.status_code == 201, done.get_json()


def test_a_referred_clue_becomes_a_task_a_supervisor_staffs_in_the_campaign_active_that_day(client, database, clock):
    ids = add_inspectors(client)
    deliver(database, "complaints.clue.referred", CLUE)
    deliver(database, "complaints.clue.referred", CLUE)  # redelivered: one task
    [task] = client.get("/v1/tasks?kind=clue", headers=supervisor()).get_json()["items"]
    register_institutions(database, n=1)
    deliver(database, "complaints.clue.referred", {**CLUE, "clue_id": "clue-2", "institution_id": "inst-00"})
    target = client.get("/v1/targets/inst-00", headers=supervisor()).get_json()
    assert [r["text"] for r in target["risk"]["reasons"]][0] == "1 complaint clues about it are open"
    assert (task["due_on"], task["priority"], task["place"], task["team"]) == ("2022-07-20", "urgent",
                                                                               CLUE["place"], [])
    too_small = client.put(f"/v1/tasks/{task['id']}/team", json={"inspectors": [ids[0]], "planned_on": "2022-07-18"},
                           headers=supervisor())
    assert [e["field"] for e in too_small.get_json()["errors"]] == ["inspectors"]
    staffed = client.put(f"/v1/tasks/{task['id']}/team", json={"inspectors": ids[:2], "planned_on": "2022-07-18"},
                         headers=supervisor())
    assert staffed.status_code == 200 and staffed.get_json()["team"] == ids[:2]
    clock.set(dt.date(2022, 7, 18))
    result = {"inspectors_present": ids[:2], "outcome": "compliant"}
    orphan = client.post(f"/v1/tasks/{task['id']}/result", json=result, headers=as_inspector(ids[0]))
    assert orphan.status_code == 422
    assert orphan.get_json()["violations"][0]["code"] == "task.no_routine_campaign"
    routine = client.post("/v1/campaigns", headers=supervisor(), json={
        **SUMMER, "name": "2022年联合检查", "kind": "routine", "starts_on": "2022-01-01", "ends_on": "2022-12-31"})
    special = client.post("/v1/campaigns", json=SUMMER, headers=supervisor()).get_json()
    assert routine.status_code == 201
    done = client.post(f"/v1/tasks/{task['id']}/result", json=result, headers=as_inspector(ids[0]))
    assert done.status_code == 201 and done.get_json()["campaign_id"] == special["id"]
    [event] = completed_events(database)
    assert (event["clue_id"], event["round"], event["findings"]) == ("clue-1", None, [])


def test_an_overdue_rectification_plans_one_follow_up_inspection(client, database):
    register_institutions(database, n=1)
    overdue = {"institution_id": "inst-00", "name": "培训学校00", "division_code": "610722", "town": TOWNS[0],
               "category": "discipline", "from_state": "rectification", "to_state": "rectification",
               "occurred_on": "2022-07-01", "reason": None, "deadline": "2022-06-30"}
    deliver(database, "registry.institution.rectification_overdue", overdue, sequence=3)
    deliver(database, "registry.institution.rectification_overdue", overdue, sequence=3)
    [task] = client.get("/v1/tasks?kind=follow_up", headers=supervisor()).get_json()["items"]
    assert (task["institution_id"], task["town"], task["status"]) == ("inst-00", TOWNS[0], "open")
    elsewhere = client.get("/v1/tasks", headers=bearer("supervisor", town=TOWNS[1])).get_json()
    assert elsewhere["total"] == 0
    target = client.get("/v1/targets/inst-00", headers=supervisor()).get_json()
    assert target["rectification_overdue"] is True


def test_a_redraw_cancels_the_replaced_draws_open_tasks(client, database):
    _, round_ = scheduled_round(client, database)
    first = drawn(client, round_["id"])
    drawn(client, round_["id"], reason="检查员调整")
    listed = client.get("/v1/tasks?page_size=50", headers=supervisor()).get_json()["items"]
    assert {t["status"] for t in listed if t["draw_id"] == first["id"]} == {"cancelled"}
    assert sum(t["status"] == "open" for t in listed) == 6
