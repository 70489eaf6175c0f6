"""Registering institutions and reading the registry's book, on real PostgreSQL."""

from __future__ import annotations

import pytest
import test_registry_institutions_support as support
from test_registry_institutions_support import CLERK, PROBLEM, QIMING, bearer, credit_code, published, register

from shared.clock import SYSTEM_CLOCK

pytestmark = pytest.mark.integration
database, app, client, refusing_client = (  # the shared fixtures
    support.database, support.app, support.client, support.refusing_client)


def post(client, headers=CLERK, **changes):
    return client.post("/v1/institutions", json={**QIMING, "credit_code": credit_code(), **changes}, headers=headers)


def field_codes(answer) -> dict[str, str]:
    return {violation["field"]: violation["code"] for violation in answer.get_json()["violations"]}


def test_a_clerk_registers_an_institution_with_every_field_and_reads_it_back(client, database):
    created = post(client, credit_code=" 5261 0722-mjy1 23456l ")
    assert created.status_code == 201
    assert created.headers["Location"].endswith(f"/v1/institutions/{created.get_json()['id']}")
    institution = created.get_json()
    assert institution["credit_code"] == "52610722MJY123456L"  # as the certificate writes it
    for name in ("name", "division_code", "town", "address", "category", "subject_group", "audience",
                 "contact_phone", "legal_representative", "state", "occurred_on"):
        assert institution[name] == QIMING[name]
    assert institution["state_label"] == "存量（复核前在册）"
    assert institution["allowed_actions"] == ["start_review", "ban", "close", "convert"]
    read = client.get(f"/v1/institutions/{institution['id']}", headers=bearer("integrator"))
    assert read.status_code == 200 and read.get_json() == institution
    assert read.headers["ETag"] == created.headers["ETag"] == '"v1"'
    [registered] = published(database, "registry.institution.registered")
    assert registered["data"]["credit_code"] == "52610722MJY123456L"
    assert registered["data"]["institution_id"] == str(institution["id"])
    assert registered["data"]["legal_representative"] == "王启明"  # as the board shows it: inspection matches it


def test_a_new_application_starts_under_review_dated_today(client):
    body = {name: value for name, value in QIMING.items() if name not in ("state", "occurred_on")}
    created = client.post("/v1/institutions", json={**body, "credit_code": credit_code()}, headers=CLERK)
    institution = created.get_json()
    assert institution["state"] == "under_review" and institution["registered_state"] == "under_review"
    assert institution["occurred_on"] == SYSTEM_CLOCK.today().isoformat()


def test_a_credit_code_failing_its_check_character_is_refused_naming_the_field(client):
    refused = post(client, credit_code="52610722MJY123456X")
    assert refused.status_code == 422 and refused.mimetype == PROBLEM
    assert field_codes(refused) == {"credit_code": "credit_code.check_character"}
    assert "校验码" in refused.get_json()["errors"][0]["messages"][0]


def test_every_broken_identity_rule_is_listed_with_its_own_code_in_english_on_request(client):
    refused = post(client, headers={**CLERK, "Accept-Language": "en"}, credit_code="52610722MJY12345",
                   division_code="6107")
    assert refused.status_code == 422
    assert field_codes(refused) == {"credit_code": "credit_code.length", "division_code": "division_code.format"}
    assert "must have 18 characters" in refused.get_json()["detail"]


@pytest.mark.parametrize(("changes", "field"), [
    ({"category": "tutoring"}, "category"),
    ({"audience": []}, "audience"),
    ({"audience": ["kindergarten"]}, "audience.0"),
    ({"contact_phone": "12345"}, "contact_phone"),
    ({"contact_phone": "١٣٩١٢٣٤٥٦٧٨"}, "contact_phone"),  # digits of another script are not a phone number
    ({"legal_representative": "   "}, "legal_representative"),
    ({"state": "licensed"}, "state"),
    ({"occurred_on": "2021-02-30"}, "occurred_on"),
    ({"name": None}, "name"),
    ({"founded": "2019"}, "founded"),
])
def test_bad_input_is_a_problem_naming_the_field_never_a_500(refusing_client, changes, field):
    refused = post(refusing_client, **changes)
    assert refused.status_code == 422 and refused.mimetype == PROBLEM
    assert field in {error["field"] for error in refused.get_json()["errors"]}


def test_a_missing_required_field_is_named(client):
    body = {**QIMING, "credit_code": credit_code()}
    del body["contact_phone"]
    refused = client.post("/v1/institutions", json=body, headers=CLERK)
    assert refused.status_code == 422
    assert [error["field"] for error in refused.get_json()["errors"]] == ["contact_phone"]


def test_a_date_in_the_future_is_refused(client):
    refused = post(client, occurred_on="2999-01-01")
    assert refused.status_code == 422
    assert field_codes(refused) == {"occurred_on": "transition.occurred_in_future"}


