"""A complaint's journey across the four services, as real processes on PostgreSQL and RabbitMQ: filed through
Open311, triaged and referred by the desk, inspected as a targeted task, answered by the inspection's result,
read and rated by the reporter with their token, and counted by reporting on time (and a paper complaint,
entered by the desk with the day it arrived long ago, counted late). One correlation id follows the journey
through every service's logs."""

from __future__ import annotations

import datetime as dt

import pytest
from flows_support import (
    bearer,
    call,
    eventually,
    inspectors,
    journey,
    logged_everywhere,
    registered,
    routine_campaign,
    today,
)

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.slow]
TOWN = "博望街道"
V2 = "/open311/v2"


def _inspect_referred_clue(urls, clue_id: str, team: list[str], outcome: str, findings: list[str]) -> dict:
    """A supervisor staffs the task the referral became; a team member records the result today."""
    supervisor = bearer("supervisor")

    def task_of_clue():
        listed = call("GET", urls["inspection"] + "/v1/tasks", 200, headers=supervisor,
                      params={"kind": "clue", "page_size": 100})["items"]
        return next((t for t in listed if t["clue_id"] == clue_id), None)

    task = eventually(task_of_clue, f"inspection to make a task of clue {clue_id}")
    call("PUT", urls["inspection"] + f"/v1/tasks/{task['id']}/team", 200, headers=supervisor,
         json={"inspectors": team, "planned_on": today().isoformat()})
    return call("POST", urls["inspection"] + f"/v1/tasks/{task['id']}/result", 201,
                headers=bearer("inspector", sub=team[0]),
                json={"inspected_on": today().isoformat(), "inspectors_present": team, "outcome": outcome,
                      "findings": findings})


def test_a_complaint_filed_through_open311_is_inspected_answered_rated_and_counted(platform):
    urls = platform.urls
    desk, leader = bearer("desk"), bearer("leader")
    institution_id = registered(urls, TOWN, "博望街道明德学科培训学校", filed=True)
    campaign = routine_campaign(urls, TOWN)
    team = inspectors(urls, TOWN)
    stats_before = call("GET", urls["reporting"] + "/v1/complaints/stats", 200, headers=leader)
    # complaints learns the institution's name from the registry's event, so the desk can match it
    eventually(lambda: call("GET", urls["complaints"] + "/v1/institution-names", 200, headers=desk,
                            params={"q": "明德"})["items"], "complaints to know the institution's name")

    # a parent files the complaint through Open311; the journey's correlation id comes with the request
    journey_id = journey("complaint")
    [filed] = call("POST", urls["complaints"] + f"{V2}/requests.json", 201,
                   headers={"X-Correlation-ID": journey_id},
                   json={"service_code": "holiday_tutoring", "address_string": f"城固县{TOWN}文化路明德学校",
                         "description": "周六上午明德学校给初中生上数学课", "first_name": "王",
                         "phone": "13800000000", "attribute": {"institution_name": "明德"}})
    token = filed["token"]
    [found] = call("GET", urls["complaints"] + f"{V2}/tokens/{token}.json", 200)
    clue_id = found["service_request_id"]

    # the desk registers it (its deadline starts), triages it to the institution and refers it for inspection
    placed = call("POST", urls["complaints"] + f"/v1/clues/{clue_id}/register", 200, headers=desk, json={})
    assert placed["town"] == TOWN and placed["due_on"]
    suggestions = call("GET", urls["complaints"] + f"/v1/clues/{clue_id}/suggestions", 200, headers=desk,
                       params={"q": "明德学校"})
    assert suggestions[0]["institution_id"] == institution_id
    call("POST", urls["complaints"] + f"/v1/clues/{clue_id}/triage", 200, headers=desk,
         json={"category": "holiday_tutoring", "institution_id": institution_id, "department": "education"})
    referred = call("POST", urls["complaints"] + f"/v1/clues/{clue_id}/refer", 200, headers=desk,
                    json={"priority": "urgent", "place": f"{TOWN}文化路明德学校", "reason": "家长反映假期学科补课"})
    assert referred["status"] == "referred"

    # inspection made it a targeted task; the team finds the violation
    done = _inspect_referred_clue(urls, clue_id, team, "violation", ["training_time"])
    assert done["campaign_id"] == campaign["id"] and done["institution_id"] == institution_id

    # the reporter follows it by token and sees the inspection's answer
    def answered():
        [shown] = call("GET", urls["complaints"] + f"{V2}/requests/{clue_id}.json", 200)
        return shown if shown["status_notes"] and "属实" in shown["status_notes"] else None

    shown = eventually(answered, "the clue to be answered by the inspection's result")
    assert shown["status"] == "open" and shown["service_code"] == "holiday_tutoring"
    call("POST", urls["complaints"] + f"/v1/ratings/{token}", 204, json={"satisfied": True, "note": "谢谢"})

    # the public board shows the day of the institution's last inspection
    eventually(lambda: call("GET", urls["registry"] + f"/v1/public/institutions/{institution_id}", 200)
               .get("last_inspected_on") == today().isoformat(), "the registry to record the visit")

    # reporting counts it: received, referred, answered on time, rated satisfied
    def counted():
        stats = call("GET", urls["reporting"] + "/v1/complaints/stats", 200, headers=leader)
        return stats if stats["ratings"]["satisfied"] == stats_before["ratings"]["satisfied"] + 1 else None

    stats = eventually(counted, "reporting to count the rated complaint")
    assert stats["received"] == stats_before["received"] + 1
    assert stats["referred"] == stats_before["referred"] + 1
    assert stats["answered"] == stats_before["answered"] + 1
    assert stats["on_time"] == stats_before["on_time"] + 1
    assert stats["by_channel"]["web_form"] == stats_before["by_channel"].get("web_form", 0) + 1

    # one correlation id followed the journey through every service's logs
    wait = eventually(lambda: all(logged_everywhere(platform, journey_id).values())
                      and logged_everywhere(platform, journey_id),
                      f"{journey_id} in every service's logs")
    assert set(wait) == {"registry", "inspection", "complaints", "reporting"}
    assert platform.logged("complaints", journey_id)[0].get("path", "").startswith(V2)


