"""What the registry does with inspection's events, made from inspection's contracts, on real PostgreSQL.

The same flow over RabbitMQ, driven through inspection's own API, is
`tests/integration/inspection/test_ban_from_a_case.py`."""

from __future__ import annotations

import pytest
import test_registry_institutions_support as support
from test_registry_institutions_support import CLERK, act, ban_on_paper, bearer, licensed, published, register

from services.registry.entrypoints.consumer import HANDLERS
from shared.bus import new_event

pytestmark = pytest.mark.integration
database, app, client = support.database, support.app, support.client  # the shared fixtures

CASE = "01HX2B7C9D0E1F2G3H4J5K6M7N"


def sanction(institution_id, kind="ban", case_id=CASE, decided_on="2022-03-01"):
    return {"case_id": case_id, "institution_id": None if institution_id is None else str(institution_id),
            "kind": kind, "amount_fen": 500000 if kind == "fine" else None, "deadline": None,
            "decided_on": decided_on}


def deliver(database, event_type, data):
    """Hand one event to the registry's handler as the consumer does: in its transaction, then commit."""
    event = new_event(event_type, data=data, correlation_id="case-journey-7")
    with database.sessions() as session, session.begin():
        HANDLERS[event_type](event, session)
    return event


def ban_sanctions(client, query=""):
    answer = client.get(f"/v1/ban-sanctions{query}", headers=CLERK)
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()["items"]


def test_a_ban_sanction_bans_the_institution_citing_the_case(client, database):
    institution = licensed(client)
    deliver(database, "inspection.case.sanction_imposed", sanction(institution["id"]))
    now = client.get(f"/v1/institutions/{institution['id']}", headers=CLERK).get_json()
    assert (now["state"], now["state_since"], now["ban_case_id"]) == ("banned", "2022-03-01", CASE)
    step = now["history"][-1]
    assert (step["action"], step["actor"], step["case_id"]) == ("ban", "inspection", CASE)
    assert CASE in step["reason"] and "取缔" in step["reason"]
    [event] = published(database, "registry.institution.banned")
    assert event["data"]["case_id"] == CASE and event["correlationid"] == "case-journey-7"
    assert event["data"]["document_number"] is None  # only a ban decided on paper has one
    [received] = ban_sanctions(client)
    assert (received["outcome"], received["institution_id"], received["unmatched"]) == ("banned", institution["id"],
                                                                                        False)


def test_the_same_ban_delivered_again_bans_once(client, database):
    institution = licensed(client)
    for _ in range(3):  # re-published under new event ids: the inbox cannot tell, the case can
        deliver(database, "inspection.case.sanction_imposed", sanction(institution["id"]))
    history = client.get(f"/v1/institutions/{institution['id']}", headers=CLERK).get_json()["history"]
    assert [step["action"] for step in history].count("ban") == 1
    assert len(published(database, "registry.institution.banned")) == 1
    assert len(ban_sanctions(client)) == 1


def test_a_ban_after_the_registry_banned_it_itself_is_one_ban_not_two(client, database):
    institution = licensed(client)
    assert ban_on_paper(client, institution["id"], reason="无证办学", occurred_on="2022-02-01").status_code == 200
    deliver(database, "inspection.case.sanction_imposed", sanction(institution["id"]))
    assert len(published(database, "registry.institution.banned")) == 1
    assert [item["outcome"] for item in ban_sanctions(client)] == ["already_banned"]


@pytest.mark.parametrize("kind", ["warning", "fine"])
def test_sanctions_other_than_a_ban_leave_the_registry_alone(client, database, kind):
    institution = licensed(client)
    deliver(database, "inspection.case.sanction_imposed", sanction(institution["id"], kind=kind))
    assert client.get(f"/v1/institutions/{institution['id']}", headers=CLERK).get_json()["state"] == "licensed"
    assert ban_sanctions(client) == []