def test_a_credit_code_already_registered_is_409_naming_the_holder(client, database):
    first = register(client)
    again = post(client, credit_code=first["credit_code"].lower(), name="另一个名字")
    assert again.status_code == 409
    assert again.get_json()["code"] == "institution.duplicate_credit_code"
    assert again.get_json()["existing_id"] == first["id"]
    assert len(published(database, "registry.institution.registered")) == 1


def test_only_a_clerk_registers(client):
    assert post(client, headers=bearer("integrator")).status_code == 403
    assert post(client, headers={}).status_code == 401


def test_a_name_holding_every_pair_of_the_text_but_not_the_text_is_not_found(client):
    scattered = register(client, name="城关镇ABC明德英才德学中心")  # 明德 and 德学, never 明德学

    def names(query):
        answer = client.get(f"/v1/institutions{query}", headers=CLERK)
        assert answer.status_code == 200, answer.get_json()
        return [item["name"] for item in answer.get_json()["items"]]

    assert names("?q=明德学") == [] and names("?q=德学") == [scattered["name"]]
    assert names("?q=abc明") == [scattered["name"]] and names("?q=Bc") == [scattered["name"]]  # letter case aside


def test_the_list_filters_by_state_category_town_and_part_of_a_chinese_name(client):
    qiming = register(client)
    register(client, name="博望街道新星艺术培训中心", town="博望街道", category="non_discipline",
             subject_group="arts", state="under_review")
    register(client, name="龙头镇100%_成才学校", town="龙头镇")

    def names(query, headers=CLERK):
        answer = client.get(f"/v1/institutions{query}", headers=headers)
        assert answer.status_code == 200, answer.get_json()
        return [item["name"] for item in answer.get_json()["items"]]

    assert names("?q=启明") == [qiming["name"]]
    assert names("?q=%20启明星%20") == [qiming["name"]]
    assert names("?q=%25_") == ["龙头镇100%_成才学校"]  # typed % and _ are characters, not wildcards
    assert names("?q=_") == ["龙头镇100%_成才学校"]
    assert names("?q=启") == [qiming["name"]]  # one character
    assert names("?q=明星") == [qiming["name"]] and names("?q=星启") == []  # pairs in their order only
    assert names("?state=under_review") == ["博望街道新星艺术培训中心"]
    assert names("?category=discipline&town=城关镇") == [qiming["name"]]
    assert names("?division_code=610722&page_size=2") == ["龙头镇100%_成才学校", "博望街道新星艺术培训中心"]
    assert names("", headers=bearer("supervisor", town="博望街道")) == ["博望街道新星艺术培训中心"]
    assert names("?town=城关镇", headers=bearer("supervisor", town="博望街道")) == ["博望街道新星艺术培训中心"]


def test_the_list_is_paginated_newest_first(client):
    ids = [register(client)["id"] for _ in range(5)]
    page = client.get("/v1/institutions?page=2&page_size=2", headers=CLERK).get_json()
    assert page["total"] == 5 and page["page"] == 2 and page["page_size"] == 2
    assert [item["id"] for item in page["items"]] == ids[::-1][2:4]
    assert client.get("/v1/institutions?page_size=500", headers=CLERK).status_code == 422
    assert client.get("/v1/institutions?state=open", headers=CLERK).status_code == 422


def test_an_unknown_institution_is_a_404_problem(client):
    missing = client.get("/v1/institutions/424242", headers=CLERK)
    assert missing.status_code == 404 and missing.mimetype == PROBLEM
    assert missing.get_json()["code"] == "institution.not_found"
    assert client.get("/v1/institutions/99999999999", headers=CLERK).status_code == 404


def test_a_town_officer_finds_no_institution_of_another_town_by_its_id(client):
    """The town claim bounds single reads and actions as it bounds the list: another town's is not there."""
    chengguan = register(client)  # 城关镇
    bowang = register(client, name="博望街道新星艺术培训中心", town="博望街道", state="under_review")
    officer = bearer("clerk", "supervisor", town="博望街道")
    for path in ("", "/notices", "/filings", "/filings/current"):
        hidden = client.get(f"/v1/institutions/{chengguan['id']}{path}", headers=officer)
        assert hidden.status_code == 404 and hidden.mimetype == PROBLEM, path
        assert hidden.get_json()["code"] == "institution.not_found"
    moved = client.post(f"/v1/institutions/{chengguan['id']}/transitions", headers=officer,
                        json={"action": "close", "data": {"reason": "迁出本县"}})
    assert moved.status_code == 404
    assert client.get(f"/v1/institutions/{chengguan['id']}", headers=CLERK).get_json()["state"] == "stock"
    assert client.get(f"/v1/institutions/{bowang['id']}", headers=officer).status_code == 200
    assert client.get(f"/v1/institutions/{bowang['id']}/notices", headers=officer).status_code == 200
