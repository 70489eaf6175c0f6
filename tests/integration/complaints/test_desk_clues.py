"""The desk's clues on real PostgreSQL: recorded from the hotline, the mailbox and walk-ins, public reports
registered, listed; the reporter shown to the desk only, every reading remembered; events in the outbox."""

import datetime as dt
import json

import complaints_support as support
import pytest
import sqlalchemy as sa

from services.complaints.adapters.orm import reporter_views
from services.complaints.bootstrap import SERVICE
from shared.app import create_app
from shared.auth import mint_token
from shared.bus.tables import outbox_table
from shared.clock import FixedClock

pytestmark = pytest.mark.integration

SETTINGS = support.SETTINGS
PHONE = "13812345678"
PROBLEM = "application/problem+json"


database = support.database


@pytest.fixture
def clock():
    return FixedClock(dt.datetime(2026, 9, 28, 2, 0, tzinfo=dt.UTC))  # Monday 10:00 in the county


@pytest.fixture
def client(database, clock):
    return create_app(SERVICE, settings=SETTINGS, database=database, clock=clock, testing=True).test_client()


class Bearer:
    """Tokens issued at the app clock's time (the service checks them against that clock)."""

    clock = None

    def __call__(self, *roles, town=None, sub=None):
        token = mint_token(SETTINGS, sub=sub or "u-" + "-".join(roles), dept="education", roles=roles, town=town,
                           now=self.clock.now().timestamp())
        return {"Authorization": f"Bearer {token}"}


bearer = Bearer()


@pytest.fixture(autouse=True)
def _tokens_on_the_clock(clock):
    bearer.clock = clock


def desk():
    return bearer("desk", sub="desk-li")


def record(client, headers=None, **fields):
    body = {"channel": "hotline", "category": "hidden_tutoring", "description": f"家长来电 {PHONE} 反映有人补课",
            "town": "博望街道", "reporter": {"last_name": "王", "phone": PHONE}, **fields}
    body = {key: value for key, value in body.items() if value is not None}
    return client.post("/v1/clues", json=body, headers=headers or desk())


def received_events(database):
    with database.engine.connect() as conn:
        rows = conn.execute(sa.select(outbox_table.c.subject, outbox_table.c.correlation_id, outbox_table.c.payload)
                            .where(outbox_table.c.type == "complaints.clue.received")
                            .order_by(outbox_table.c.id)).all()
    return [{"subject": row.subject, "correlation_id": row.correlation_id, **json.loads(row.payload)} for row in rows]


def test_a_hotline_complaint_is_recorded_registered_and_announced_without_its_reporter(client, database):
    response = record(client, headers={**desk(), "X-Correlation-ID": "call-2026-0928-01"})
    assert response.status_code == 201, response.get_json()
    clue_id, token = response.get_json()["id"], response.get_json()["token"]
    assert token and response.headers["Location"].endswith(f"/v1/clues/{clue_id}")

    clue = client.get(f"/v1/clues/{clue_id}", headers=desk()).get_json()
    assert clue["status"] == "received" and clue["channel"] == "hotline" and clue["town"] == "博望街道"
    assert clue["reporter"]["phone"] == PHONE and PHONE in clue["description"]  # the desk sees it in full
    # 15 working days: National Day's week off, Saturday 10 October worked
    assert clue["due_on"] == "2026-10-23" and clue["due_provisional"] is False
    assert clue["correlation_id"] == "call-2026-0928-01"

    [event] = received_events(database)
    assert event["subject"] == clue_id and event["correlation_id"] == "call-2026-0928-01"
    data = event["data"]
    assert data["town"] == "博望街道" and data["channel"] == "hotline" and data["due_on"] == "2026-10-23"
    assert PHONE not in json.dumps(event) and "王" not in json.dumps(event)

    # the reporter can follow it by the token the desk gave them, and the public sees the number masked
    [followed] = client.get(f"/open311/v2/tokens/{token}.json").get_json()
    assert followed["service_request_id"] == clue_id
    [shown] = client.get(f"/open311/v2/requests/{clue_id}.json").get_json()
    assert PHONE not in shown["description"] and "138****5678" in shown["description"]


