"""The clerks' console, as the signed-in clerk sees it: search, the record, actions with their reasons, bad input
kept and explained beside each field, a stale record said so, another town's record hidden, a filing's changes."""

from __future__ import annotations

import re

import pytest
import test_registry_institutions_support as support
from test_registry_filings_support import FILING, filing
from test_registry_institutions_support import CLERK, QIMING, credit_code

from shared.testing.console import sign_in

pytestmark = pytest.mark.integration
database, app, client = support.database, support.app, support.client  # the shared fixtures


def _register(client, **changes) -> int:
    created = client.post("/v1/institutions", headers=CLERK, json={**QIMING, "credit_code": credit_code(), **changes})
    assert created.status_code == 201, created.get_json()
    return created.get_json()["id"]


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


@pytest.fixture
def clerk(app):
    """A browser-like client signed in as a clerk of the education bureau."""
    browser = app.test_client()
    sign_in(browser, sub="clerk-wang", roles=["clerk"], dept="education", name="王文书")
    return browser


def test_the_search_finds_institutions_by_part_of_the_name(client, clerk):
    _register(client)
    _register(client, name="龙头镇星火学科培训学校", town="龙头镇")
    found = clerk.get("/console/institutions?q=星火")
    html = found.get_data(as_text=True)
    assert found.status_code == 200
    assert "龙头镇星火学科培训学校" in html and "城关镇启明星学科培训学校" not in html
    assert found.headers["Cache-Control"] == "no-store"


def test_the_record_offers_only_the_actions_its_state_allows_each_with_why(client, clerk):
    institution_id = _register(client)
    html = clerk.get(f"/console/institutions/{institution_id}").get_data(as_text=True)
    assert 'id="form-start_review"' in html and 'id="form-license"' not in html
    assert "A ban comes from an inspection case" in html or "来自检查案件" in html


def test_bad_input_is_explained_beside_each_field_in_the_readers_language_and_kept(client, clerk):
    institution_id = _register(client, state="under_review")
    page = clerk.get(f"/console/institutions/{institution_id}").get_data(as_text=True)
    answer = clerk.post(f"/console/institutions/{institution_id}/actions/order_rectification", data={
        "csrf_token": _csrf(page), "version": "1", "deadline": "not-a-day", "reason": "消防通道堵塞"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert 'id="e-deadline"' in html and "不是有效的日期" in html
    assert 'id="e-reason"' not in html
    assert "消防通道堵塞" in html  # what the clerk typed is still there


def test_a_record_changed_meanwhile_says_so_and_shows_it_as_it_is_now(client, clerk):
    institution_id = _register(client)
    page = clerk.get(f"/console/institutions/{institution_id}").get_data(as_text=True)
    moved = client.post(f"/v1/institutions/{institution_id}/transitions", headers=CLERK,
                        json={"action": "start_review", "data": {}})
    assert moved.status_code == 200
    answer = clerk.post(f"/console/institutions/{institution_id}/actions/start_review", data={
        "csrf_token": _csrf(page), "version": "1"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 409
    assert 'id="stale"' in html and "审核中" in html


def test_an_allowed_action_moves_the_record_and_shows_it(client, clerk):
    institution_id = _register(client)
    page = clerk.get(f"/console/institutions/{institution_id}").get_data(as_text=True)
    answer = clerk.post(f"/console/institutions/{institution_id}/actions/start_review", data={
        "csrf_token": _csrf(page), "version": "1", "reason": "复核开始"}, follow_redirects=True)
    assert answer.status_code == 200
    assert client.get(f"/v1/institutions/{institution_id}", headers=CLERK).get_json()["state"] == "under_review"


def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(client, clerk):
    institution_id = _register(client)
    answer = clerk.post(f"/console/institutions/{institution_id}/actions/start_review", data={"version": "1"})
    assert answer.status_code == 400
    assert client.get(f"/v1/institutions/{institution_id}", headers=CLERK).get_json()["state"] == "stock"


def test_a_town_officer_finds_and_opens_only_their_towns_institutions(app, client):
    mine = _register(client, town="龙头镇", name="龙头镇星火学科培训学校")
    other = _register(client)
    officer = app.test_client()
    sign_in(officer, sub="clerk-town", roles=["clerk"], dept="education", town="龙头镇")
    listed = officer.get("/console/institutions").get_data(as_text=True)
    assert "龙头镇星火学科培训学校" in listed and "城关镇启明星学科培训学校" not in listed
    assert officer.get(f"/console/institutions/{mine}").status_code == 200
    assert officer.get(f"/console/institutions/{other}").status_code == 404


def test_the_filing_review_shows_what_changed_since_the_last_filing(client, clerk):
    institution_id = _register(client, state="under_review")
    licensed = client.post(f"/v1/institutions/{institution_id}/transitions", headers=CLERK, json={
        "action": "license", "data": {"licence": {
            "school_running_licence": {"number": "教民1", "issued_on": "2021-09-01", "valid_until": "2027-08-31"},
            "registration": {"kind": "registration_certificate", "number": "52610722MJY1234567",
                             "issued_on": "2021-09-01", "valid_until": "2027-08-31"}}}})
    assert licensed.status_code == 200, licensed.get_json()
    assert client.post(f"/v1/institutions/{institution_id}/filings", headers=CLERK, json=FILING).status_code == 201
    teachers = [{"name": "赵老师", "qualification_certificate_no": "20206107223000789"}]
    refiled = client.post(f"/v1/institutions/{institution_id}/filings", headers=CLERK, json=filing(teachers=teachers))
    assert refiled.status_code == 201, refiled.get_json()
    html = clerk.get(f"/console/institutions/{institution_id}/filings").get_data(as_text=True)
    added = re.findall(r'<li class="added"><ins>[^<]*</ins>', html)
    dropped = re.findall(r'<li class="dropped"><del>[^<]*</del>', html)
    assert len(added) == 1 and "赵老师" in added[0]
    assert len(dropped) == 1 and FILING["teachers"][0]["name"] in dropped[0]


def test_another_roles_person_is_refused_with_a_page_saying_whose_screen_it_is(app, client):
    institution_id = _register(client)
    desk = app.test_client()
    sign_in(desk, sub="desk-li", roles=["desk"], dept="education")
    answer = desk.get(f"/console/institutions/{institution_id}")
    assert answer.status_code == 403 and "登记员" in answer.get_data(as_text=True)
    forged = desk.post(f"/console/institutions/{institution_id}/actions/start_review", data={"version": "1"})
    assert forged.status_code == 403
    assert client.get(f"/v1/institutions/{institution_id}", headers=CLERK).get_json()["state"] == "stock"
