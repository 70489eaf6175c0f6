"""A clue handled end to end on real PostgreSQL: suggestions and triage with duplicates, referral, the
inspection's answer the reporter reads by token, closing, the overdue check, and the reporter's rating."""

import datetime as dt
import json

import complaints_support as support
import pytest
import sqlalchemy as sa

from services.complaints.bootstrap import SERVICE
from services.complaints.entrypoints.consumer import HANDLERS
from services.complaints.service_layer.handling import flag_overdue
from shared.app import create_app
from shared.bus import new_event
from shared.bus.tables import outbox_table
from shared.clock import FixedClock

pytestmark = pytest.mark.integration

SETTINGS = support.SETTINGS
MINGDE = {"institution_id": "01HW8ZQ3V4N6P2K7T9R5M1X0AD", "name": "城固县明德教育培训学校",
          "credit_code": "52610722MJ2950123X", "division_code": "610722", "town": "博望街道",
          "address": "城固县博望街道文化路12号", "category": "discipline", "subject_group": "mathematics",
          "state": "stock"}
XINGGUANG = {**MINGDE, "institution_id": "01HW8ZQ3V4N6P2K7T9R5M1X0AE", "name": "龙头镇星光艺术培训中心",
             "credit_code": "52610722MJ2950124Y", "town": "龙头镇", "address": "龙头镇滨江路3号"}


database = support.database


@pytest.fixture
def clock():
    return FixedClock(dt.datetime(2026, 9, 28, 2, 0, tzinfo=dt.UTC))


@pytest.fixture
def client(database, clock):
    return create_app(SERVICE, settings=SETTINGS, database=database, clock=clock, testing=True).test_client()


@pytest.fixture
def desk(clock):
    return lambda: support.desk_headers(clock)


def deliver(database, event_type, data, subject, sequence=1):
    event = new_event(event_type, subject=subject, data=data, correlation_id="corr-task")
    event.sequence = sequence
    with database.sessions() as session, session.begin():
        HANDLERS[event_type](event, session)


def published(database, what):
    with database.engine.connect() as conn:
        rows = conn.execute(sa.select(outbox_table.c.correlation_id, outbox_table.c.payload)
                            .where(outbox_table.c.type == f"complaints.clue.{what}").order_by(outbox_table.c.id))
        return [{"correlation_id": r.correlation_id, **json.loads(r.payload)["data"]} for r in rows]


def new_clue(client, desk, **fields):
    body = {"channel": "hotline", "category": "hidden_tutoring", "description": "明德周末在文化路补课",
            "town": "博望街道", **fields}
    response = client.post("/v1/clues", json=body, headers={**desk(), "X-Correlation-ID": "corr-call"})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def act(client, desk, clue_id, action, **body):
    return client.post(f"/v1/clues/{clue_id}/{action}", json=body, headers=desk())


def test_suggestions_rank_the_institution_however_it_was_written(client, database, desk):
    for sequence, institution in enumerate((MINGDE, XINGGUANG), start=1):
        deliver(database, "registry.institution.registered", institution, institution["institution_id"], sequence)
    clue_id = new_clue(client, desk)["id"]
    for written in ("明德", "名得教育", "明德培訓學校", "文化路12号"):
        found = client.get(f"/v1/clues/{clue_id}/suggestions", query_string={"q": written}, headers=desk())
        assert found.status_code == 200, found.get_json()
        assert found.get_json()[0]["institution_id"] == MINGDE["institution_id"], written