def test_every_reading_of_a_reporter_is_remembered(client, database, clock):
    clue_id = record(client).get_json()["id"]
    client.get(f"/v1/clues/{clue_id}", headers=desk())
    clock.advance(dt.timedelta(hours=1))
    client.get(f"/v1/clues/{clue_id}", headers=bearer("desk", sub="desk-zhao"))
    with database.engine.connect() as conn:
        views = conn.execute(sa.select(reporter_views.c.clue_id, reporter_views.c.viewer, reporter_views.c.viewed_at)
                             .order_by(reporter_views.c.id)).all()
    assert [(v.clue_id, v.viewer) for v in views] == [(clue_id, "desk-li"), (clue_id, "desk-zhao")]
    assert views[1].viewed_at - views[0].viewed_at == dt.timedelta(hours=1)
    listed = client.get(f"/v1/clues/{clue_id}/reporter-views", headers=bearer("admin"))
    assert [v["viewer"] for v in listed.get_json()] == ["desk-li", "desk-zhao"]
    assert client.get(f"/v1/clues/{clue_id}/reporter-views", headers=bearer("inspector")).status_code == 403
    assert client.get("/v1/clues/01HZ3E4F5G6H7J8K9M0N1P2Q3R/reporter-views", headers=desk()).status_code == 404


def test_a_paper_record_keeps_its_past_date_and_a_second_import_changes_nothing(client, database):
    first = record(client, channel="mailbox", received_at="2025-12-30T09:00:00", external_ref="信箱-2025-118")
    assert first.status_code == 201
    again = record(client, channel="mailbox", received_at="2025-12-30T09:00:00", external_ref="信箱-2025-118",
                   description="重复导入")
    assert again.status_code == 200 and again.get_json() == {"id": first.get_json()["id"], "token": None}
    clue = client.get(f"/v1/clues/{first.get_json()['id']}", headers=desk()).get_json()
    assert clue["received_at"] == "2025-12-30T01:00:00+00:00" and clue["recorded_at"].startswith("2026-09-28")
    assert len(received_events(database)) == 1


def test_a_complaint_received_in_the_future_is_refused_naming_received_at(client):
    response = record(client, received_at="2026-09-29T10:00:00+08:00")
    assert response.status_code == 422 and response.mimetype == PROBLEM
    assert [e["field"] for e in response.get_json()["errors"]] == ["received_at"]


def test_a_year_the_official_calendar_does_not_know_gets_a_provisional_deadline(client, clock):
    clock.set(dt.datetime(2041, 3, 4, 2, 0, tzinfo=dt.UTC))
    response = record(client, received_at="2041-03-04T09:00:00")
    assert response.status_code == 201
    clue = client.get(f"/v1/clues/{response.get_json()['id']}", headers=desk()).get_json()
    assert clue["due_provisional"] is True and clue["due_on"] == "2041-03-25"


@pytest.mark.parametrize(("fields", "field"), [
    ({"channel": "web_form"}, "channel"), ({"category": "gossip"}, "category"), ({"description": ""}, "description"),
    ({"town": "火星镇"}, "town"), ({"town": None, "address": "汉中市某小区"}, "town"),
    ({"reporter": {"email": "nope"}}, "reporter.email"), ({"received_at": "yesterday"}, "received_at"),
])
def test_bad_clues_are_refused_naming_the_field(client, fields, field):
    response = record(client, **fields)
    assert response.status_code == 422 and response.mimetype == PROBLEM, response.get_json()
    assert field in [e["field"] for e in response.get_json()["errors"]]