def test_a_ban_naming_no_or_an_unknown_institution_waits_for_a_clerk(client, database):
    deliver(database, "inspection.case.sanction_imposed", sanction(None, case_id="case-hidden-tutoring"))
    deliver(database, "inspection.case.sanction_imposed", sanction("01HW8ZQ3V4N6P2K7T9R5M1X0AB", case_id="case-ulid"))
    deliver(database, "inspection.case.sanction_imposed", sanction(999999, case_id="case-gone"))
    unmatched = ban_sanctions(client, "?unmatched=true")
    assert [(item["case_id"], item["outcome"], item["institution_ref"]) for item in unmatched] == [
        ("case-gone", "unknown_institution", "999999"),
        ("case-ulid", "unknown_institution", "01HW8ZQ3V4N6P2K7T9R5M1X0AB"),
        ("case-hidden-tutoring", "no_institution", None)]
    assert all(item["unmatched"] and item["outcome_label"] for item in unmatched)
    assert ban_sanctions(client, "?unmatched=false") == []
    assert ban_sanctions(client, "?outcome=no_institution")[0]["case_id"] == "case-hidden-tutoring"
    assert published(database, "registry.institution.banned") == []
    assert client.get("/v1/ban-sanctions", headers=bearer("integrator")).status_code == 403


def test_a_town_officer_sees_only_the_ban_sanctions_of_their_towns_institutions(client, database):
    chengguan = licensed(client)
    bowang = licensed(client, town="博望街道", name="博望街道育才英语培训中心", address="博望街道文化路3号")
    deliver(database, "inspection.case.sanction_imposed", sanction(chengguan["id"], case_id="case-chengguan"))
    deliver(database, "inspection.case.sanction_imposed", sanction(bowang["id"], case_id="case-bowang"))
    deliver(database, "inspection.case.sanction_imposed", sanction(None, case_id="case-no-institution"))
    answer = client.get("/v1/ban-sanctions", headers=bearer("supervisor", town="博望街道"))
    assert [item["case_id"] for item in answer.get_json()["items"]] == ["case-bowang"]
    assert answer.get_json()["total"] == 1
    assert len(ban_sanctions(client)) == 3  # a county clerk sees them all


def test_a_ban_of_a_closed_institution_is_recorded_as_not_carried_out(client, database):
    institution = licensed(client)
    act(client, institution["id"], "close", reason="举办者申请注销", occurred_on="2022-01-05")
    deliver(database, "inspection.case.sanction_imposed", sanction(institution["id"]))
    [item] = ban_sanctions(client, "?unmatched=true")
    assert (item["outcome"], item["institution_name"]) == ("not_bannable", institution["name"])


def test_a_ban_decided_before_the_last_recorded_step_is_dated_on_that_step(client, database):
    institution = licensed(client)  # licensed on 2021-09-20
    deliver(database, "inspection.case.sanction_imposed", sanction(institution["id"], decided_on="2021-09-01"))
    now = client.get(f"/v1/institutions/{institution['id']}", headers=CLERK).get_json()
    assert (now["state"], now["state_since"]) == ("banned", "2021-09-20")
    assert "2021-09-01" in now["history"][-1]["reason"]  # the decision's own date stays in the record


def resolve(client, sanction_id, headers=CLERK, **body):
    return client.post(f"/v1/ban-sanctions/{sanction_id}/resolution", json=body, headers=headers)


def test_a_clerk_resolves_an_unmatched_ban_sanction_by_banning_the_institution_it_meant(client, database):
    meant = licensed(client)  # licensed on 2021-09-20
    deliver(database, "inspection.case.sanction_imposed", sanction("01HW8ZQ3V4N6P2K7T9R5M1X0AB", case_id="case-ulid"))
    [row] = ban_sanctions(client, "?unmatched=true")
    assert resolve(client, row["id"], headers=bearer("supervisor"), institution_id=meant["id"]).status_code == 403
    bad = resolve(client, row["id"], institution_id="3", occurred_on="2022-02-30")
    assert bad.status_code == 422 and {e["field"] for e in bad.get_json()["errors"]} == {"institution_id",
                                                                                         "occurred_on"}
    assert resolve(client, 999999, institution_id=meant["id"]).status_code == 404
    assert resolve(client, row["id"], institution_id=999999).status_code == 404
    other_town = resolve(client, row["id"], headers=bearer("clerk", town="博望街道"), institution_id=meant["id"])
    assert other_town.status_code == 404  # a town officer resolves only for their own town's institutions
    early = resolve(client, row["id"], institution_id=meant["id"], occurred_on="2021-09-01")
    assert (early.status_code, early.get_json()["errors"][0]["field"]) == (422, "occurred_on")

    done = resolve(client, row["id"], institution_id=meant["id"], occurred_on="2022-03-05",
                   reason="案件所指即城关镇启明星学科培训学校")
    assert done.status_code == 200, done.get_json()
    resolved = done.get_json()
    assert (resolved["outcome"], resolved["unmatched"], resolved["institution_id"], resolved["resolved_by"]) == (
        "banned", False, meant["id"], "clerk-li")
    now = client.get(f"/v1/institutions/{meant['id']}", headers=CLERK).get_json()
    assert (now["state"], now["state_since"], now["ban_case_id"]) == ("banned", "2022-03-05", "case-ulid")
    step = now["history"][-1]
    assert (step["action"], step["actor"], step["case_id"], step["reason"]) == (
        "ban", "clerk-li", "case-ulid", "案件所指即城关镇启明星学科培训学校")
    [event] = published(database, "registry.institution.banned")
    assert event["data"]["case_id"] == "case-ulid"
    assert ban_sanctions(client, "?unmatched=true") == []
    again = resolve(client, row["id"], institution_id=meant["id"])
    assert (again.status_code, again.get_json()["code"]) == (409, "ban_sanction.not_unmatched")


