"""Rounds and draws through inspection's API on real PostgreSQL: committed, recomputable, public after."""

import datetime as dt
import hashlib
import json
import os
import subprocess
import sys

import inspection_support as support
import pytest
import sqlalchemy as sa
from inspection_support import (
    ROOT,
    ROUND,
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

from services.inspection.service_layer.draws import publish_finished_draws
from shared.bus.tables import outbox_table

pytestmark = pytest.mark.integration
database, clock, client = support.database, support.clock, support.client

def test_a_round_is_scheduled_with_a_committed_seed_and_drawn_from_it(client, database):
    campaign, round_ = scheduled_round(client, database)
    assert (round_["number"], len(round_["seed_sha256"])) == (1, 64) and "seed" not in round_
    draw = drawn(client, round_["id"])
    assert draw["seed_sha256"] == round_["seed_sha256"]  # the first draw uses the seed committed before
    assert (draw["target_count"], draw["team_count"]) == (6, 4)
    inspectors = {i["id"]: i for i in client.get("/v1/inspectors?page_size=50", headers=supervisor())
                  .get_json()["items"]}
    for team in draw["result"]["teams"]:
        assert {inspectors[m]["department"] for m in team["inspectors"]} == {"education", "fire"}
    for day in ROUND["days"]:
        on_duty = [m for t in draw["result"]["teams"] if t["day"] == day for m in t["inspectors"]]
        assert len(on_duty) == len(set(on_duty)) == 4
    assert client.get(f"/v1/campaigns/{campaign['id']}/rounds", headers=supervisor()).get_json()["items"] == [round_]


def test_verify_recomputes_identical_and_a_tampered_result_is_caught(client, database):
    _, round_ = scheduled_round(client, database)
    draw = drawn(client, round_["id"])
    verified = client.get(f"/v1/draws/{draw['id']}/verify", headers=supervisor()).get_json()
    assert verified["identical"] is True
    with database.engine.begin() as conn:
        from services.inspection.adapters.orm import draws
        result = json.loads(conn.scalar(sa.select(draws.c.result).where(draws.c.id == draw["id"])))
        result["teams"][0]["inspectors"].reverse()
        conn.execute(draws.update().where(draws.c.id == draw["id"]).values(
            result=json.dumps(result, sort_keys=True, separators=(",", ":"), ensure_ascii=False)))
    tampered = client.get(f"/v1/draws/{draw['id']}/verify", headers=supervisor()).get_json()
    assert (tampered["identical"], tampered["result_matches_record"]) == (False, False)


VERIFY_ELSEWHERE = """
import json, sys
from services.inspection.service_layer.draws import verify_draw
from shared.db import Database
database = Database(sys.argv[1])
with database.sessions() as session:
    print(json.dumps(verify_draw(session, sys.argv[2])))
database.dispose()
"""


def test_verify_in_another_process_with_another_hash_seed_is_identical(client, database):
    _, round_ = scheduled_round(client, database)
    draw = drawn(client, round_["id"])
    for hashseed in ("0", "12345"):
        done = subprocess.run([sys.executable, "-c", VERIFY_ELSEWHERE, database.url, draw["id"]], cwd=ROOT,
                              env={**os.environ, "PYTHONHASHSEED": hashseed}, capture_output=True, text=True,
                              timeout=120, check=True)
        assert json.loads(done.stdout.strip().splitlines()[-1])["identical"] is True


def test_public_draw_shows_only_the_commitments_until_the_last_day_has_passed(client, database, clock):
    _, round_ = scheduled_round(client, database)
    draw = drawn(client, round_["id"])
    clock.set(dt.date(2022, 7, 15))  # the last day: visits are still going on
    before = client.get(f"/v1/public/draws/{draw['id']}")
    assert before.status_code == 200
    body = before.get_json()
    assert (body["revealed"], body["seed_sha256"], body["revealed_on"]) == (False, round_["seed_sha256"],
                                                                            "2022-07-16")
    assert not {"seed", "targets", "teams"} & set(body)
    clock.set(dt.date(2022, 7, 16))
    after = client.get(f"/v1/public/draws/{draw['id']}").get_json()
    assert after["revealed"] is True
    assert hashlib.sha256(after["seed"].encode()).hexdigest() == round_["seed_sha256"]
    assert [t["institution_id"] for t in after["targets"]] == draw["result"]["targets"]
    assert set(after["teams"][0]["inspectors"][0]) == {"name", "department"}
    assert after["targets"][0]["name"].startswith("培训学校")


def test_a_rounds_seed_hash_is_public_from_scheduling_and_each_redraw_beside_what_it_replaced(client, database,
                                                                                                clock):
    campaign, round_ = scheduled_round(client, database)
    public = f"/v1/public/campaigns/{campaign['id']}/rounds"
    [scheduled] = client.get(public).get_json()["items"]  # no token
    assert (scheduled["round_id"], scheduled["seed_sha256"], scheduled["draws"], scheduled["revealed"]) == (
        round_["id"], round_["seed_sha256"], [], False)
    assert not {"seed", "days", "targets", "teams"} & set(scheduled)  # nothing that tells when or where
    first = drawn(client, round_["id"])
    second = drawn(client, round_["id"], reason="两名检查员临时抽调")
    [listed] = client.get(public).get_json()["items"]
    assert [(d["draw_id"], d["seed_sha256"], d["superseded_by"], d["reason"]) for d in listed["draws"]] == [
        (first["id"], round_["seed_sha256"], second["id"], None),
        (second["id"], second["seed_sha256"], None, "两名检查员临时抽调")]
    assert listed["draws"][1]["inputs_sha256"] == second["inputs_sha256"]
    clock.set(dt.date(2022, 7, 16))
    assert client.get(public).get_json()["items"][0]["revealed"] is True
    missing = client.get("/v1/public/campaigns/nope/rounds")
    assert (missing.status_code, missing.headers["Content-Type"]) == (404, "application/problem+json")


def test_a_redraw_needs_a_reason_and_both_draws_stay_listed(client, database):
    _, round_ = scheduled_round(client, database)
    first = drawn(client, round_["id"])
    refused = client.post(f"/v1/rounds/{round_['id']}/draws", json={}, headers=supervisor())
    assert refused.status_code == 422
    assert [e["field"] for e in refused.get_json()["errors"]] == ["reason"]
    second = drawn(client, round_["id"], reason="两名检查员临时抽调")
    assert second["seed_sha256"] != first["seed_sha256"]
    listed = client.get(f"/v1/rounds/{round_['id']}/draws", headers=supervisor()).get_json()["items"]
    assert [(d["id"], d["superseded_by"], d["reason"]) for d in listed] == [
        (first["id"], second["id"], None), (second["id"], None, "两名检查员临时抽调")]


def test_the_draw_is_published_once_after_the_rounds_last_day_with_its_commitments(client, database, clock):
    _, round_ = scheduled_round(client, database)
    draw = drawn(client, round_["id"], drawn_at="2022-07-01T12:00:00")  # Shanghai: when the round was scheduled
    clock.set(dt.date(2022, 7, 15))
    assert publish_finished_draws(database, clock) == 0
    clock.set(dt.date(2022, 7, 16))
    assert publish_finished_draws(database, clock) == 1
    assert publish_finished_draws(database, clock) == 0  # a second worker, or a restart
    with database.engine.connect() as conn:
        rows = conn.execute(sa.select(outbox_table).where(outbox_table.c.type == "inspection.draw.published")).all()
    [event] = [json.loads(row.payload) for row in rows]
    assert event["data"]["seed_sha256"] == round_["seed_sha256"] == hashlib.sha256(
        event["data"]["seed"].encode()).hexdigest()
    assert (event["data"]["inputs_sha256"], event["data"]["algorithm"]) == (draw["inputs_sha256"], "offcampus-draw/3")
    assert event["data"]["drawn_at"] == "2022-07-01T04:00:00+00:00"  # when it was drawn, not published


def test_an_impossible_draw_says_what_is_short_on_which_day(client, database):
    register_institutions(database)
    add_inspectors(client, departments=("education", "education", "education", "fire"))
    campaign = client.post("/v1/campaigns", json=SUMMER, headers=supervisor()).get_json()
    round_ = client.post(f"/v1/campaigns/{campaign['id']}/rounds", json=ROUND, headers=supervisor()).get_json()
    response = client.post(f"/v1/rounds/{round_['id']}/draws", json={}, headers=supervisor())
    assert response.status_code == 422
    body = response.get_json()
    assert body["code"] == "draw.impossible"
    assert [v["message"] for v in body["violations"]] == [
        "round 1, 2022-07-14: 1 fire inspector available, 2 needed",
        "round 1, 2022-07-15: 1 fire inspector available, 2 needed"]
    chinese = client.post(f"/v1/rounds/{round_['id']}/draws", json={},
                          headers={**supervisor(), "Accept-Language": "zh-CN"}).get_json()
    assert chinese["violations"][0]["message"] == "第 1 轮，2022-07-14：可用消防检查人员 1 名，需要 2 名"


def test_more_targets_than_exist_is_refused_naming_target_count(client, database):
    _, round_ = scheduled_round(client, database, target_count=13)
    response = client.post(f"/v1/rounds/{round_['id']}/draws", json={}, headers=supervisor())
    assert response.status_code == 422
    assert [(e["field"], e["messages"]) for e in response.get_json()["errors"]] == [
        ("target_count", ["round 1: 12 targets available, 13 needed"])]


@pytest.mark.parametrize("field, value", [("teams_per_day", "3"), ("teams_per_day", 2.9), ("team_size", 1),
                                          ("team_size", True), ("target_count", 0), ("target_count", "6")])
def test_counts_that_are_not_positive_integers_are_refused_naming_the_field(client, database, field, value):
    campaign = client.post("/v1/campaigns", json=SUMMER, headers=supervisor()).get_json()
    response = client.post(f"/v1/campaigns/{campaign['id']}/rounds", json={**ROUND, field: value},
                           headers=supervisor())
    assert (response.status_code, response.headers["Content-Type"]) == (422, "application/problem+json")
    assert [e["field"] for e in response.get_json()["errors"]] == [field]


def test_a_count_that_is_not_a_positive_integer_says_why_in_chinese(client, database):
    campaign = client.post("/v1/campaigns", json=SUMMER, headers=supervisor()).get_json()
    chinese = {k: v for k, v in supervisor().items() if k != "Accept-Language"}
    response = client.post(f"/v1/campaigns/{campaign['id']}/rounds", json={**ROUND, "teams_per_day": 2.9,
                                                                           "team_size": 1}, headers=chinese)
    messages = {e["field"]: e["messages"] for e in response.get_json()["errors"]}
    assert messages == {"teams_per_day": ["不是有效的整数。"], "team_size": ["必须大于或等于 2 且小于或等于 50。"]}


@pytest.mark.parametrize("rounds", ["3", 2.9, -1, 0])
def test_campaign_rounds_must_be_a_positive_integer_not_coerced_or_truncated(client, rounds):
    response = client.post("/v1/campaigns", json={**SUMMER, "rounds": rounds}, headers=supervisor())
    assert (response.status_code, response.headers["Content-Type"]) == (422, "application/problem+json")
    assert [e["field"] for e in response.get_json()["errors"]] == ["rounds"]


def test_round_days_out_of_order_or_outside_the_campaign_are_refused_naming_each(client, database):
    campaign = client.post("/v1/campaigns", json=SUMMER, headers=supervisor()).get_json()
    response = client.post(f"/v1/campaigns/{campaign['id']}/rounds", headers=supervisor(), json={
        **ROUND, "days": ["2022-07-15", "2022-07-14", "2022-09-01"], "tier_percent": {"A": 100}})
    assert response.status_code == 422
    errors = {(e["field"], m) for e in response.get_json()["errors"] for m in e["messages"]}
    assert errors == {
        ("days.1", "Duty days are listed in order, each once: 2022-07-14 comes after 2022-07-15."),
        ("days.2", "2022-09-01 is outside the campaign (2022-07-10 to 2022-08-28)."),
        ("target_count", "Give either target_count or tier_percent, not both and not neither.")}


def test_inspector_and_campaign_imported_twice_by_external_ref_are_one(client):
    body = {"name": "王强", "department": "fire", "certificate_no": "陕执法00001", "external_ref": "paper-17"}
    first = client.post("/v1/inspectors", json=body, headers=supervisor())
    again = client.post("/v1/inspectors", json=body, headers=supervisor())
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json()["id"] == first.get_json()["id"]
    assert client.get("/v1/inspectors", headers=supervisor()).get_json()["total"] == 1
    campaign = {**SUMMER, "external_ref": "2022-summer"}
    one = client.post("/v1/campaigns", json=campaign, headers=supervisor())
    two = client.post("/v1/campaigns", json=campaign, headers=supervisor())
    assert (one.status_code, two.status_code, two.get_json()["id"]) == (201, 200, one.get_json()["id"])


def test_target_shows_its_risk_tier_and_why(client, database):
    register_institutions(database, n=1)
    deliver(database, "registry.institution.rectification_ordered", {
        "institution_id": "inst-00", "name": "培训学校00", "division_code": "610722", "town": TOWNS[0],
        "category": "discipline", "from_state": "under_review", "to_state": "rectification",
        "occurred_on": "2022-06-01", "reason": None, "deadline": "2022-06-30"}, sequence=2)
    deliver(database, "registry.institution.rectification_overdue", {
        "institution_id": "inst-00", "name": "培训学校00", "division_code": "610722", "town": TOWNS[0],
        "category": "discipline", "from_state": "rectification", "to_state": "rectification",
        "occurred_on": "2022-07-01", "reason": None, "deadline": "2022-06-30"}, sequence=3)
    target = client.get("/v1/targets/inst-00", headers=bearer("inspector")).get_json()
    assert (target["state"], target["rectification_overdue"], target["risk"]["tier"]) == ("rectification", True, "B")
    assert [r["text"] for r in target["risk"]["reasons"]] == [
        "its rectification deadline 2022-06-30 has passed", "it has never been inspected"]
    missing = client.get("/v1/targets/nobody", headers=bearer("inspector"))
    assert (missing.status_code, missing.get_json()["code"]) == (404, "target.not_found")


def test_inspectors_of_another_county_are_never_drawn(client, database):
    elsewhere = []
    for k, department in enumerate(("education", "fire") * 6):  # the same departments, covering 洋县's towns
        added = client.post("/v1/inspectors", headers=supervisor(), json={
            "name": f"洋县检查员{k}", "department": department, "certificate_no": f"陕洋执法{k:05d}",
            "towns": ["洋州街道", "戚氏街道"]})
        assert added.status_code == 201, added.get_json()
        elsewhere.append(added.get_json()["id"])
    _, round_ = scheduled_round(client, database)
    draw = drawn(client, round_["id"])
    on_teams = {m for team in draw["result"]["teams"] for m in team["inspectors"]}
    assert on_teams and not on_teams & set(elsewhere)


def _refused_naming(response, field):
    assert response.status_code == 422 and response.mimetype == "application/problem+json", response.get_json()
    assert [e["field"] for e in response.get_json()["errors"]] == [field]


def test_a_paper_campaign_its_round_and_draw_keep_when_they_happened_each_after_what_it_follows(client, database):
    register_institutions(database)
    add_inspectors(client)
    _refused_naming(client.post("/v1/campaigns", json={**SUMMER, "launched_at": "2022-07-05T09:00:00"},
                                headers=supervisor()), "launched_at")  # the clock says 1 July 2022
    launched = client.post("/v1/campaigns", json={**SUMMER, "launched_at": "2022-06-20T09:00:00"},
                           headers=supervisor())
    assert launched.status_code == 201, launched.get_json()
    campaign = launched.get_json()
    assert campaign["launched_at"].startswith("2022-06-20T01:00")  # 09:00 in Shanghai, in UTC
    rounds_path = f"/v1/campaigns/{campaign['id']}/rounds"
    for before_launch_or_ahead in ("2022-06-19T09:00:00", "2022-07-02T09:00:00"):
        _refused_naming(client.post(rounds_path, json={**ROUND, "scheduled_at": before_launch_or_ahead},
                                    headers=supervisor()), "scheduled_at")
    round_ = client.post(rounds_path, json={**ROUND, "scheduled_at": "2022-06-25T09:00:00+08:00"},
                         headers=supervisor()).get_json()
    assert round_["scheduled_at"].startswith("2022-06-25T01:00")

    draws_path = f"/v1/rounds/{round_['id']}/draws"
    _refused_naming(client.post(draws_path, json={"drawn_at": "2022-06-24T10:00:00"}, headers=supervisor()),
                    "drawn_at")
    draw = drawn(client, round_["id"], drawn_at="2022-06-30T16:00:00")
    assert draw["drawn_at"].startswith("2022-06-30T08:00")
    _refused_naming(client.post(draws_path, json={"reason": "组员回避", "drawn_at": "2022-06-30T15:00:00"},
                                headers=supervisor()), "drawn_at")  # before the draw it would replace
    listed = client.get(draws_path, headers=supervisor()).get_json()["items"]
    assert [d["id"] for d in listed] == [draw["id"]]
