"""A ban comes from a case: inspection's API decides it and the registry bans the institution, over RabbitMQ.

Both services run on their own PostgreSQL schema with their own worker (relay and consumer) on one broker: the
registry announces the institution, inspection keeps it as a target, a supervisor opens a case and imposes a
ban, and the registry's worker carries it out.
"""

from __future__ import annotations

import pytest
from inspection_support import registry_and_inspection

from services.registry.domain.identity import credit_code_check_character
from shared.auth import mint_token
from shared.config import Settings
from shared.testing.bus import wait_until

pytestmark = pytest.mark.integration

SETTINGS = Settings(env="test", jwt_secret="ban-from-a-case-secret-0123456789abcdef0123", log_level="WARNING")
FIRST17 = "52610722MJ0000777"
INSTITUTION = {"name": "城关镇启明星学科培训学校", "division_code": "610722", "town": "城关镇",
               "address": "城关镇南大街12号", "category": "discipline", "subject_group": "mathematics",
               "audience": ["primary"], "contact_phone": "13912345678", "legal_representative": "王启明",
               "state": "stock", "occurred_on": "2021-08-02",
               "credit_code": FIRST17 + credit_code_check_character(FIRST17)}


def bearer(role, dept="education"):
    return {"Authorization": f"Bearer {mint_token(SETTINGS, sub=f'{role}-1', dept=dept, roles=[role])}"}


def test_a_supervisors_ban_in_a_case_bans_the_institution_in_the_registry(postgres_server_url, amqp_url,
                                                                         bus_namespace):
    with registry_and_inspection(postgres_server_url, amqp_url, bus_namespace, SETTINGS) as (registry, inspection):
        created = registry.post("/v1/institutions", json=INSTITUTION, headers=bearer("clerk"))
        assert created.status_code == 201, created.get_json()
        institution_id = str(created.get_json()["id"])
        target = wait_until(lambda: inspection.get(f"/v1/targets/{institution_id}",
                                                   headers=bearer("supervisor")).status_code == 200,
                            30, message="inspection to keep the registered institution as a target")
        assert target
        case = inspection.post("/v1/cases", headers=bearer("supervisor"), json={
            "subject_kind": "institution", "institution_id": institution_id, "summary": "无证开展学科类培训",
            "opened_on": "2022-03-01"})
        assert case.status_code == 201, case.get_json()
        case_id = case.get_json()["id"]
        ban = inspection.post(f"/v1/cases/{case_id}/sanctions", headers=bearer("supervisor"),
                              json={"kind": "ban", "decided_on": "2022-03-02"})
        assert ban.status_code == 201, ban.get_json()

        def banned():
            answer = registry.get(f"/v1/institutions/{institution_id}", headers=bearer("clerk")).get_json()
            return answer["state"] == "banned" and answer

        now = wait_until(banned, 30, message="the registry's worker to carry out the ban")
        assert (now["ban_case_id"], now["state_since"]) == (case_id, "2022-03-02")
        state = wait_until(lambda: inspection.get(f"/v1/targets/{institution_id}", headers=bearer("supervisor"))
                           .get_json()["state"] == "banned", 30, message="inspection to hear of the ban")
        assert state