def test_a_clue_is_triaged_referred_answered_by_inspection_rated_and_closed(client, database, desk, clock):
    filed = new_clue(client, desk)
    clue_id, token = filed["id"], filed["token"]
    earlier = new_clue(client, desk)["id"]
    act(client, desk, earlier, "triage", category="hidden_tutoring", institution_id=MINGDE["institution_id"],
        department="education")

    triaged = act(client, desk, clue_id, "triage", category="hidden_tutoring",
                  institution_id=MINGDE["institution_id"], department="education")
    assert triaged.status_code == 200, triaged.get_json()
    assert triaged.get_json()["duplicates"] == [earlier] and triaged.get_json()["duplicate_of"] == earlier

    referred = act(client, desk, clue_id, "refer", priority="urgent", place="博望街道文化路12号",
                   reason="第二次举报同一机构周末补课，需现场核查")
    assert referred.status_code == 200 and referred.get_json()["status"] == "referred"
    [event] = published(database, "referred")
    assert event == {"correlation_id": "corr-call", "clue_id": clue_id, "category": "hidden_tutoring",
                     "institution_id": MINGDE["institution_id"], "place": "博望街道文化路12号", "town": "博望街道",
                     "department": "education", "priority": "urgent", "due_on": "2026-10-23",
                     "referred_on": "2026-09-28"}

    task = {"task_id": "t1", "campaign_id": "c1", "round": 1, "institution_id": MINGDE["institution_id"],
            "town": "博望街道", "clue_id": clue_id, "inspected_on": "2026-10-12", "inspector_ids": ["i1"],
            "departments": ["education"], "outcome": "violation"}
    deliver(database, "inspection.task.completed", task, "t1")
    deliver(database, "inspection.task.completed", task, "t1")  # a redelivery answers nothing twice
    [answered] = published(database, "answered")
    assert answered["outcome"] == "substantiated" and answered["on_time"] is True
    assert answered["correlation_id"] == "corr-call"
    [shown] = client.get(f"/open311/v2/requests/{clue_id}.json").get_json()
    assert shown["status"] == "open"
    assert shown["status_notes"] == "已检查：举报属实，违规行为正在处理。"

    rated = client.post(f"/v1/ratings/{token}", json={"satisfied": True, "note": "谢谢，电话13812345678"})
    assert rated.status_code == 204
    assert client.post(f"/v1/ratings/{token}", json={"satisfied": False}).status_code == 409
    assert client.post("/v1/ratings/forged", json={"satisfied": False}).status_code == 404
    [rating] = published(database, "rated")
    assert rating["satisfied"] is True and "note" not in rating

    clock.advance(dt.timedelta(days=40))  # closed after the deadline, but answered in time: on time
    closed = act(client, desk, clue_id, "close", outcome="substantiated", note="已责令停止违规培训。")
    assert closed.status_code == 200 and closed.get_json()["status"] == "closed"
    [closing] = published(database, "closed")
    assert closing["on_time"] is True
    [shown] = client.get(f"/open311/v2/requests/{clue_id}.json").get_json()
    assert shown["status"] == "closed" and shown["status_notes"] == "已责令停止违规培训。"
    assert act(client, desk, clue_id, "refer", reason="再次核查").status_code == 409
    history = client.get(f"/v1/clues/{clue_id}", headers=desk()).get_json()["history"]
    assert [(step["action"], step["by"], step["reason"]) for step in history] == [
        ("triaged", "desk-li", None), ("referred", "desk-li", "第二次举报同一机构周末补课，需现场核查"),
        ("answered", None, None), ("closed", "desk-li", None)]


def test_overdue_is_judged_from_recorded_dates_and_published_once(client, database, desk, clock):
    late = new_clue(client, desk)["id"]
    paper = new_clue(client, desk, received_at="2025-06-02T09:00:00", channel="mailbox")["id"]
    act(client, desk, paper, "answer", note="已核实答复。")  # a back-dated clue answered: never overdue
    clock.set(dt.datetime(2026, 10, 23, 4, 0, tzinfo=dt.UTC))  # the deadline itself: not yet late
    assert flag_overdue(client.application.extensions["offcampus.db"], clock) == 0
    clock.set(dt.datetime(2026, 10, 26, 4, 0, tzinfo=dt.UTC))
    assert flag_overdue(client.application.extensions["offcampus.db"], clock) == 1
    assert flag_overdue(client.application.extensions["offcampus.db"], clock) == 0
    [overdue] = published(database, "overdue")
    assert overdue["clue_id"] == late and overdue["on_time"] is False


def test_actions_out_of_order_and_bad_bodies_are_refused(client, desk):
    clue_id = new_clue(client, desk)["id"]
    refused = act(client, desk, clue_id, "refer", reason="需现场核查")
    assert refused.status_code == 409 and refused.mimetype == "application/problem+json"
    bad = act(client, desk, clue_id, "triage", category="gossip", department="army")
    assert bad.status_code == 422 and {e["field"] for e in bad.get_json()["errors"]} == {"category", "department"}
    assert act(client, desk, "01HZ3E4F5G6H7J8K9M0N1P2Q3R", "close", outcome="withdrawn",
               note="x").status_code == 404


@pytest.mark.parametrize("lang, missing, blank", [
    ("zh-CN", "缺少必填字段", "至少包含一个可见字符"),
    ("en", "Missing data for required field.", "one visible character")])