def test_a_complaint_received_long_ago_and_answered_today_is_counted_late(platform):
    urls = platform.urls
    desk, leader = bearer("desk"), bearer("leader")
    town = "莲花街道"
    institution_id = registered(urls, town, "莲花街道博学学科培训学校")
    routine_campaign(urls, town)
    team = inspectors(urls, town)
    stats_before = call("GET", urls["reporting"] + "/v1/complaints/stats", 200, headers=leader)

    # a letter from the mailbox, entered by the desk with the day it arrived: its deadline passed long ago
    journey_id = journey("late-complaint")
    received = f"{today() - dt.timedelta(days=90)}T09:30:00"  # local time (Asia/Shanghai)
    clue = call("POST", urls["complaints"] + "/v1/clues", 201, headers={**desk, "X-Correlation-ID": journey_id},
                json={"channel": "mailbox", "category": "excessive_fees", "received_at": received,
                      "description": "博学学校一次收取一年学费", "address": f"{town}文化路博学学校",
                      "reporter": {"first_name": "李", "phone": "13900000000"}})
    clue_id = clue["id"]
    eventually(lambda: call("GET", urls["complaints"] + "/v1/institution-names", 200, headers=desk,
                            params={"q": "博学"})["items"], "complaints to know the institution's name")
    call("POST", urls["complaints"] + f"/v1/clues/{clue_id}/triage", 200, headers=desk,
         json={"category": "excessive_fees", "institution_id": institution_id, "department": "education"})
    call("POST", urls["complaints"] + f"/v1/clues/{clue_id}/refer", 200, headers=desk, json={"reason": "收费需核查"})
    _inspect_referred_clue(urls, clue_id, team, "compliant", [])

    def counted():
        stats = call("GET", urls["reporting"] + "/v1/complaints/stats", 200, headers=leader)
        return stats if stats["answered"] == stats_before["answered"] + 1 else None

    stats = eventually(counted, "reporting to count the late answer")
    assert stats["received"] == stats_before["received"] + 1
    assert stats["on_time"] == stats_before["on_time"]  # answered, but after its deadline
    eventually(lambda: all(logged_everywhere(platform, journey_id, ("inspection", "complaints", "reporting"))
                           .values()), f"{journey_id} in inspection's, complaints' and reporting's logs")
