"""Filing over HTTP on real PostgreSQL: accepted filings replace the current one and are announced; refused
ones list every broken rule, in Chinese by default and in English on request."""

import json
import math
import re
import threading

import pytest
import sqlalchemy as sa
import test_registry_filings_support as support
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_registry_filings_support import (
    CLERK,
    FILING,
    PROBLEM,
    bearer,
    file,
    filing,
    licensed,
    register,
    with_fee,
    with_session,
)

from services.registry.bootstrap import SERVICE
from shared.app import create_app
from shared.bus.tables import outbox_table

pytestmark = pytest.mark.integration
database, client = support.database, support.client  # the shared fixtures
CJK = re.compile(r"[\u4e00-\u9fff]")


def _published(db) -> list[dict]:
    """The `registry.filing.published` events in the outbox, oldest first."""
    with db.engine.connect() as conn:
        rows = conn.execute(sa.select(outbox_table.c.subject, outbox_table.c.payload)
                            .where(outbox_table.c.type == "registry.filing.published")
                            .order_by(outbox_table.c.id)).all()
    return [{"subject": row.subject, **json.loads(row.payload)} for row in rows]


def test_an_accepted_filing_becomes_current_and_is_published_through_the_outbox(client, database):
    institution_id = licensed(client)
    answer = file(client, institution_id)
    assert answer.status_code == 201, answer.get_json()
    filed = answer.get_json()
    assert answer.headers["Location"].endswith(f"/v1/institutions/{institution_id}/filings/{filed['id']}")
    assert filed["current"] is True and filed["supersedes_id"] is None and filed["notices"] == []
    assert filed["subjects"] == ["数学"] and filed["modes"] == ["offline"] and filed["teacher_count"] == 1
    assert filed["fee_items"][0]["price_per_hour_fen"] == 3000
    assert filed["sessions"][0] == {"date": "2025-03-04", "start": "16:30", "end": "17:30", "mode": "offline",
                                    "course": "数学"}
    assert filed["filed_by"] == "clerk-li" and filed["config_version"] == "1"
    current = client.get(f"/v1/institutions/{institution_id}/filings/current", headers=CLERK).get_json()
    assert current["id"] == filed["id"]
    [event] = _published(database)
    assert event["subject"] == str(institution_id)
    board = client.get(f"/v1/public/institutions/{institution_id}").get_json()
    assert event["data"] == {"institution_id": str(institution_id), "filing_id": str(filed["id"]),
                             "subjects": ["数学"], "teacher_count": 1, "max_price_per_hour_fen": 3000,
                             "modes": ["offline"], "teachers": board["filing"]["teachers"]}
    # the teachers exactly as the public board shows them, nothing more about them
    assert [set(t) for t in event["data"]["teachers"]] == [{"name", "qualification_certificate_no"}]


def test_a_new_filing_supersedes_the_previous_one_and_the_history_keeps_both(client, database):
    institution_id = licensed(client)
    first = file(client, institution_id).get_json()
    second = file(client, institution_id, with_fee(price_per_hour_fen=2800, amount_per_collection_fen=56000))
    assert second.status_code == 201
    second = second.get_json()
    assert second["supersedes_id"] == first["id"]
    history = client.get(f"/v1/institutions/{institution_id}/filings", headers=CLERK).get_json()
    assert history["total"] == 2
    assert [(f["id"], f["current"]) for f in history["items"]] == [(second["id"], True), (first["id"], False)]
    assert history["items"][1]["superseded_at"] is not None
    old = client.get(f"/v1/institutions/{institution_id}/filings/{first['id']}", headers=CLERK).get_json()
    assert old["fee_items"][0]["price_per_hour_fen"] == 3000 and old["current"] is False
    assert [e["data"]["max_price_per_hour_fen"] for e in _published(database)] == [3000, 2800]


