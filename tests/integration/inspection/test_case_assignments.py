"""Assigning several cases at once on real PostgreSQL: each case shows its assignees, an inspector sees only the
cases assigned to them, every bad case or inspector is named, and the write is in the audit trail."""

import inspection_support as support
import pytest
import sqlalchemy as sa
from inspection_support import add_inspectors, bearer, register_institutions, supervisor

from services.inspection.adapters.orm import metadata
from shared.audit import audit_table

pytestmark = pytest.mark.integration
database, clock, client = support.database, support.clock, support.client
HIDDEN = {"subject_kind": "address", "address": "龙头镇锦绣花园3号楼2单元501室", "town": "龙头镇",
          "summary": "在住宅内组织学科类一对多培训", "opened_on": "2022-07-01"}


def opened(client, **changes):
    response = client.post("/v1/cases", json={**HIDDEN, **changes}, headers=supervisor())
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def assign(client, case_ids, inspector_ids, **body):
    return client.post("/v1/case-assignments", headers=supervisor(),
                       json={"case_ids": case_ids, "inspector_ids": inspector_ids, **body})


def test_a_supervisor_assigns_several_cases_to_a_team_and_each_inspector_sees_theirs(client, database):
    first, second, third = (opened(client) for _ in range(3))
    alice, bob, carol = add_inspectors(client, ("education", "fire", "education"))
    response = assign(client, [first, second], [alice, bob])
    assert response.status_code == 200, response.get_json()
    assert [case["id"] for case in response.get_json()["items"]] == [first, second]
    case = client.get(f"/v1/cases/{first}", headers=supervisor()).get_json()
    assert sorted((a["inspector_id"], a["department"], a["assigned_by"]) for a in case["assignees"]) == sorted(
        [(alice, "education", "u-supervisor"), (bob, "fire", "u-supervisor")])
    assert assign(client, [third], [carol]).status_code == 200
    seen_by_bob = client.get("/v1/cases", headers=bearer("inspector", sub=bob)).get_json()
    assert sorted(c["id"] for c in seen_by_bob["items"]) == sorted([first, second])
    assert seen_by_bob["total"] == 2
    # another inspector's case is not there for bob, even asked by id or by assignee
    assert client.get(f"/v1/cases/{third}", headers=bearer("inspector", sub=bob)).status_code == 404
    assert client.get(f"/v1/cases/{first}", headers=bearer("inspector", sub=bob)).status_code == 200
    asked = client.get(f"/v1/cases?assignee={carol}", headers=bearer("inspector", sub=bob)).get_json()
    assert asked["total"] == 2
    by_supervisor = client.get(f"/v1/cases?assignee={carol}", headers=supervisor()).get_json()
    assert [c["id"] for c in by_supervisor["items"]] == [third]
    assert client.get("/v1/cases", headers=supervisor()).get_json()["total"] == 3


def test_assigning_again_adds_once_and_replace_leaves_only_the_named(client):
    case = opened(client)
    alice, bob, carol = add_inspectors(client, ("education", "fire", "education"))
    assign(client, [case], [alice, bob])
    again = assign(client, [case, case], [bob, carol, carol]).get_json()["items"]
    assert [c["id"] for c in again] == [case]
    assert sorted(a["inspector_id"] for a in again[0]["assignees"]) == sorted([alice, bob, carol])
    replaced = assign(client, [case], [carol], replace=True).get_json()["items"][0]
    assert [a["inspector_id"] for a in replaced["assignees"]] == [carol]
    assert client.get("/v1/cases", headers=bearer("inspector", sub=alice)).get_json()["total"] == 0


def test_unknown_and_closed_cases_and_unknown_or_conflicted_inspectors_are_each_named_and_nothing_assigned(
        client, database):
    register_institutions(database, 2)
    good = opened(client)
    closed = opened(client)
    client.post(f"/v1/cases/{closed}/close", json={"decision": "不予处罚"}, headers=supervisor())
    against = opened(client, subject_kind="institution", institution_id="inst-01", address=None)
    [alice] = add_inspectors(client, ("education",))
    conflicted = client.post("/v1/inspectors", headers=supervisor(), json={
        "name": "王某", "department": "fire", "certificate_no": "陕执法99999", "towns": support.TOWNS,
        "conflict_institutions": ["inst-01"]}).get_json()["id"]
    response = assign(client, [good, "no-such-case", closed, against], [alice, "no-such-inspector", conflicted])
    assert (response.status_code, response.mimetype) == (422, "application/problem+json")
    problem = response.get_json()
    assert [(e["field"], e["code"]) for e in problem["violations"]] == [
        ("case_ids.1", "assignment.case_unknown"), ("case_ids.2", "assignment.case_closed"),
        ("inspector_ids.1", "assignment.inspector_unknown"), ("inspector_ids.2", "assignment.inspector_conflict")]
    messages = [e["message"] for e in problem["violations"]]
    assert "There is no case no-such-case." in messages
    assert any(closed in m and "closed" in m for m in messages)
    assert any(against in m and conflicted in m for m in messages)
    assert client.get(f"/v1/cases/{good}", headers=supervisor()).get_json()["assignees"] == []


def test_bad_bodies_are_refused_naming_the_field(client):
    empty = client.post("/v1/case-assignments", json={"case_ids": [], "inspector_ids": "x"}, headers=supervisor())
    assert empty.status_code == 422
    assert {e["field"] for e in empty.get_json()["errors"]} == {"case_ids", "inspector_ids"}
    assert client.post("/v1/case-assignments", json={"case_ids": ["a"], "inspector_ids": ["b"]},
                       headers=bearer("inspector")).status_code == 403


def test_an_assignment_is_in_the_audit_trail(client, database):
    case = opened(client)
    alice, bob = add_inspectors(client, ("education", "fire"))
    assert assign(client, [case], [alice, bob]).status_code == 200
    assert assign(client, ["nope"], [alice]).status_code == 422
    audit = audit_table(metadata)
    with database.engine.connect() as conn:
        rows = conn.execute(sa.select(audit.c.sub, audit.c.status).where(audit.c.path == "/v1/case-assignments")
                            .order_by(audit.c.id)).all()
    assert [tuple(r) for r in rows] == [("u-supervisor", 200), ("u-supervisor", 422)]


def test_a_town_officer_reads_and_assigns_only_their_towns_cases(client):
    here = opened(client)  # 龙头镇
    there = opened(client, town="博望街道", address="博望街道某小区1号")
    [alice] = add_inspectors(client, ("education",))
    officer = bearer("supervisor", town="龙头镇")
    assert [c["id"] for c in client.get("/v1/cases", headers=officer).get_json()["items"]] == [here]
    assert client.get(f"/v1/cases/{there}", headers=officer).status_code == 404
    refused = client.post("/v1/case-assignments", headers=officer, json={"case_ids": [here, there],
                                                                        "inspector_ids": [alice]})
    assert [(e["field"], e["code"]) for e in refused.get_json()["violations"]] == [
        ("case_ids.1", "assignment.case_unknown")]
    assert client.post("/v1/case-assignments", headers=officer,
                       json={"case_ids": [here], "inspector_ids": [alice]}).status_code == 200
