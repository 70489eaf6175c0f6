"""An institution's lifecycle over HTTP on real PostgreSQL: transitions, history, licences, ETags, races."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import test_registry_institutions_support as support
from test_registry_institutions_support import (
    CLERK,
    PROBLEM,
    act,
    ban_on_paper,
    bearer,
    licence,
    licensed,
    published,
    register,
)

from services.registry.adapters.repository import InstitutionRepository

pytestmark = pytest.mark.integration
database, app, client = support.database, support.app, support.client  # the shared fixtures


def read(client, institution_id):
    return client.get(f"/v1/institutions/{institution_id}", headers=CLERK)


def test_a_stock_institution_is_reviewed_then_licensed_with_both_halves(client, database):
    institution = register(client)
    reviewed = act(client, institution["id"], "start_review", occurred_on="2021-09-01", reason="全面复核")
    assert reviewed.status_code == 200 and reviewed.get_json()["state"] == "under_review"
    done = act(client, institution["id"], "license", occurred_on="2021-09-20",
               licence=licence(valid_until="2026-08-31", registration_until="2027-08-31"))
    assert done.status_code == 200
    now = read(client, institution["id"]).get_json()
    assert now["state"] == "licensed" and now["state_since"] == "2021-09-20" and now["version"] == 3
    assert now["licence"]["school_running_licence"] == {"number": "教民161072270000123号", "issued_on": "2021-09-01",
                                                        "valid_until": "2026-08-31"}
    assert now["licence"]["registration"]["kind"] == "registration_certificate"
    assert now["licence"]["valid_until"] == "2026-08-31"  # the earlier half
    assert [(e["action"], e["from_state"], e["to_state"], e["occurred_on"], e["actor"]) for e in now["history"]] == [
        ("register", None, "stock", "2021-08-02", "clerk-li"),
        ("start_review", "stock", "under_review", "2021-09-01", "clerk-li"),
        ("license", "under_review", "licensed", "2021-09-20", "clerk-li")]
    assert now["history"][1]["reason"] == "全面复核" and now["history"][1]["action_label"] == "开始复核"
    [event] = published(database, "registry.institution.licensed")
    assert event["subject"] == str(institution["id"])
    assert event["data"]["licence_valid_until"] == "2026-08-31" and event["data"]["from_state"] == "under_review"
    assert [e["type"].rsplit(".", 1)[1] for e in published(database)] == ["registered", "review_started", "licensed"]


def test_each_step_keeps_when_it_happened_and_when_it_was_recorded_and_who_did_it(client):
    institution = register(client, occurred_on="2021-08-02")
    act(client, institution["id"], "start_review", headers=bearer("clerk", sub="clerk-zhao"), occurred_on="2021-09-01")
    step = read(client, institution["id"]).get_json()["history"][-1]
    assert step["occurred_on"] == "2021-09-01" and step["actor"] == "clerk-zhao"
    recorded_at = dt.datetime.fromisoformat(step["recorded_at"])
    assert abs(dt.datetime.now(dt.UTC) - recorded_at) < dt.timedelta(minutes=1)  # entered today, years later


def test_an_action_the_state_does_not_allow_is_409_naming_the_state_and_what_is_allowed(client, database):
    institution = register(client)
    refused = act(client, institution["id"], "license", licence=licence())
    assert refused.status_code == 409 and refused.mimetype == PROBLEM
    problem = refused.get_json()
    assert problem["code"] == "transition.illegal" and problem["current_state"] == "stock"
    assert problem["allowed_actions"] == ["start_review", "ban", "close", "convert"]
    assert "开始复核" in problem["detail"]
    assert read(client, institution["id"]).get_json()["version"] == 1
    assert published(database, "registry.institution.licensed") == []


def test_rectification_needs_a_reason_and_a_deadline_after_the_order(client, database):
    institution = register(client, state="under_review", occurred_on="2021-09-01")
    missing = act(client, institution["id"], "order_rectification", reason="消防通道堵塞", occurred_on="2021-09-10")
    assert missing.status_code == 422 and missing.get_json()["errors"][0]["field"] == "data.deadline"
    early = act(client, institution["id"], "order_rectification", reason="消防通道堵塞", occurred_on="2021-09-10",
                deadline="2021-09-05")
    assert [(e["field"], e["code"]) for e in early.get_json()["violations"]] == [
        ("data.deadline", "transition.deadline_not_after")]
    blank = act(client, institution["id"], "order_rectification", reason="  ", deadline="2021-10-15",
                occurred_on="2021-09-10")
    assert blank.status_code == 422 and blank.get_json()["errors"][0]["field"] == "data.reason"
    ordered = act(client, institution["id"], "order_rectification", reason="消防通道堵塞", deadline="2021-10-15",
                  occurred_on="2021-09-10")
    assert ordered.status_code == 200
    assert ordered.get_json()["rectification_deadline"] == "2021-10-15"
    [event] = published(database, "registry.institution.rectification_ordered")
    assert event["data"]["deadline"] == "2021-10-15" and event["data"]["reason"] == "消防通道堵塞"
    relicensed = act(client, institution["id"], "license", occurred_on="2021-10-12", licence=licence())
    assert relicensed.get_json()["state"] == "licensed" and relicensed.get_json()["rectification_deadline"] is None


def test_data_the_action_does_not_take_or_a_step_dated_before_the_last_is_refused_by_field(client):
    institution = register(client)
    extra = act(client, institution["id"], "start_review", deadline="2021-10-01", headers={"Accept-Language": "en"})
    assert extra.status_code == 422 and extra.get_json()["code"] == "validation_failed"
    assert extra.get_json()["errors"] == [{"field": "data.deadline", "location": "json",
                                           "messages": ["Unknown field."]}]
    missing = client.post(f"/v1/institutions/{institution['id']}/transitions",
                          json={"action": "order_rectification", "data": {}}, headers=CLERK)
    assert {e["field"] for e in missing.get_json()["errors"]} == {"data.deadline", "data.reason"}
    earlier = act(client, institution["id"], "start_review", occurred_on="2021-07-01")
    assert [(e["field"], e["code"]) for e in earlier.get_json()["violations"]] == [
        ("data.occurred_on", "transition.occurred_before_previous")]
    unknown = client.post(f"/v1/institutions/{institution['id']}/transitions",
                          json={"action": "demolish", "data": {"colour": "red"}}, headers=CLERK)
    assert unknown.status_code == 422
    assert {e["field"] for e in unknown.get_json()["errors"]} == {"action", "data.colour"}
    assert act(client, institution["id"], "start_review", headers=bearer("integrator")).status_code == 403
    assert act(client, 987654, "start_review").status_code == 404


def test_a_discipline_institution_cannot_hold_a_business_licence(client):
    institution = register(client, state="under_review", occurred_on="2021-09-01")
    refused = act(client, institution["id"], "license", occurred_on="2021-09-20",
                  licence=licence(kind="business_licence"), headers={"Accept-Language": "en"})
    assert refused.status_code == 422
    [error] = refused.get_json()["errors"]
    assert error["field"] == "data.licence.registration.kind"
    assert "registration certificate" in error["messages"][0]
    assert refused.get_json()["violations"][0]["code"] == "licence.business_licence_for_discipline"


def test_a_clerk_can_no_longer_ban_with_a_free_text_case_id(client, database):
    institution = licensed(client)
    refused = act(client, institution["id"], "ban", occurred_on="2022-03-01", reason="超范围培训，拒不整改",
                  case_id="whatever-the-clerk-typed")
    assert (refused.status_code, refused.headers["Content-Type"]) == (422, PROBLEM)
    errors = {error["field"]: error["messages"] for error in refused.get_json()["errors"]}
    assert "/v1/ban-sanctions" in errors["action"][0] and "取缔" in errors["action"][0]  # Chinese by default
    english = act(client, institution["id"], "ban", reason="超范围培训", headers={"Accept-Language": "en"})
    assert "resolving an unmatched row of /v1/ban-sanctions" in english.get_json()["errors"][0]["messages"][0]
    assert read(client, institution["id"]).get_json()["state"] == "licensed"
    assert published(database, "registry.institution.banned") == []


def test_an_admin_records_a_ban_decided_before_the_platform_with_its_document_number(client, database):
    institution = licensed(client)  # licensed on 2021-09-20
    missing = client.post(f"/v1/institutions/{institution['id']}/pre-platform-ban", json={"reason": "超范围培训"},
                          headers=bearer("admin", sub="admin-zhao"))
    assert missing.status_code == 422
    assert {error["field"] for error in missing.get_json()["errors"]} == {"document_number", "occurred_on"}
    assert ban_on_paper(client, institution["id"], "超范围培训", "2021-10-08",
                        headers=bearer("clerk")).status_code == 403  # a clerk may not
    early = ban_on_paper(client, institution["id"], "超范围培训", "2021-09-01")
    assert (early.status_code, early.get_json()["errors"][0]["field"]) == (422, "occurred_on")
    banned = ban_on_paper(client, institution["id"], "超范围培训，拒不整改", "2021-10-08",
                          document_number="城教罚决字〔2021〕3号")
    assert banned.status_code == 200, banned.get_json()
    now = banned.get_json()
    assert (now["state"], now["state_since"], now["state_reason"]) == ("banned", "2021-10-08", "超范围培训，拒不整改")
    assert now["ban_case_id"] is None and now["allowed_actions"] == []
    step = now["history"][-1]
    assert (step["action"], step["actor"], step["document_number"], step["case_id"]) == (
        "ban", "admin-zhao", "城教罚决字〔2021〕3号", None)
    [event] = published(database, "registry.institution.banned")
    assert (event["data"]["case_id"], event["data"]["document_number"], event["data"]["occurred_on"]) == (
        None, "城教罚决字〔2021〕3号", "2021-10-08")
    assert ban_on_paper(client, institution["id"], "again", "2021-10-09").status_code == 409
    assert act(client, institution["id"], "close", reason="注销").status_code == 409


def test_a_converted_institution_becomes_non_discipline_teaching_its_new_subjects(client, database):
    institution = licensed(client)
    converted = act(client, institution["id"], "convert", occurred_on="2022-01-10", subject_group="science_technology",
                    reason="转型为科技类培训")
    assert converted.status_code == 200
    now = converted.get_json()
    assert (now["state"], now["category"], now["subject_group"]) == ("converted", "non_discipline",
                                                                       "science_technology")
    assert "convert" not in now["allowed_actions"] and "close" in now["allowed_actions"]
    [event] = published(database, "registry.institution.converted")
    assert event["data"]["category"] == "non_discipline"


def test_a_renewal_replaces_the_licence_and_keeps_the_institution_licensed(client):
    institution = licensed(client)
    renewed = act(client, institution["id"], "renew_licence", occurred_on="2024-08-01",
                  licence=licence(valid_until="2029-08-31", registration_until="2029-08-31"))
    assert renewed.status_code == 200
    assert renewed.get_json()["licence"]["valid_until"] == "2029-08-31"
    assert renewed.get_json()["state_since"] == "2021-09-20"  # still licensed since then


# -- ETags and concurrent transitions -------------------------------------------------------------------------

def test_if_match_with_the_current_etag_succeeds_and_a_stale_one_is_412(client, database):
    institution = register(client)
    etag = read(client, institution["id"]).headers["ETag"]
    moved = act(client, institution["id"], "start_review", headers={"If-Match": etag})
    assert moved.status_code == 200 and moved.headers["ETag"] != etag
    stale = act(client, institution["id"], "close", reason="注销", headers={"If-Match": etag})
    assert stale.status_code == 412 and stale.mimetype == PROBLEM
    assert stale.get_json()["code"] == "institution.stale_etag" and stale.get_json()["current_state"] == "under_review"
    assert read(client, institution["id"]).get_json()["state"] == "under_review"
    assert act(client, institution["id"], "close", reason="注销", headers={"If-Match": f"W/{moved.headers['ETag']}"}
               ).status_code == 412  # If-Match compares strongly
    assert act(client, institution["id"], "close", reason="注销", headers={"If-Match": "*"}).status_code == 200
    assert len(published(database, "registry.institution.closed")) == 1


def test_two_renewals_reading_the_same_version_cannot_both_succeed(app, database, monkeypatch):
    institution = licensed(app.test_client())
    both_read = threading.Barrier(2, timeout=10)
    original_get, calls = InstitutionRepository.get, iter(range(2))

    def get_then_wait(self, institution_id):
        found = original_get(self, institution_id)
        if next(calls, None) is not None:  # the racers, not the loser's re-read
            both_read.wait()
        return found

    monkeypatch.setattr(InstitutionRepository, "get", get_then_wait)

    def renew(year):
        return act(app.test_client(), institution["id"], "renew_licence", occurred_on="2024-08-01",
                   licence=licence(valid_until=f"{year}-08-31", registration_until=f"{year}-08-31"))

    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(renew, (2029, 2030)))
    assert sorted(answer.status_code for answer in answers) == [200, 409]
    [lost] = [answer.get_json() for answer in answers if answer.status_code == 409]
    assert lost["code"] == "institution.concurrent_change" and lost["current_state"] == "licensed"
    assert "renew_licence" in lost["allowed_actions"]
    now = read(app.test_client(), institution["id"]).get_json()
    assert now["version"] == 4 and [e["action"] for e in now["history"]].count("renew_licence") == 1
    assert len(published(database, "registry.institution.licensed")) == 2  # the licence, and one renewal


def test_two_transitions_sending_the_same_etag_at_once_give_one_success_and_one_412(app, database, monkeypatch):
    institution = register(app.test_client())
    both_read = threading.Barrier(2, timeout=10)
    original_get, calls = InstitutionRepository.get, iter(range(2))

    def get_then_wait(self, institution_id):
        found = original_get(self, institution_id)
        if next(calls, None) is not None:
            both_read.wait()
        return found

    monkeypatch.setattr(InstitutionRepository, "get", get_then_wait)
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda action: act(app.test_client(), institution["id"], action, reason="复核/注销",
                                                   headers={"If-Match": '"v1"'}), ("start_review", "close")))
    assert sorted(answer.status_code for answer in answers) == [200, 412]
    assert len(read(app.test_client(), institution["id"]).get_json()["history"]) == 2


def test_many_clerks_starting_one_review_at_once_record_it_once(app, database):
    institution = register(app.test_client())
    start = threading.Barrier(8, timeout=10)

    def start_review(_):
        start.wait()
        return act(app.test_client(), institution["id"], "start_review").status_code

    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(start_review, range(8)))
    assert codes.count(200) == 1 and codes.count(409) == 7
    assert len(read(app.test_client(), institution["id"]).get_json()["history"]) == 2
    assert len(published(database, "registry.institution.review_started")) == 1