def test_a_refused_filing_lists_every_broken_rule_in_chinese_and_keeps_nothing(client, database):
    institution_id = licensed(client)
    bad = filing(
        teachers=[{"name": "张老师", "qualification_certificate_no": "2019", "serving_public_school_teacher": True}],
        fee_items=[{**FILING["fee_items"][0], "hours_per_collection": 61, "amount_per_collection_fen": 500100,
                    "price_per_hour_fen": 3000}],
        sessions=[{"date": "2025-03-04", "start": "19:45", "end": "20:45", "mode": "offline"},
                  {"date": "2025-03-08", "start": "09:00", "end": "10:00", "mode": "offline"}],
    )
    answer = file(client, institution_id, bad)
    assert answer.status_code == 422 and answer.mimetype == PROBLEM
    problem = answer.get_json()
    assert problem["code"] == "filing.rejected" and problem["config_version"] == "1"
    found = {(v["code"], v["item"]) for v in problem["violations"]}
    assert found >= {("teacher.serving_public_school", "teachers[0]"), ("fee.prepaid_hours", "fee_items[0]"),
                     ("fee.prepaid_amount", "fee_items[0]"), ("time.offline_end_late", "sessions[0]"),
                     ("time.rest_day_discipline", "sessions[1]")}
    assert all(CJK.search(v["message"]) for v in problem["violations"])
    assert CJK.search(problem["detail"]) and answer.headers["Content-Language"] == "zh-CN"
    assert client.get(f"/v1/institutions/{institution_id}/filings/current", headers=CLERK).status_code == 404
    assert _published(database) == []


def test_a_refused_filing_reads_in_english_with_accept_language(client):
    institution_id = licensed(client)
    answer = file(client, institution_id, with_session(end="20:45", start="19:45"), {"Accept-Language": "en"})
    [violation] = answer.get_json()["violations"]
    assert violation["code"] == "time.offline_end_late"
    assert violation["message"] == ("The offline class on 2025-03-04 (Tuesday) ends at 20:45; offline classes "
                                    "must end by 20:30.")
    assert violation["params"] == {"date": "2025-03-04", "weekday": 2, "end": "20:45", "limit": "20:30"}


# The "Bad input": each refused with its own code, never a 500.
BAD_INPUT = [
    ("offline class ending 20:45", with_session(start="19:45", end="20:45"), "time.offline_end_late"),
    ("Saturday discipline class", with_session(date="2025-03-08"), "time.rest_day_discipline"),
    ("weekly Saturday discipline class", filing(timetable=[{**FILING["timetable"][0], "weekday": 6}]),
     "time.weekly_rest_day_discipline"),
    ("prepaid 61 hours", with_fee(hours_per_collection=61, amount_per_collection_fen=183000), "fee.prepaid_hours"),
    ("prepaid CNY 5,001", with_fee(grade_band="adult", price_per_hour_fen=25005, hours_per_collection=20,
                                   amount_per_collection_fen=500100), "fee.prepaid_amount"),
    ("serving public-school teacher", filing(teachers=[{**FILING["teachers"][0],
                                                        "serving_public_school_teacher": True}]),
     "teacher.serving_public_school"),
    ("end before start", with_session(start="17:30", end="16:30"), "time.end_before_start"),
    ("negative money", with_fee(price_per_hour_fen=-3000), "fee.negative_or_fractional"),
    ("fractional money", with_fee(amount_per_collection_fen=59999.5), "fee.negative_or_fractional"),
]


@pytest.mark.parametrize(("body", "code"), [case[1:] for case in BAD_INPUT], ids=[case[0] for case in BAD_INPUT])
def test_each_bad_input_is_refused_with_its_own_code(client, body, code):
    answer = file(client, licensed(client), body)
    assert answer.status_code == 422, answer.get_json()
    assert code in [v["code"] for v in answer.get_json()["violations"]]


def test_a_year_the_official_calendar_does_not_know_is_checked_provisionally_and_accepted(client):
    answer = file(client, licensed(client), with_session(date="2099-03-03"))  # a Tuesday
    assert answer.status_code == 201, answer.get_json()
    notice, vacations = answer.get_json()["notices"]  # nobody gave 2099's holidays or school vacations
    assert notice["code"] == "notice.holiday_check_provisional" and notice["params"] == {"year": 2099}
    assert vacations["code"] == "notice.vacation_check_provisional" and vacations["params"] == {"year": 2099}
    assert "2099" in notice["message"] and CJK.search(notice["message"])