def test_a_referral_without_its_reason_is_refused_naming_the_field(client, database, desk, lang, missing, blank):
    clue_id = new_clue(client, desk)["id"]
    act(client, desk, clue_id, "triage", category="hidden_tutoring", institution_id=None)
    headers = {**desk(), "Accept-Language": lang}
    for body, message in (({"priority": "urgent"}, missing), ({"priority": "urgent", "reason": "  "}, blank)):
        refused = client.post(f"/v1/clues/{clue_id}/refer", json=body, headers=headers)
        assert refused.status_code == 422 and refused.mimetype == "application/problem+json"
        [error] = refused.get_json()["errors"]
        assert error["field"] == "reason" and message in error["messages"][0], error
    assert published(database, "referred") == []
    assert client.get(f"/v1/clues/{clue_id}", headers=desk()).get_json()["status"] == "triaged"


def test_a_paper_clue_answered_and_closed_on_the_days_it_happened_is_on_time(client, database, desk):
    paper = new_clue(client, desk, received_at="2022-03-01T09:00:00", channel="mailbox")["id"]
    triaged = act(client, desk, paper, "triage", category="hidden_tutoring", institution_id=None,
                  triaged_at="2022-03-01T11:00:00")
    assert triaged.status_code == 200, triaged.get_json()
    assert triaged.get_json()["triaged_at"].startswith("2022-03-01T03:00")  # 11:00 in Shanghai, in UTC
    referred = act(client, desk, paper, "refer", referred_at="2022-03-02T10:00:00", reason="信件反映寒假补课")
    assert referred.status_code == 200, referred.get_json()
    assert referred.get_json()["referred_at"].startswith("2022-03-02T02:00")
    [referral] = published(database, "referred")
    assert referral["referred_on"] == "2022-03-02" and referral["due_on"] == "2022-03-22"
    answered = act(client, desk, paper, "answer", note="已核实答复。", answered_at="2022-03-10T16:00:00")
    assert answered.status_code == 200, answered.get_json()
    assert answered.get_json()["answered_at"].startswith("2022-03-10T08:00")  # 16:00 in Shanghai, in UTC
    closed = act(client, desk, paper, "close", outcome="substantiated", note="已结案。",
                 closed_at="2022-03-25T10:00:00+08:00")
    assert closed.status_code == 200, closed.get_json()
    [answer] = published(database, "answered")
    [closing] = published(database, "closed")
    assert answer["on_time"] is True and answer["at"].startswith("2022-03-10")
    assert closing["on_time"] is True and closing["at"].startswith("2022-03-25")


def test_an_answer_dated_after_now_is_refused_naming_the_field(client, desk):
    clue_id = new_clue(client, desk)["id"]
    ahead = act(client, desk, clue_id, "answer", note="答复", answered_at="2026-10-30T09:00:00")
    assert ahead.status_code == 422 and ahead.mimetype == "application/problem+json"
    assert [e["field"] for e in ahead.get_json()["errors"]] == ["answered_at"]


def test_a_step_dated_before_the_one_it_follows_is_refused_naming_the_field(client, desk):
    paper = new_clue(client, desk, received_at="2022-03-01T09:00:00", channel="mailbox")["id"]
    for field, when in (("triaged_at", "2022-03-01T08:59:00"), ("triaged_at", "2026-10-30T09:00:00")):
        early = act(client, desk, paper, "triage", category="hidden_tutoring", **{field: when})
        assert early.status_code == 422 and early.mimetype == "application/problem+json", early.get_json()
        assert [e["field"] for e in early.get_json()["errors"]] == [field]
    assert act(client, desk, paper, "triage", category="hidden_tutoring",
               triaged_at="2022-03-03T09:00:00").status_code == 200
    before_triage = act(client, desk, paper, "refer", referred_at="2022-03-02T10:00:00", reason="需核查")
    assert before_triage.status_code == 422
    [error] = before_triage.get_json()["errors"]
    assert error["field"] == "referred_at" and "2022-03-03T09:00:00+08:00" in error["messages"][0]
    assert act(client, desk, paper, "refer", referred_at="2022-03-03T10:00:00", reason="需核查").status_code == 200
    before_referral = act(client, desk, paper, "close", outcome="withdrawn", note="撤回",
                          closed_at="2022-03-03T09:30:00")
    assert [e["field"] for e in before_referral.get_json()["errors"]] == ["closed_at"]
