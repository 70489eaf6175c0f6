"""Conflicts of interest with persons, across services over RabbitMQ: the registry publishes a filing's teachers as
its public board shows them, inspection keeps them on the target, and a draw keeps away the inspector who declared
a conflict with one of them (however they typed the name), but not a namesake with another certificate number.

Both services run on their own PostgreSQL schema with their own worker (relay and consumer) on one broker.
"""

from __future__ import annotations

import pytest
from inspection_support import draw_short_of_one, named_inspector, real_time_bearer, registry_and_inspection

from services.registry.domain.identity import credit_code_check_character
from shared.config import Settings
from shared.testing.bus import wait_until

pytestmark = pytest.mark.integration

SETTINGS = Settings(env="test", jwt_secret="conflicts-with-persons-0123456789abcdef0123", log_level="WARNING")
FIRST17 = "52610722MJ0000888"
TOWN = "城关镇"
INSTITUTION = {"name": "城关镇明德学科培训学校", "division_code": "610722", "town": TOWN, "address": "城关镇南大街20号",
               "category": "discipline", "subject_group": "discipline", "audience": ["primary"],
               "contact_phone": "0916-7212345", "legal_representative": "王启明", "occurred_on": "2021-08-01",
               "credit_code": FIRST17 + credit_code_check_character(FIRST17)}
LICENCE = {"school_running_licence": {"number": "教民161072270000888号", "issued_on": "2021-09-01",
                                      "valid_until": "2027-08-31"},
           "registration": {"kind": "registration_certificate", "number": "52610722MJY1234888",
                            "issued_on": "2021-09-01", "valid_until": "2027-08-31"}}
FILING = {
    "courses": [{"subject": "数学", "grade_band": "primary", "materials": ["人教版数学三年级下册"]}],
    "teachers": [{"name": "李明", "qualification_certificate_no": "20196107221000123",
                  "serving_public_school_teacher": False},
                 {"name": "张华", "qualification_certificate_no": "20196107221000456",
                  "serving_public_school_teacher": False}],
    "fee_items": [{"name": "小班数学", "price_per_hour_fen": 3000, "grade_band": "primary", "class_size_band": "small",
                   "hours_per_collection": 20, "months_per_collection": 1, "amount_per_collection_fen": 60000}],
    "timetable": [{"weekday": 2, "start": "16:30", "end": "17:30", "mode": "offline", "course": "数学"}],
    "sessions": [{"date": "2025-03-04", "start": "16:30", "end": "17:30", "mode": "offline", "course": "数学"}],
}
CAMPAIGN = {"name": "2027年寒假专项检查", "kind": "special", "starts_on": "2027-01-04", "ends_on": "2027-01-29",
            "towns": [TOWN], "departments": ["education"]}
ROUND = {"days": ["2027-01-05"], "teams_per_day": 1, "team_size": 3, "target_count": 1}


def bearer(role, dept="education"):
    return real_time_bearer(SETTINGS, role, dept)


def inspector(client, name, conflict_persons=()):
    return named_inspector(client, bearer("supervisor"), name, TOWN, conflict_persons)


def test_a_draw_keeps_away_the_inspector_who_declared_a_teacher_the_registry_published(
        postgres_server_url, amqp_url, bus_namespace):
    with registry_and_inspection(postgres_server_url, amqp_url, bus_namespace, SETTINGS) as (registry, inspection):
        created = registry.post("/v1/institutions", json=INSTITUTION, headers=bearer("clerk"))
        assert created.status_code == 201, created.get_json()
        institution_id = created.get_json()["id"]
        licensed = registry.post(f"/v1/institutions/{institution_id}/transitions", headers=bearer("clerk"),
                                 json={"action": "license", "data": {"licence": LICENCE, "occurred_on": "2021-09-01"}})
        assert licensed.status_code == 200, licensed.get_json()
        filed = registry.post(f"/v1/institutions/{institution_id}/filings", json=FILING, headers=bearer("clerk"))
        assert filed.status_code == 201, filed.get_json()
        board = registry.get(f"/v1/public/institutions/{institution_id}").get_json()["filing"]["teachers"]

        def kept():
            answer = inspection.get(f"/v1/targets/{institution_id}", headers=bearer("supervisor")).get_json()
            return (answer.get("filing") or {}).get("teachers") and answer
        target = wait_until(kept, 30, message="inspection to keep the filing's teachers on the target")
        # inspection knows the teachers the board shows, nothing more
        assert [(t["name"], t["certificate_no"]) for t in target["filing"]["teachers"]] == [
            (t["name"], t["qualification_certificate_no"]) for t in board] == [
            ("李明", "20196107221000123"), ("张华", "20196107221000456")]

        tied = inspector(inspection, "赵一", [{"name": "李　明"}])  # typed with an ideographic space
        namesake = inspector(inspection, "钱二", [{"name": "李明", "certificate_no": "20196107221000999"}])
        others = [inspector(inspection, "孙三")]
        # three inspectors for a team of three, one of them tied to a teacher: the team cannot be made; then a fourth
        draw = draw_short_of_one(inspection, bearer("supervisor"), CAMPAIGN, ROUND,
                                 lambda: others.append(inspector(inspection, "李四")))
        [team] = draw["result"]["teams"]
        assert team["targets"] == [str(institution_id)]
        assert sorted(team["inspectors"]) == sorted([namesake, *others]) and tied not in team["inspectors"]
