"""Inspection's API on real PostgreSQL: its replica of the registry, and launching a campaign."""

import json

import pytest
import sqlalchemy as sa

from services.inspection.bootstrap import SERVICE
from services.inspection.entrypoints.consumer import HANDLERS
from shared.app import create_app
from shared.auth import mint_token
from shared.bus import new_event
from shared.bus.tables import outbox_table
from shared.config import Settings
from shared.testing.apps import migrated_database

pytestmark = pytest.mark.integration

SETTINGS = Settings(env="test", jwt_secret="inspection-test-secret-0123456789abcdef0123", log_level="WARNING")
PROBLEM = "application/problem+json"
QIMING = {"institution_id": "01HW8ZQ3V4N6P2K7T9R5M1X0AB", "name": "城固县启明文化培训学校",
          "credit_code": "52610722MJ2950121R", "division_code": "610722", "town": "博望街道",
          "address": "城固县博望街道文化路12号", "category": "discipline", "subject_group": "mathematics",
          "state": "stock", "occurred_on": "2021-08-02"}
SUMMER = {"name": "2021年暑期“监管护苗”专项行动", "kind": "special", "starts_on": "2021-07-10",
          "ends_on": "2021-08-28", "rounds": 6, "towns": ["博望街道", "龙头镇"],
          "departments": ["education", "market_regulation", "fire"]}


@pytest.fixture
def database(pg_url):
    with migrated_database(SERVICE, pg_url) as database:
        yield database


@pytest.fixture
def client(database):
    return create_app(SERVICE, settings=SETTINGS, database=database, testing=True).test_client()


def bearer(*roles, town=None, dept="education"):
    token = mint_token(SETTINGS, sub="u-" + "-".join(roles), dept=dept, roles=roles, town=town)
    return {"Authorization": f"Bearer {token}"}


def deliver(database, event_type, data, sequence):
    """Hand one event to inspection's handler as the consumer would: in a transaction, then commit."""
    event = new_event(event_type, subject=data["institution_id"], data=data)
    event.sequence = sequence
    with database.sessions() as session, session.begin():
        HANDLERS[event_type](event, session)


def register(database, sequence=1, **changes):
    deliver(database, "registry.institution.registered", {**QIMING, **changes}, sequence)


def change(database, what, to_state, sequence, **extra):
    data = {key: QIMING[key] for key in ("institution_id", "name", "division_code", "town", "category")}
    data.update(from_state="under_review", to_state=to_state, occurred_on="2021-09-10", reason=None, **extra)
    deliver(database, f"registry.institution.{what}", data, sequence)


