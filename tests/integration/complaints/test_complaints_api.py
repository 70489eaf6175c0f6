"""Complaints' API on real PostgreSQL: the public Open311 service list, and the desk's name search."""

import pytest

from services.complaints.bootstrap import SERVICE
from services.complaints.entrypoints.consumer import HANDLERS
from shared.app import create_app
from shared.auth import mint_token
from shared.bus import new_event
from shared.config import Settings
from shared.events import vocabulary
from shared.testing.apps import migrated_database

pytestmark = pytest.mark.integration

SETTINGS = Settings(env="test", jwt_secret="complaints-test-secret-0123456789abcdef0123", log_level="WARNING")
PROBLEM = "application/problem+json"
QIMING = {"institution_id": "01HW8ZQ3V4N6P2K7T9R5M1X0AB", "name": "城固县启明文化培训学校（博望校区）",
          "credit_code": "52610722MJ2950121R", "division_code": "610722", "town": "博望街道",
          "address": "城固县博望街道文化路12号", "category": "discipline", "subject_group": "mathematics",
          "state": "stock"}
XINGGUANG = {**QIMING, "institution_id": "01HW8ZQ3V4N6P2K7T9R5M1X0AC", "name": "龙头镇星光艺术培训中心",
             "credit_code": "52610722MJ2950122P", "town": "龙头镇", "category": "non_discipline"}


@pytest.fixture
def database(pg_url):
    with migrated_database(SERVICE, pg_url) as database:
        yield database


@pytest.fixture
def client(database):
    return create_app(SERVICE, settings=SETTINGS, database=database, testing=True).test_client()


def bearer(*roles):
    token = mint_token(SETTINGS, sub="u-" + "-".join(roles), dept="education", roles=roles)
    return {"Authorization": f"Bearer {token}"}


def deliver(database, event_type, data, sequence):
    """Hand one event to complaints' handler as the consumer would: in a transaction, then commit."""
    event = new_event(event_type, subject=data["institution_id"], data=data)
    event.sequence = sequence
    with database.sessions() as session, session.begin():
        HANDLERS[event_type](event, session)


def register(database, institution=QIMING, sequence=1):
    deliver(database, "registry.institution.registered", institution, sequence)


def change(database, what, to_state, sequence, **changes):
    data = {key: QIMING[key] for key in ("institution_id", "name", "division_code", "town", "category")}
    data.update(from_state="stock", to_state=to_state, occurred_on="2021-09-10", reason=None, **changes)
    deliver(database, f"registry.institution.{what}", data, sequence)


def search(client, **query):
    response = client.get("/v1/institution-names", query_string=query, headers=bearer("desk"))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def services(client, **headers):
    response = client.get("/open311/v2/services.json", headers=headers)
    assert response.status_code == 200
    return response, {s["service_code"]: s for s in response.get_json()}


def test_open311_service_list_is_public_and_in_chinese_by_default(client):
    response, listed = services(client)
    assert response.headers["Content-Language"] == "zh-CN"
    assert tuple(listed) == vocabulary.CLUE_CATEGORIES
    assert listed["hidden_tutoring"]["service_name"] == "隐形变异培训"
    assert listed["holiday_tutoring"]["group"] == "培训行为"
    assert listed["unlicensed_training"]["keywords"] == "无证,无照,非法办学"
    assert {(s["metadata"], s["type"]) for s in listed.values()} == {(True, "realtime")}
    assert all(s["description"] and s["keywords"] for s in listed.values())


def test_open311_service_list_in_english_keeps_the_codes(client):
    response, listed = services(client, **{"Accept-Language": "en"})
    assert response.headers["Content-Language"] == "en"
    assert tuple(listed) == vocabulary.CLUE_CATEGORIES
    assert listed["refund_dispute"]["service_name"] == "Refund dispute"
    assert listed["excessive_fees"]["group"] == "Fees and refunds"


def test_open311_errors_come_in_open311_form(client):
    response = client.get("/open311/v2/services.json?jurisdiction_id=" + "x" * 201)
    assert response.status_code == 422
    assert response.mimetype == "application/json"
    [error] = response.get_json()
    assert error["code"] == 422 and error["description"].startswith("jurisdiction_id")
    assert client.get("/open311/v2/no-such.json").get_json()[0]["code"] == 404


def test_institution_names_need_a_token(client):
    response = client.get("/v1/institution-names")
    assert response.status_code == 401
    assert response.mimetype == PROBLEM


def test_inspector_may_not_search_institution_names(client):
    response = client.get("/v1/institution-names", headers=bearer("inspector", "supervisor"))
    assert response.status_code == 403
    assert response.mimetype == PROBLEM


def test_registered_name_is_found_however_the_reporter_writes_it(client, database):
    register(database)
    register(database, XINGGUANG)
    for written in ("启明文化培训学校(博望校区)", "启明 文化", "博望校区】"):
        page = search(client, q=written)
        assert [item["institution_id"] for item in page["items"]] == [QIMING["institution_id"]], written
    assert search(client)["total"] == 2
    assert search(client, town="龙头镇")["items"][0]["name"] == XINGGUANG["name"]


def test_search_drops_punctuation_so_wildcards_match_nothing_special(client, database):
    register(database)
    register(database, XINGGUANG)
    assert search(client, q="%")["total"] == 2  # nothing but punctuation: no filter at all
    assert search(client, q="启_明")["total"] == 1
    assert search(client, q="启x明")["total"] == 0


def test_search_is_paginated(client, database):
    for n in range(3):
        register(database, {**XINGGUANG, "institution_id": f"inst-{n}", "name": f"星光培训{n}"})
    page = search(client, q="星光", page=2, page_size=2)
    assert (page["total"], page["page"], [i["name"] for i in page["items"]]) == (3, 2, ["星光培训2"])


def test_bad_search_arguments_are_refused_naming_the_fields(client):
    response = client.get("/v1/institution-names?q=&page=0", headers=bearer("admin"))
    assert response.status_code == 422
    assert response.mimetype == PROBLEM
    assert {e["field"] for e in response.get_json()["errors"]} == {"q", "page"}


def test_redelivered_registration_keeps_one_name(client, database):
    register(database)
    register(database)
    assert search(client)["total"] == 1


def test_newer_lifecycle_news_renames_and_older_news_is_ignored(client, database):
    register(database, sequence=1)
    renamed = "城固县启明科技培训中心"
    change(database, "converted", "converted", sequence=3, name=renamed, category="non_discipline")
    change(database, "licensed", "licensed", sequence=2, licence_valid_until=None)  # late, older
    [item] = search(client)["items"]
    assert (item["name"], item["state"], item["category"]) == (renamed, "converted", "non_discipline")
    assert search(client, q="科技")["total"] == 1
    assert search(client, q="文化培训")["total"] == 0


def test_lifecycle_news_before_the_registration_keeps_its_state_and_gains_the_credit_code(client, database):
    change(database, "banned", "banned", sequence=4, case_id=None)
    register(database, sequence=1)
    [item] = search(client)["items"]
    assert (item["state"], item["credit_code"]) == ("banned", QIMING["credit_code"])
