"""A town officer's writes stay in their town, and a department the county does not list registers nothing."""

import pytest
import test_registry_filings_support as support
from test_registry_filings_support import QIMING, SETTINGS, credit_code

from shared.auth import mint_token

pytestmark = pytest.mark.integration
database, client = support.database, support.client  # the shared fixtures


def officer(dept="education", town=None, role="clerk"):
    token = mint_token(SETTINGS, sub=f"{dept}-{town}", dept=dept, roles=[role], town=town)
    return {"Authorization": f"Bearer {token}", "Accept-Language": "en"}


def register(client, headers, serial, **changes):
    return client.post("/v1/institutions", json={**QIMING, "credit_code": credit_code(serial), **changes},
                       headers=headers)


def test_a_town_officer_registers_in_their_own_town_only(client):
    chengguan = officer(town="城关镇")
    own = register(client, chengguan, 9101, town="城关镇")
    assert own.status_code == 201
    other = register(client, chengguan, 9102, town="龙头镇", name="龙头镇星火学科培训学校")
    assert other.status_code == 403 and other.mimetype == "application/problem+json"
    assert other.json["code"] == "town_outside_claim" and other.json["town"] == "城关镇"
    assert other.json["detail"] == "A town officer of 城关镇 writes about institutions in 城关镇 only."
    listed = client.get("/v1/institutions", headers=officer()).json
    assert [item["town"] for item in listed["items"]] == ["城关镇"]  # nothing was written for 龙头镇


def test_a_county_officer_registers_in_any_town(client):
    assert register(client, officer(), 9103, town="龙头镇").status_code == 201


def test_a_department_the_county_does_not_list_registers_nothing(client):
    answer = register(client, officer(dept="nobody"), 9104)
    assert answer.status_code == 403 and answer.json["code"] == "token_department_unknown"
    assert client.get("/v1/institutions", headers=officer()).json["total"] == 0
