"""Conflicts of interest with an institution's legal representative, across services over RabbitMQ: the registry
registers an institution with its legal representative (法定代表人, which its public board shows), inspection keeps
it on the target, and the inspector who declared that person is kept off the draw, off a clue-driven task's team
and off the institution's case; anyone else stays eligible.

The board shows no number for a legal representative, so the name decides (docs/draw.md, "Persons"): an inspector
who declared the name with some certificate number is kept away too. Both services run on their own PostgreSQL
schema with their own worker (relay and consumer) on one broker; the clue comes on the same broker, made from the
`complaints.clue.referred` contract.
"""

from __future__ import annotations

import pytest
from inspection_support import draw_short_of_one, named_inspector, real_time_bearer, registry_and_inspection

from services.registry.domain.identity import credit_code_check_character
from shared.bus import new_event
from shared.bus.transport import Outgoing, transport_from_url
from shared.config import Settings
from shared.events import contract_for
from shared.testing.bus import wait_until

pytestmark = pytest.mark.integration

SETTINGS = Settings(env="test", jwt_secret="legal-representative-0123456789abcdef01234", log_level="WARNING")
FIRST17 = "52610722MJ0000777"
TOWN = "城关镇"
INSTITUTION = {"name": "城关镇博学学科培训学校", "division_code": "610722", "town": TOWN, "address": "城关镇东大街7号",
               "category": "discipline", "subject_group": "discipline", "audience": ["primary"],
               "contact_phone": "0916-7212345", "legal_representative": "欧阳启明", "state": "stock",
               "occurred_on": "2021-08-01", "credit_code": FIRST17 + credit_code_check_character(FIRST17)}
CAMPAIGN = {"name": "2027年寒假专项检查", "kind": "special", "starts_on": "2027-01-04", "ends_on": "2027-01-29",
            "towns": [TOWN], "departments": ["education"]}
ROUND = {"days": ["2027-01-05"], "teams_per_day": 1, "team_size": 3, "target_count": 1}


def bearer(role, dept="education"):
    return real_time_bearer(SETTINGS, role, dept)


def inspector(client, name, conflict_persons=()):
    return named_inspector(client, bearer("supervisor"), name, TOWN, conflict_persons)


def refer_clue(amqp_url, bus_namespace, institution_id):
    """A complaints clue about the institution, published on the broker as complaints would."""
    data = {"clue_id": "clue-legal-1", "category": "unlicensed_training", "institution_id": institution_id,
            "place": INSTITUTION["address"], "town": TOWN, "department": "education", "priority": "urgent",
            "due_on": "2027-01-20"}
    contract_for("complaints.clue.referred").validate(data)
    item = new_event("complaints.clue.referred", subject="clue-legal-1", data=data)
    transport = transport_from_url(amqp_url, namespace=bus_namespace, retry_delays=(0.1,))
    try:
        publisher = transport.publisher("test")
        publisher.publish([Outgoing(key=item.id, body=item.to_json().encode(), routing_key=item.type,
                                    message_id=item.id, timestamp=item.time, correlation_id=item.correlationid)],
                          timeout=10)
        publisher.close()
    finally:
        transport.close()


def test_the_registered_legal_representative_keeps_away_whoever_declared_them(
        postgres_server_url, amqp_url, bus_namespace):
    with registry_and_inspection(postgres_server_url, amqp_url, bus_namespace, SETTINGS) as (registry, inspection):
        created = registry.post("/v1/institutions", json=INSTITUTION, headers=bearer("clerk"))
        assert created.status_code == 201, created.get_json()
        institution_id = str(created.get_json()["id"])

        def kept():
            answer = inspection.get(f"/v1/targets/{institution_id}", headers=bearer("supervisor"))
            return answer.status_code == 200 and answer.get_json()["legal_representative"] and answer.get_json()
        target = wait_until(kept, 30, message="inspection to keep the legal representative on the target")
        assert target["legal_representative"] == "欧阳启明"

        # typed with a space and a certificate number: the board shows no number for them, so the name decides
        tied = inspector(inspection, "赵一", [{"name": "欧阳 启明", "certificate_no": "20196107221000999"}])
        stranger = inspector(inspection, "钱二", [{"name": "欧阳启"}])  # another person: stays eligible
        others = [inspector(inspection, "孙三")]

        # the draw: three inspectors for a team of three, one tied to the legal representative, then a fourth
        draw = draw_short_of_one(inspection, bearer("supervisor"), CAMPAIGN, ROUND,
                                 lambda: others.append(inspector(inspection, "李四")))
        [team] = draw["result"]["teams"]
        assert team["targets"] == [institution_id]
        assert sorted(team["inspectors"]) == sorted([stranger, *others]) and tied not in team["inspectors"]
        assert draw["algorithm"] == "offcampus-draw/3"

        # a clue-driven task about the institution: the supervisor cannot staff the tied inspector on it
        refer_clue(amqp_url, bus_namespace, institution_id)

        def clue_task():
            found = inspection.get("/v1/tasks?kind=clue", headers=bearer("supervisor")).get_json()["items"]
            return found and found[0]
        task = wait_until(clue_task, 30, message="inspection to make a task of the referred clue")
        team_url = f"/v1/tasks/{task['id']}/team"
        refused = inspection.put(team_url, json={"inspectors": [others[0], tied], "planned_on": "2027-01-06"},
                                 headers=bearer("supervisor"))
        assert (refused.status_code, refused.mimetype) == (422, "application/problem+json")
        assert [(v["field"], v["code"]) for v in refused.get_json()["violations"]] == [
            ("inspectors.1", "team.inspector_legal_representative_conflict")]
        assert "欧阳启明, the legal representative" in refused.get_json()["violations"][0]["message"]
        staffed = inspection.put(team_url, json={"inspectors": [others[0], stranger], "planned_on": "2027-01-06"},
                                 headers=bearer("supervisor"))
        assert staffed.status_code == 200 and staffed.get_json()["team"] == [others[0], stranger]
        assert inspection.get(f"/v1/tasks/{task['id']}", headers=bearer("supervisor")).get_json()["team"] == [
            others[0], stranger]

        # a case against the institution: the tied inspector is named and nothing is assigned
        case = inspection.post("/v1/cases", headers=bearer("supervisor"), json={
            "subject_kind": "institution", "institution_id": institution_id, "town": TOWN,
            "summary": "超范围开展学科类培训"})
        assert case.status_code == 201, case.get_json()
        case_id = case.get_json()["id"]
        assignment = {"case_ids": [case_id], "inspector_ids": [stranger, tied]}
        conflicted = inspection.post("/v1/case-assignments", json=assignment, headers=bearer("supervisor"))
        assert conflicted.status_code == 422
        assert [(v["field"], v["code"]) for v in conflicted.get_json()["violations"]] == [
            ("inspector_ids.1", "assignment.inspector_conflict")]
        assert inspection.get(f"/v1/cases/{case_id}", headers=bearer("supervisor")).get_json()["assignees"] == []
        assigned = inspection.post("/v1/case-assignments", json={**assignment, "inspector_ids": [stranger]},
                                   headers=bearer("supervisor"))
        assert assigned.status_code == 200, assigned.get_json()
