"""An inspector's sign-in account on real PostgreSQL: a person whose provider subject is an inspector's `account`
is that inspector (their tasks, their cases, their results); an account is unique and well formed; giving one is
a supervisor's write in the audit trail."""

import datetime as dt

import inspection_support as support
import pytest
import sqlalchemy as sa
from inspection_support import TOWNS, bearer, drawn, scheduled_round, supervisor

from services.inspection.adapters.orm import metadata
from shared.audit import audit_table

pytestmark = pytest.mark.integration
database, clock, client = support.database, support.clock, support.client
ZHANG = {"name": "张检查", "department": "education", "certificate_no": "陕执法90001", "towns": TOWNS}


def signed_in(account):
    """A person signed in through the identity provider: their `sub` is their login, not an inspector id."""
    return bearer("inspector", sub=account)


def given_account(client, inspector_id, account):
    response = client.patch(f"/v1/inspectors/{inspector_id}", json={"account": account}, headers=supervisor())
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_the_person_signed_in_with_an_inspectors_account_sees_and_records_that_inspectors_tasks(client, database,
                                                                                               clock):
    _, round_ = scheduled_round(client, database)
    team, other = drawn(client, round_["id"])["result"]["teams"][:2]
    assert client.get("/v1/tasks", headers=signed_in("zhang")).get_json()["total"] == 0
    assert given_account(client, team["inspectors"][0], "zhang")["account"] == "zhang"

    mine = client.get("/v1/tasks", headers=signed_in("zhang")).get_json()
    by_id = client.get("/v1/tasks", headers=bearer("inspector", sub=team["inspectors"][0])).get_json()
    assert [t["id"] for t in mine["items"]] == [t["id"] for t in by_id["items"]] and mine["total"] > 0
    assert all(team["inspectors"][0] in t["team"] for t in mine["items"])
    task = next(t for t in mine["items"] if t["planned_on"] == team["day"])
    not_mine = next(t for t in client.get("/v1/tasks?page_size=100", headers=supervisor()).get_json()["items"]
                    if team["inspectors"][0] not in t["team"] and set(t["team"]) == set(other["inspectors"]))

    clock.set(dt.date.fromisoformat(team["day"]))
    body = {"inspectors_present": team["inspectors"], "outcome": "compliant",
            "checklist_answers": {"licence_displayed": "yes"}}
    refused = client.post(f"/v1/tasks/{not_mine['id']}/result", headers=signed_in("zhang"),
                          json={**body, "inspectors_present": other["inspectors"]})
    assert (refused.status_code, refused.get_json()["code"]) == (403, "task.not_on_team")
    done = client.post(f"/v1/tasks/{task['id']}/result", headers=signed_in("zhang"), json=body)
    assert done.status_code == 201, done.get_json()
    assert (done.get_json()["status"], done.get_json()["completed_by"]) == ("completed", team["inspectors"][0])

    given_account(client, team["inspectors"][0], None)  # the account taken away: that person is no inspector
    assert client.get("/v1/tasks", headers=signed_in("zhang")).get_json()["total"] == 0


def test_the_person_signed_in_with_an_account_reads_only_the_cases_assigned_to_that_inspector(client):
    alice, bob = (client.post("/v1/inspectors", headers=supervisor(),
                              json={**ZHANG, "certificate_no": f"陕执法9000{k}", "account": f"person-{k}"})
                  .get_json()["id"] for k in (1, 2))
    cases = [client.post("/v1/cases", headers=supervisor(), json={
        "subject_kind": "address", "address": f"龙头镇锦绣花园{k}号楼", "town": "龙头镇",
        "summary": "在住宅内组织学科类一对多培训", "opened_on": "2022-07-01"}).get_json()["id"] for k in (1, 2)]
    for case, inspector in zip(cases, (alice, bob), strict=True):
        assigned = client.post("/v1/case-assignments", headers=supervisor(),
                               json={"case_ids": [case], "inspector_ids": [inspector]})
        assert assigned.status_code == 200, assigned.get_json()
    assert [c["id"] for c in client.get("/v1/cases", headers=signed_in("person-1")).get_json()["items"]] == [cases[0]]
    assert client.get(f"/v1/cases/{cases[0]}", headers=signed_in("person-1")).status_code == 200
    assert client.get(f"/v1/cases/{cases[1]}", headers=signed_in("person-1")).status_code == 404


def test_an_account_is_unique_well_formed_and_given_by_a_supervisor_in_the_audit_trail(client, database):
    first = client.post("/v1/inspectors", headers=supervisor(), json={**ZHANG, "account": "zhang"})
    assert first.status_code == 201 and first.get_json()["account"] == "zhang"
    second = client.post("/v1/inspectors", headers=supervisor(),
                         json={**ZHANG, "name": "李检查", "certificate_no": "陕执法90002"})
    assert second.status_code == 201 and second.get_json()["account"] is None
    first_id, second_id = first.get_json()["id"], second.get_json()["id"]

    duplicate = client.post("/v1/inspectors", headers=supervisor(),
                            json={**ZHANG, "certificate_no": "陕执法90003", "account": "zhang"})
    assert duplicate.status_code == 409
    assert duplicate.headers["Content-Type"] == "application/problem+json"
    assert (duplicate.get_json()["code"], duplicate.get_json()["inspector_id"]) == ("inspector.account_taken",
                                                                                    first_id)
    assert [e["field"] for e in duplicate.get_json()["errors"]] == ["account"]
    for taken in ("zhang", first_id):  # another inspector's account, or their id
        changed = client.patch(f"/v1/inspectors/{second_id}", json={"account": taken}, headers=supervisor())
        assert changed.status_code == 409, changed.get_json()
        assert [e["field"] for e in changed.get_json()["errors"]] == ["account"]
    assert given_account(client, first_id, "zhang")["account"] == "zhang"  # its own again: no conflict

    for bad in ("", "has space", "x" * 201, 7, "nul\x00"):
        refused = client.patch(f"/v1/inspectors/{second_id}", json={"account": bad}, headers=supervisor())
        assert refused.status_code == 422, (bad, refused.get_json())
        assert [e["field"] for e in refused.get_json()["errors"]] == ["account"]
    assert client.get(f"/v1/inspectors/{second_id}", headers=supervisor()).get_json()["account"] is None
    chinese = client.patch(f"/v1/inspectors/{second_id}", json={"account": "zhang"},
                           headers={**supervisor(), "Accept-Language": "zh-CN"})
    assert "已" in chinese.get_json()["errors"][0]["messages"][0]

    forbidden = client.patch(f"/v1/inspectors/{second_id}", json={"account": "li"}, headers=signed_in("li"))
    assert forbidden.status_code == 403
    assert client.patch("/v1/inspectors/nobody", json={"account": "li"}, headers=supervisor()).status_code == 404
    audit = audit_table(metadata)
    with database.engine.connect() as conn:
        rows = conn.execute(sa.select(audit.c.sub, audit.c.method, audit.c.status)
                            .where(audit.c.path == f"/v1/inspectors/{second_id}").order_by(audit.c.id)).all()
    assert [tuple(r) for r in rows] == ([("u-supervisor", "PATCH", 409)] * 2 + [("u-supervisor", "PATCH", 422)] * 5
                                        + [("u-supervisor", "PATCH", 409), ("li", "PATCH", 403)])
