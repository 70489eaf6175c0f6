"""Cases and sanctions on real PostgreSQL, and the published results that never name a private person."""

import datetime as dt
import json

import inspection_support as support
import pytest
import sqlalchemy as sa
from inspection_support import TOWNS, bearer, drawn, scheduled_round, supervisor

from shared.bus.tables import outbox_table

pytestmark = pytest.mark.integration
database, clock, client = support.database, support.clock, support.client
HIDDEN = {"subject_kind": "person", "person_name": "张某某", "address": "龙头镇锦绣花园3号楼2单元501室",
          "town": "龙头镇", "summary": "在住宅内组织学科类一对多培训", "opened_on": "2022-07-20"}


def events(database, event_type):
    with database.engine.connect() as conn:
        rows = conn.execute(sa.select(outbox_table.c.payload).where(outbox_table.c.type == event_type)).scalars()
        return [json.loads(row)["data"] for row in rows]


def opened(client, body):
    response = client.post("/v1/cases", json=body, headers=supervisor())
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_a_violation_found_becomes_a_case_whose_ban_goes_to_the_registry(client, database, clock):
    _, round_ = scheduled_round(client, database)
    team = drawn(client, round_["id"])["result"]["teams"][0]
    task = client.get("/v1/tasks", headers=bearer("inspector", sub=team["inspectors"][0])).get_json()["items"][0]
    clock.set(dt.date(2022, 7, 14))
    client.post(f"/v1/tasks/{task['id']}/result", headers=bearer("inspector", sub=team["inspectors"][0]), json={
        "inspectors_present": team["inspectors"], "outcome": "violation", "findings": ["licence_displayed"]})
    target = client.get(f"/v1/targets/{task['institution_id']}", headers=supervisor()).get_json()
    assert (target["last_inspected_on"], target["risk"]["tier"]) == ("2022-07-14", "C")
    assert [r["code"] for r in target["risk"]["reasons"]] == ["risk.violations"]
    [published] = client.get("/v1/public/results").get_json()["items"]
    assert (published["institution_name"], published["findings"], published["outcome"]) == (
        f"培训学校{task['institution_id'][-2:]}", ["licence_displayed"], "violation")
    assert "inspectors_present" not in published
    case = opened(client, {"subject_kind": "institution", "source_task_id": task["id"], "summary": "无证办学"})
    assert (case["institution_id"], case["town"]) == (task["institution_id"], task["town"])
    fine = client.post(f"/v1/cases/{case['id']}/sanctions", json={"kind": "fine"}, headers=supervisor())
    assert fine.status_code == 422 and [e["field"] for e in fine.get_json()["errors"]] == ["amount_fen"]
    assert client.post(f"/v1/cases/{case['id']}/sanctions", json={"kind": "fine", "amount_fen": 2000000},
                       headers=supervisor()).status_code == 201
    assert client.post(f"/v1/cases/{case['id']}/sanctions", json={"kind": "ban"},
                       headers=supervisor()).status_code == 201
    closed = client.post(f"/v1/cases/{case['id']}/close", json={"decision": "罚款并取缔"}, headers=supervisor())
    assert closed.status_code == 200 and closed.get_json()["closed_on"] == "2022-07-14"
    late = client.post(f"/v1/cases/{case['id']}/sanctions", json={"kind": "warning"}, headers=supervisor())
    assert (late.status_code, late.get_json()["code"]) == (422, "case.closed")
    [ban] = [e for e in events(database, "inspection.case.sanction_imposed") if e["kind"] == "ban"]
    assert (ban["institution_id"], ban["decided_on"]) == (task["institution_id"], "2022-07-14")
    [closing] = events(database, "inspection.case.closed")
    assert (closing["punished"], closing["source_task_id"]) == (True, task["id"])


def test_a_case_from_a_compliant_task_or_without_whom_is_refused_naming_the_field(client, database):
    no_task = client.post("/v1/cases", json={"subject_kind": "institution", "source_task_id": "nope",
                                             "summary": "x"}, headers=supervisor())
    assert [e["field"] for e in no_task.get_json()["errors"]] == ["source_task_id"]
    nobody = client.post("/v1/cases", json={**HIDDEN, "person_name": None}, headers=supervisor())
    assert [e["field"] for e in nobody.get_json()["errors"]] == ["person_name"]


def test_an_order_to_rectify_needs_a_deadline_after_the_decision(client):
    case = opened(client, HIDDEN)
    response = client.post(f"/v1/cases/{case['id']}/sanctions", headers=supervisor(),
                           json={"kind": "rectification_order", "amount_fen": 5, "decided_on": "2022-07-19"})
    assert {e["field"] for e in response.get_json()["errors"]} == {"amount_fen", "deadline", "decided_on"}
    ban = client.post(f"/v1/cases/{case['id']}/sanctions", json={"kind": "ban", "decided_on": "2022-07-21"},
                      headers=supervisor())
    assert [e["field"] for e in ban.get_json()["errors"]] == ["kind"]


def test_public_results_never_show_a_private_persons_name_or_home(client, database):
    case = opened(client, HIDDEN)
    client.post(f"/v1/cases/{case['id']}/sanctions", json={"kind": "warning", "decided_on": "2022-07-21"},
                headers=supervisor())
    assert case["person_name"] == HIDDEN["person_name"]  # the supervisor reads it
    response = client.get("/v1/public/results?kind=cases")
    assert response.status_code == 200
    assert HIDDEN["person_name"] not in response.get_data(as_text=True)
    assert HIDDEN["address"] not in response.get_data(as_text=True)
    [item] = response.get_json()["items"]
    assert (item["subject_kind"], item["town"], item["summary"]) == ("person", "龙头镇", HIDDEN["summary"])
    assert [s["kind"] for s in item["sanctions"]] == ["warning"]
    [event] = events(database, "inspection.case.opened")
    assert HIDDEN["person_name"] not in json.dumps(event, ensure_ascii=False)


def test_a_case_imported_twice_by_external_ref_is_one(client):
    first = client.post("/v1/cases", json={**HIDDEN, "external_ref": "2021-案-7"}, headers=supervisor())
    again = client.post("/v1/cases", json={**HIDDEN, "external_ref": "2021-案-7"}, headers=supervisor())
    assert (first.status_code, again.status_code) == (201, 200)
    assert client.get("/v1/cases", headers=supervisor()).get_json()["total"] == 1
    assert TOWNS[1] == again.get_json()["town"]
