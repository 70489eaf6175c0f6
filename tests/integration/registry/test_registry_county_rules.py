"""The county file and the clock decide on real requests: the counties and towns served, the training-loan ban,
vacations, the time a filing is filed at."""

from __future__ import annotations

import datetime as dt

import pytest
import test_registry_filings_support as support
from test_registry_filings_support import (
    CLERK,
    FILING,
    LICENCE,
    PROBLEM,
    QIMING,
    SETTINGS,
    credit_code,
    file,
    licensed,
    with_fee,
    with_session,
)

from services.registry.bootstrap import SERVICE
from shared.app import create_app
from shared.clock import FixedClock
from shared.tokens import mint_token

pytestmark = pytest.mark.integration
database, client = support.database, support.client  # the shared fixtures


def registered(client, headers=None, **changes):
    body = {**QIMING, "credit_code": credit_code(900 + len(changes)), **changes}
    return client.post("/v1/institutions", json=body, headers={**CLERK, **(headers or {})})


def field_codes(answer) -> dict[str, list[str]]:
    return {error["field"]: error["messages"] for error in answer.get_json()["errors"]}


def test_a_well_formed_division_code_of_a_county_not_served_is_refused_naming_the_field(client):
    refused = registered(client, division_code="610799")  # Shaanxi, plausible, but not a county of this file
    assert refused.status_code == 422 and refused.mimetype == PROBLEM
    assert list(field_codes(refused)) == ["division_code"]
    assert "610799" in field_codes(refused)["division_code"][0] and "610722" in field_codes(refused)["division_code"][0]
    english = registered(client, {"Accept-Language": "en"}, division_code="610799")
    assert "is not a county this platform serves" in field_codes(english)["division_code"][0]


def test_a_town_not_in_the_county_is_refused_naming_the_field(client):
    refused = registered(client, town="洋州街道")  # a town of the other configured county, not of 610722
    assert refused.status_code == 422
    assert list(field_codes(refused)) == ["town"]
    assert "洋州街道" in field_codes(refused)["town"][0]


def test_every_county_of_the_file_is_served_with_its_own_towns(client):
    assert registered(client, division_code="610723", town="洋州街道").status_code == 201
    assert registered(client, town="龙头镇").status_code == 201


def test_a_filing_whose_fees_are_paid_through_a_loan_is_refused_with_its_own_code(client):
    institution_id = licensed(client)
    answer = file(client, institution_id, with_fee(paid_through_loan=True))
    assert answer.status_code == 422 and answer.mimetype == PROBLEM
    [violation] = answer.get_json()["violations"]
    assert (violation["code"], violation["item"]) == ("fee.training_loan", "fee_items[0]")
    assert "培训贷" in violation["message"]
    english = file(client, institution_id, with_fee(paid_through_loan=True), {"Accept-Language": "en"})
    assert "training loan" in english.get_json()["violations"][0]["message"]
    assert file(client, institution_id, with_fee(paid_through_loan=False)).status_code == 201


def test_a_year_without_school_vacation_dates_is_accepted_saying_the_vacation_check_is_provisional(client):
    answer = file(client, licensed(client), with_session(date="2023-07-25"))  # a Tuesday; 2023 has no dates here
    assert answer.status_code == 201, answer.get_json()
    [notice] = answer.get_json()["notices"]
    assert notice["code"] == "notice.vacation_check_provisional" and notice["params"] == {"year": 2023}
    assert "2023" in notice["message"]


def test_a_summer_session_in_a_year_with_vacation_dates_is_refused(client):
    answer = file(client, licensed(client), with_session(date="2027-07-20"))  # a Tuesday in 2027's summer vacation
    codes = [v["code"] for v in answer.get_json()["violations"]]
    assert answer.status_code == 422 and codes == ["time.vacation_discipline"]
    assert [n["code"] for n in answer.get_json()["notices"]] == ["notice.holiday_check_provisional"]


def test_a_filing_is_filed_at_the_apps_clock_time(database):
    clock = FixedClock(dt.datetime(2025, 3, 3, 1, 30, tzinfo=dt.UTC))
    client = create_app(SERVICE, settings=SETTINGS, database=database, testing=True, clock=clock).test_client()
    clerk = {"Authorization": "Bearer " + mint_token(SETTINGS, sub="clerk-li", dept="education", roles=["clerk"],
                                                     now=clock.now().timestamp())}
    body = {**QIMING, "credit_code": credit_code(950)}
    institution_id = client.post("/v1/institutions", json=body, headers=clerk).get_json()["id"]
    licensing = {"action": "license", "data": {"licence": LICENCE, "occurred_on": "2021-09-01"}}
    assert client.post(f"/v1/institutions/{institution_id}/transitions", json=licensing,
                       headers=clerk).status_code == 200
    filed = client.post(f"/v1/institutions/{institution_id}/filings", json=FILING, headers=clerk)
    assert filed.status_code == 201, filed.get_json()
    assert filed.get_json()["filed_at"].startswith("2025-03-03T01:30:00")