def inspectable(client, headers, **query):
    response = client.get("/v1/inspectable-institutions", query_string=query, headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_inspectable_institutions_need_a_token(client):
    response = client.get("/v1/inspectable-institutions")
    assert response.status_code == 401
    assert response.mimetype == PROBLEM


def test_complaints_desk_may_not_list_inspectable_institutions(client):
    response = client.get("/v1/inspectable-institutions", headers=bearer("desk"))
    assert response.status_code == 403
    assert response.get_json()["code"] == "forbidden"


def test_registered_institution_becomes_inspectable(client, database):
    register(database)
    register(database, institution_id="01HW8ZQ3V4N6P2K7T9R5M1X0AC", name="龙头镇星光艺术培训中心",
             credit_code="52610722MJ2950122P", town="龙头镇", category="non_discipline", subject_group="arts")
    page = inspectable(client, bearer("inspector"), town="博望街道")
    assert page["total"] == 1
    assert page["items"][0] == {**{k: QIMING[k] for k in QIMING if k not in ("occurred_on",)},
                                "state_since": "2021-08-02"}
    assert inspectable(client, bearer("integrator"))["total"] == 2


def test_town_officer_sees_only_their_own_town(client, database):
    register(database)
    register(database, institution_id="01HW8ZQ3V4N6P2K7T9R5M1X0AC", credit_code="52610722MJ2950122P",
             town="龙头镇")
    page = inspectable(client, bearer("inspector", town="龙头镇"), town="博望街道")
    assert [item["town"] for item in page["items"]] == ["龙头镇"]


def test_list_is_paginated(client, database):
    for n in range(3):
        register(database, institution_id=f"inst-{n}", name=f"培训学校{n}")
    page = inspectable(client, bearer("supervisor"), page=2, page_size=2)
    assert (page["total"], page["page"], [i["name"] for i in page["items"]]) == (3, 2, ["培训学校2"])


def test_bad_page_size_is_refused_naming_the_field(client):
    response = client.get("/v1/inspectable-institutions?page_size=0", headers=bearer("admin"))
    assert response.status_code == 422
    assert response.mimetype == PROBLEM
    assert [e["field"] for e in response.get_json()["errors"]] == ["page_size"]


def test_redelivered_registration_leaves_one_institution(client, database):
    register(database)
    register(database)
    assert inspectable(client, bearer("supervisor"))["total"] == 1


def test_lifecycle_events_move_the_state_and_older_news_is_ignored(client, database):
    register(database, sequence=1)
    change(database, "banned", "banned", sequence=3, case_id=None)
    change(database, "licensed", "licensed", sequence=2, licence_valid_until=None)  # late, older
    register(database, sequence=1)  # redelivered registration
    [item] = inspectable(client, bearer("supervisor"))["items"]
    assert (item["state"], item["state_since"]) == ("banned", "2021-09-10")
    assert inspectable(client, bearer("supervisor"), state="licensed")["total"] == 0


def test_lifecycle_event_before_the_registration_still_counts(client, database):
    change(database, "licensed", "licensed", sequence=2, licence_valid_until="2026-08-31")
    register(database, sequence=1)
    [item] = inspectable(client, bearer("supervisor"))["items"]
    assert item["state"] == "licensed"
    assert (item["credit_code"], item["address"]) == (QIMING["credit_code"], QIMING["address"])


def test_supervisor_launches_a_campaign_announced_through_the_outbox(client, database):
    response = client.post("/v1/campaigns", json=SUMMER, headers=bearer("supervisor"))
    assert response.status_code == 201, response.get_json()
    campaign = response.get_json()
    assert {k: campaign[k] for k in SUMMER} == SUMMER
    read = client.get(response.headers["Location"], headers=bearer("inspector"))
    assert read.status_code == 200 and read.get_json() == campaign
    with database.engine.connect() as conn:
        [row] = conn.execute(sa.select(outbox_table)).all()
    event = json.loads(row.payload)
    assert (row.type, row.subject) == ("inspection.campaign.launched", campaign["id"])
    assert event["data"] == {"campaign_id": campaign["id"], **SUMMER}


def test_campaign_ending_before_it_starts_is_refused_naming_ends_on(client, database):
    response = client.post("/v1/campaigns", json={**SUMMER, "ends_on": "2021-07-01"},
                           headers={**bearer("supervisor"), "Accept-Language": "en"})
    assert response.status_code == 422
    assert response.mimetype == PROBLEM
    assert response.get_json()["errors"] == [
        {"field": "ends_on", "location": "json", "messages": ["A campaign cannot end before it starts."]}]
    with database.engine.connect() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(outbox_table)) == 0


def test_campaign_refusal_reads_in_chinese_by_default(client):
    response = client.post("/v1/campaigns", json={**SUMMER, "ends_on": "2021-07-01"},
                           headers=bearer("supervisor"))
    assert response.get_json()["errors"][0]["messages"] == ["检查行动的结束日期不能早于开始日期。"]


def test_campaign_with_unknown_or_missing_fields_is_refused_naming_them(client):
    body = {k: v for k, v in SUMMER.items() if k != "kind"} | {"budget": 100, "departments": ["police"]}
    response = client.post("/v1/campaigns", json=body, headers=bearer("supervisor"))
    assert response.status_code == 422
    fields = {e["field"] for e in response.get_json()["errors"]}
    assert fields == {"kind", "budget", "departments.0"}


def test_only_a_supervisor_launches_campaigns(client):
    assert client.post("/v1/campaigns", json=SUMMER).status_code == 401
    response = client.post("/v1/campaigns", json=SUMMER, headers=bearer("inspector", "admin"))
    assert response.status_code == 403


def test_unknown_campaign_is_not_found(client):
    response = client.get("/v1/campaigns/01HZ0A1B2C3D4E5F6G7H8J9K0M", headers=bearer("supervisor"))
    assert response.status_code == 404
    assert response.get_json()["code"] == "campaign.not_found"


def test_repeated_launch_with_the_same_idempotency_key_launches_once(client, database):
    headers = {**bearer("supervisor"), "Idempotency-Key": "summer-2021"}
    first = client.post("/v1/campaigns", json=SUMMER, headers=headers)
    again = client.post("/v1/campaigns", json=SUMMER, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.get_json()["id"] == first.get_json()["id"]
    with database.engine.connect() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(outbox_table)) == 1



def test_text_with_a_nul_character_is_refused_not_a_server_error(client):
    body = {**SUMMER, "towns": ["龙头镇\x00"]}
    response = client.post("/v1/campaigns", json=body, headers=bearer("supervisor"))
    assert response.status_code == 422
    assert [e["field"] for e in response.get_json()["errors"]] == ["towns.0"]
    response = client.get("/v1/inspectable-institutions?town=a%00b", headers=bearer("supervisor"))
    assert response.status_code == 422
    assert client.get("/v1/campaigns/a%00b", headers=bearer("supervisor")).status_code == 404