def test_a_sanction_the_registry_carried_out_itself_needs_no_clerk(client, database):
    banned, other = licensed(client), licensed(client)
    deliver(database, "inspection.case.sanction_imposed", sanction(banned["id"]))
    [row] = ban_sanctions(client)
    refused = resolve(client, row["id"], institution_id=other["id"])
    assert (refused.status_code, refused.get_json()["code"]) == (409, "ban_sanction.not_unmatched")
    assert client.get(f"/v1/institutions/{other['id']}", headers=CLERK).get_json()["state"] == "licensed"


def test_a_case_ban_resolved_by_a_clerk_and_a_ban_recorded_on_paper_both_show_in_the_history(client, database):
    by_case, on_paper = licensed(client), licensed(client)
    deliver(database, "inspection.case.sanction_imposed", sanction(None, case_id="case-hidden-tutoring"))
    [row] = ban_sanctions(client, "?unmatched=true")
    assert resolve(client, row["id"], institution_id=by_case["id"]).status_code == 200
    assert ban_on_paper(client, on_paper["id"], "无证办学", "2021-12-01",
                        document_number="城教罚决字〔2021〕9号").status_code == 200
    steps = [client.get(f"/v1/institutions/{i['id']}", headers={**CLERK, "Accept-Language": "en"}).get_json()
             ["history"][-1] for i in (by_case, on_paper)]
    assert [(s["action_label"], s["case_id"], s["document_number"]) for s in steps] == [
        ("ban", "case-hidden-tutoring", None), ("ban", None, "城教罚决字〔2021〕9号")]
    assert "case-hidden-tutoring" in steps[0]["reason"]  # the case's decision, by default


# -- holiday reminders ----------------------------------------------------------------------------------------

REMINDER = {"campaign_id": "01HZ0A1B2C3D4E5F6G7H8J9K0M", "holiday": "劳动节", "remind_on": "2025-04-28",
            "towns": ["城关镇", "博望街道"]}


def test_a_holiday_reminder_becomes_a_notice_for_every_institution_operating_in_the_towns_that_day(client,
                                                                                                     database):
    chengguan = licensed(client)
    bowang = register(client, town="博望街道", state="under_review")
    elsewhere = register(client, town="龙头镇")
    closed = register(client)
    assert act(client, closed["id"], "close", reason="停办", occurred_on="2025-03-01").status_code == 200
    # the reminder (for 2025-04-28) arrives late: what happened after its day does not change who it reaches
    closed_since = register(client)
    assert act(client, closed_since["id"], "close", reason="停办", occurred_on="2025-06-01").status_code == 200
    registered_since = register(client, occurred_on="2025-05-10")
    deliver(database, "inspection.campaign.reminder_issued", REMINDER)
    deliver(database, "inspection.campaign.reminder_issued", REMINDER)  # the same reminder again: once

    def notices(institution, language="zh"):
        answer = client.get(f"/v1/institutions/{institution['id']}/notices",
                            headers={**bearer("integrator"), "Accept-Language": language})
        assert answer.status_code == 200
        return answer.get_json()

    [notice] = notices(chengguan)["items"]
    assert (notice["kind"], notice["holiday"], notice["remind_on"]) == ("holiday_reminder", "劳动节", "2025-04-28")
    assert "劳动节" in notice["message"] and "学科类培训" in notice["message"]
    assert "no discipline tutoring" in notices(chengguan, "en")["items"][0]["message"]
    assert notices(bowang)["total"] == 1
    assert notices(elsewhere)["total"] == 0 and notices(closed)["total"] == 0
    assert notices(closed_since)["total"] == 1 and notices(registered_since)["total"] == 0
    assert client.get("/v1/institutions/999999/notices", headers=CLERK).status_code == 404