def test_a_rest_day_in_an_unknown_year_is_refused_saying_the_check_is_provisional(client):
    answer = file(client, licensed(client), with_session(date="2099-03-07"), {"Accept-Language": "en"})
    problem = answer.get_json()
    [violation] = problem["violations"]
    assert violation["code"] == "time.rest_day_discipline" and violation["params"]["provisional"] is True
    assert "provisional" in violation["message"]
    assert [n["code"] for n in problem["notices"]] == ["notice.holiday_check_provisional",
                                                       "notice.vacation_check_provisional"]


def test_only_a_licensed_institution_files(client):
    applicant = register(client)
    answer = file(client, applicant)
    assert answer.status_code == 409 and answer.get_json()["code"] == "filing.institution_not_licensed"
    assert answer.get_json()["state"] == "under_review"
    missing = file(client, 999_999)
    assert missing.status_code == 404 and missing.get_json()["code"] == "institution.not_found"


def test_filing_needs_a_clerk_and_reading_needs_a_token(client):
    institution_id = licensed(client)
    url = f"/v1/institutions/{institution_id}/filings"
    assert client.post(url, json=FILING).status_code == 401
    assert client.post(url, json=FILING, headers=bearer("desk")).status_code == 403
    assert client.get(url).status_code == 401
    assert client.get(url, headers=bearer("inspector")).status_code == 200


@pytest.mark.parametrize(("change", "field"), [
    ({"start": "16:30+08:00"}, "sessions.0.start"),
    ({"start": "4:30 pm"}, "sessions.0.start"),
    ({"date": "2025-02-30"}, "sessions.0.date"),
    ({"course": "数\u0000学"}, "sessions.0.course"),
])
def test_malformed_values_are_named_field_by_field(client, change, field):
    answer = file(client, licensed(client), with_session(**change))
    assert answer.status_code == 422 and answer.get_json()["code"] == "validation_failed"
    assert field in [e["field"] for e in answer.get_json()["errors"]]


@pytest.mark.parametrize("price", [True, "3000", None, 1e300])
def test_money_that_is_not_a_number_of_fen_is_a_field_error(client, price):
    answer = file(client, licensed(client), with_fee(price_per_hour_fen=price))
    assert answer.status_code == 422
    assert "fee_items.0.price_per_hour_fen" in [e["field"] for e in answer.get_json()["errors"]]


def test_the_same_idempotency_key_files_once(client, database):
    institution_id = licensed(client)
    headers = {"Idempotency-Key": "filing-2025-spring"}
    first, again = file(client, institution_id, headers=headers), file(client, institution_id, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true" and again.get_json()["id"] == first.get_json()["id"]
    assert len(_published(database)) == 1


def test_concurrent_filings_of_one_institution_leave_exactly_one_current(database):
    app = create_app(SERVICE, settings=support.SETTINGS, database=database, testing=True)
    institution_id = licensed(app.test_client())
    answers, start = [], threading.Barrier(4)

    def one():
        start.wait()
        answers.append(file(app.test_client(), institution_id).status_code)

    threads = [threading.Thread(target=one) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [201] * 4
    history = app.test_client().get(f"/v1/institutions/{institution_id}/filings", headers=CLERK).get_json()
    assert history["total"] == 4 and sum(f["current"] for f in history["items"]) == 1
    chain = {f["id"]: f["supersedes_id"] for f in history["items"]}
    assert sorted(v for v in chain.values() if v) == sorted(chain)[:-1]  # each replaced the one before


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(price=st.one_of(st.integers(min_value=-10**16, max_value=10**16), st.floats(allow_nan=False),
                       st.decimals(allow_nan=False, allow_infinity=False, places=2).map(float)))
def test_any_price_is_answered_and_negative_or_fractional_fen_get_their_own_code(client, price):
    institution_id = licensed(client)
    answer = file(client, institution_id, with_fee(price_per_hour_fen=price))
    assert answer.status_code in (201, 422), answer.get_json()
    if not math.isfinite(price) or abs(price) > 10**15:
        assert answer.get_json()["code"] == "validation_failed"  # not a sum of money at all
    elif price < 0 or price != int(price):
        assert "fee.negative_or_fractional" in [v["code"] for v in answer.get_json()["violations"]]
