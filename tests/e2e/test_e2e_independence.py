"""Independence, end to end: inspection's web and worker are stopped while the desk refers a complaint. The
registry, complaints and reporting keep accepting and doing their work, what inspection is owed waits in its
queue, and once inspection is back the queue drains and the complaint's journey completes with nothing lost."""

from __future__ import annotations

import pytest
import requests
from flows_support import (
    admin,
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
TOWN = "文川镇"
V2 = "/open311/v2"


def test_with_inspection_stopped_the_others_keep_working_and_its_queue_drains_when_it_returns(platform):
    urls = platform.urls
    desk, leader, supervisor = bearer("desk"), bearer("leader"), bearer("supervisor")
    institution_id = registered(urls, TOWN, "文川镇育才学科培训学校", filed=True)
    campaign = routine_campaign(urls, TOWN)
    team = inspectors(urls, TOWN)
    eventually(lambda: call("GET", urls["complaints"] + "/v1/institution-names", 200, headers=desk,
                            params={"q": "育才"})["items"], "complaints to know the institution's name")
    eventually(lambda: call("GET", urls["inspection"] + f"/v1/targets/{institution_id}", 200, headers=supervisor),
               "inspection to keep the institution as a target")
    before = call("GET", urls["reporting"] + "/v1/complaints/stats", 200, headers=leader)

    platform.stop("inspection")
    try:
        with pytest.raises(requests.ConnectionError):
            requests.get(urls["inspection"] + "/healthz", timeout=5)

        # the desk takes and refers a complaint meanwhile
        journey_id = journey("independence")
        [filed] = call("POST", urls["complaints"] + f"{V2}/requests.json", 201,
                       headers={"X-Correlation-ID": journey_id},
                       json={"service_code": "hidden_tutoring", "address_string": f"城固县{TOWN}育才学校",
                             "description": "育才学校周日在隔壁小区上课", "first_name": "赵"})
        [found] = call("GET", urls["complaints"] + f"{V2}/tokens/{filed['token']}.json", 200)
        clue_id = found["service_request_id"]
        call("POST", urls["complaints"] + f"/v1/clues/{clue_id}/register", 200, headers=desk, json={})
        call("POST", urls["complaints"] + f"/v1/clues/{clue_id}/triage", 200, headers=desk,
             json={"category": "hidden_tutoring", "institution_id": institution_id})
        referred = call("POST", urls["complaints"] + f"/v1/clues/{clue_id}/refer", 200, headers=desk,
                        json={"priority": "urgent", "reason": "家长反映周末补课"})
        assert referred["status"] == "referred"

        # the registry takes a new institution; complaints hears of it; reporting counts the referral
        newcomer = registered(urls, TOWN, "文川镇博雅学科培训学校")
        eventually(lambda: call("GET", urls["complaints"] + "/v1/institution-names", 200, headers=desk,
                                params={"q": "博雅"})["items"], "complaints to hear of the newcomer")
        eventually(lambda: call("GET", urls["reporting"] + "/v1/complaints/stats", 200, headers=leader)["referred"]
                   == before["referred"] + 1, "reporting to count the referral")

        # what inspection is owed waits for it on the broker: the referral and the newcomer at least
        eventually(lambda: platform.waiting("inspection") >= 2, "inspection's queue to hold what it is owed")
    finally:
        platform.start("inspection")

    # back: its queue drains and nothing was lost
    eventually(lambda: call("GET", urls["inspection"] + f"/v1/targets/{newcomer}", 200, headers=supervisor),
               "inspection to hear of the newcomer registered while it was away")
    listed = eventually(lambda: [t for t in call("GET", urls["inspection"] + "/v1/tasks", 200, headers=supervisor,
                                                 params={"kind": "clue", "page_size": 100})["items"]
                                 if t["clue_id"] == clue_id], "inspection to make a task of the referral")
    [task] = listed
    eventually(lambda: platform.waiting("inspection") == 0 and (
        bus := call("GET", urls["inspection"] + "/v1/ops/bus", 200, headers=admin()))["settled"]
        and bus["dead_letters"] == 0, "inspection's queue to drain")

    # and the journey completes: the visit answers the complaint and reporting counts it
    call("PUT", urls["inspection"] + f"/v1/tasks/{task['id']}/team", 200, headers=supervisor,
         json={"inspectors": team, "planned_on": today().isoformat()})
    done = call("POST", urls["inspection"] + f"/v1/tasks/{task['id']}/result", 201,
                headers=bearer("inspector", sub=team[0]),
                json={"inspected_on": today().isoformat(), "inspectors_present": team, "outcome": "violation",
                      "findings": ["training_time"]})
    assert done["campaign_id"] == campaign["id"]
    eventually(lambda: call("GET", urls["complaints"] + f"{V2}/requests/{clue_id}.json", 200)[0]["status_notes"]
               and "属实" in call("GET", urls["complaints"] + f"{V2}/requests/{clue_id}.json", 200)[0]
               ["status_notes"], "the reporter to read the inspection's answer")
    eventually(lambda: call("GET", urls["reporting"] + "/v1/complaints/stats", 200, headers=leader)["answered"]
               == before["answered"] + 1, "reporting to count the answer")
    eventually(lambda: all(logged_everywhere(platform, journey_id).values()),
               f"{journey_id} in every service's logs")


def test_with_reporting_stopped_a_ban_goes_through_and_reporting_counts_it_when_it_returns(platform):
    urls = platform.urls
    leader, supervisor = bearer("leader"), bearer("supervisor")
    institution_id = registered(urls, TOWN, "文川镇英才学科培训学校", filed=True)
    eventually(lambda: call("GET", urls["inspection"] + f"/v1/targets/{institution_id}", 200, headers=supervisor)
               ["state"] == "licensed", "inspection to keep the licensed institution as a target")
    eventually(lambda: platform.settled(admin()) and platform.settled(admin()), "every bus to settle")
    before = call("GET", urls["reporting"] + "/v1/summary", 200, headers=leader)

    platform.stop("reporting")
    try:
        # a case and a ban go through inspection and the registry meanwhile
        journey_id = journey("reporting-away")
        case = call("POST", urls["inspection"] + "/v1/cases", 201,
                    headers={**supervisor, "X-Correlation-ID": journey_id},
                    json={"subject_kind": "institution", "institution_id": institution_id,
                          "summary": "超出备案时间开展学科类培训", "opened_on": today().isoformat()})
        call("POST", urls["inspection"] + f"/v1/cases/{case['id']}/sanctions", 201, headers=supervisor,
             json={"kind": "ban", "decided_on": today().isoformat()})
        eventually(lambda: call("GET", urls["registry"] + f"/v1/institutions/{institution_id}", 200,
                                headers=bearer("clerk"))["state"] == "banned", "the registry to ban the institution")
        call("GET", urls["registry"] + f"/v1/public/institutions/{institution_id}", 404)
        eventually(lambda: platform.waiting("reporting") >= 3, "reporting's queue to hold the case, ban and sanction")
    finally:
        platform.start("reporting")

    def counted():
        figures = call("GET", urls["reporting"] + "/v1/summary", 200, headers=leader)
        return figures if figures["institutions_banned"] == before["institutions_banned"] + 1 else None

    after = eventually(counted, "reporting to count the ban made while it was away")
    assert after["discipline_licensed"] == before["discipline_licensed"] - 1
    eventually(lambda: call("GET", urls["reporting"] + "/v1/summary", 200, headers=leader)["cases_punished"]
               == before["cases_punished"] + 1, "reporting to count the punished case")
    eventually(lambda: platform.waiting("reporting") == 0 and (
        bus := call("GET", urls["reporting"] + "/v1/ops/bus", 200, headers=admin()))["settled"]
        and bus["dead_letters"] == 0, "reporting's queue to drain")
    eventually(lambda: all(logged_everywhere(platform, journey_id).values()),
               f"{journey_id} in every service's logs")