def test_a_public_report_becomes_a_clue_when_the_desk_registers_it(client, database):
    filed = client.post("/open311/v2/requests.json", json={
        "service_code": "holiday_tutoring", "address_string": "汉中市某小区", "description": "国庆补课"})
    [answer] = filed.get_json()
    [found] = client.get(f"/open311/v2/tokens/{answer['token']}.json").get_json()
    clue_id = found["service_request_id"]
    assert received_events(database) == []  # not a clue until the desk registers it

    unplaced = client.post(f"/v1/clues/{clue_id}/register", json={}, headers=desk())
    assert unplaced.status_code == 422 and unplaced.get_json()["errors"][0]["field"] == "town"
    registered = client.post(f"/v1/clues/{clue_id}/register", json={"town": "龙头镇"}, headers=desk())
    assert registered.status_code == 200, registered.get_json()
    assert registered.get_json()["status"] == "received" and registered.get_json()["channel"] == "web_form"
    [event] = received_events(database)
    assert event["subject"] == clue_id
    again = client.post(f"/v1/clues/{clue_id}/register", json={"town": "龙头镇"}, headers=desk())
    assert again.status_code == 409


def _filed(client, description):
    filed = client.post("/open311/v2/requests.json", json={
        "service_code": "holiday_tutoring", "address_string": "城固县龙头镇某小区", "description": description})
    [found] = client.get(f"/open311/v2/tokens/{filed.get_json()[0]['token']}.json").get_json()
    return found["service_request_id"]


def test_the_desk_registers_a_public_report_under_its_own_reference_and_finds_it_by_it(client):
    clue_id, other_id = _filed(client, "国庆补课"), _filed(client, "周末补课")
    registered = client.post(f"/v1/clues/{clue_id}/register", json={"external_ref": "CG-2026-0142"}, headers=desk())
    assert registered.status_code == 200, registered.get_json()
    assert registered.get_json()["external_ref"] == "CG-2026-0142"
    found = client.get("/v1/clues", query_string={"external_ref": "CG-2026-0142"}, headers=desk()).get_json()
    assert [c["id"] for c in found["items"]] == [clue_id]

    taken = client.post(f"/v1/clues/{other_id}/register", json={"external_ref": "CG-2026-0142"}, headers=desk())
    assert taken.status_code == 409 and taken.mimetype == PROBLEM
    assert (taken.get_json()["code"], taken.get_json()["existing_id"]) == ("clue.external_ref_taken", clue_id)
    listed = client.get("/v1/clues", query_string={"status": "submitted"}, headers=desk()).get_json()
    assert [c["id"] for c in listed["items"]] == [other_id]  # still waiting, with no reference


def test_the_list_filters_and_a_town_officer_sees_their_own_town_only(client):
    record(client)
    record(client, town="龙头镇", channel="walk_in", category="refund_dispute")
    listed = client.get("/v1/clues", query_string={"channel": "walk_in"}, headers=desk()).get_json()
    assert [c["town"] for c in listed["items"]] == ["龙头镇"] and listed["total"] == 1
    assert "reporter" not in listed["items"][0]
    officer = bearer("desk", town="博望街道")
    own = client.get("/v1/clues", headers=officer).get_json()
    assert [c["town"] for c in own["items"]] == ["博望街道"]
    other_id = listed["items"][0]["id"]
    assert client.get(f"/v1/clues/{other_id}", headers=officer).status_code == 404


def test_only_the_desk_reads_clues(client):
    clue_id = record(client).get_json()["id"]
    assert client.get(f"/v1/clues/{clue_id}").status_code == 401
    assert client.get(f"/v1/clues/{clue_id}", headers=bearer("inspector")).status_code == 403
    assert client.get("/v1/clues", headers=bearer("admin")).status_code == 403


def test_a_public_report_keeps_the_correlation_id_it_was_filed_with_once_it_is_a_clue(client, database):
    filed = client.post("/open311/v2/requests.json", headers={"X-Correlation-ID": "web-2026-0928-07"}, json={
        "service_code": "holiday_tutoring", "address_string": "城固县龙头镇某小区", "description": "国庆补课"})
    [found] = client.get(f"/open311/v2/tokens/{filed.get_json()[0]['token']}.json").get_json()
    clue_id = found["service_request_id"]
    registered = client.post(f"/v1/clues/{clue_id}/register", json={},
                             headers={**desk(), "X-Correlation-ID": "desk-session-3"})
    assert registered.status_code == 200 and registered.get_json()["correlation_id"] == "web-2026-0928-07"
    [event] = received_events(database)
    assert event["correlation_id"] == "web-2026-0928-07"  # one complaint's journey, one id, from intake onward
