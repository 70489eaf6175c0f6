"""A ban's journey across the four services, as real processes on PostgreSQL and RabbitMQ: a drawn inspection
finds a violation, a supervisor opens a case on it and imposes a ban, the registry bans the institution, the
public board drops it and the banned list shows it, and reporting's reduction figures and ban count change.
One correlation id (the draw's, which its tasks, the case and the ban carry on) follows it through every
service's logs."""

from __future__ import annotations

import pytest
from flows_support import (
    bearer,
    call,
    drawn_today,
    eventually,
    inspectors,
    journey,
    logged_everywhere,
    registered,
    routine_campaign,
    task_of,
    today,
)

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.slow]
TOWN = "城关镇"


def test_a_violation_found_by_a_drawn_inspection_ends_in_a_ban_everyone_sees(platform):
    urls = platform.urls
    leader, supervisor = bearer("leader"), bearer("supervisor")
    institution_id = registered(urls, TOWN, "城关镇启明星学科培训学校", filed=True)
    on_board = call("GET", urls["registry"] + f"/v1/public/institutions/{institution_id}", 200)
    assert on_board["name"] == "城关镇启明星学科培训学校"
    campaign = routine_campaign(urls, TOWN)
    team = inspectors(urls, TOWN)
    eventually(lambda: call("GET", urls["inspection"] + f"/v1/targets/{institution_id}", 200, headers=supervisor)
               ["state"] == "licensed", "inspection to keep the licensed institution as a target")

    def in_town(state):
        figures = call("GET", urls["reporting"] + "/v1/figures/institutions", 200, headers=leader,
                       params={"town": TOWN})
        return figures["by_category"].get("discipline", {}).get(state) == 1

    eventually(lambda: in_town("licensed"), "reporting to count the licensed institution")
    before = call("GET", urls["reporting"] + "/v1/summary", 200, headers=leader)

    # the round is drawn (the journey starts here), the team visits and finds a violation
    journey_id = journey("ban")
    draw = drawn_today(urls, campaign["id"], target_count=1, correlation_id=journey_id)
    task = task_of(urls, draw_id=draw["id"], institution_id=institution_id)
    assert sorted(task["team"]) == sorted(team)
    call("POST", urls["inspection"] + f"/v1/tasks/{task['id']}/result", 201,
         headers=bearer("inspector", sub=task["team"][0]),
         json={"inspected_on": today().isoformat(), "inspectors_present": task["team"], "outcome": "violation",
               "findings": ["training_time", "fees_published"]})

    # a supervisor opens a case on the inspection and bans the institution
    case = call("POST", urls["inspection"] + "/v1/cases", 201, headers=supervisor, json={
        "subject_kind": "institution", "source_task_id": task["id"], "summary": "假期违规开展学科类培训，拒不整改"})
    assert case["institution_id"] == institution_id
    call("POST", urls["inspection"] + f"/v1/cases/{case['id']}/sanctions", 201, headers=supervisor,
         json={"kind": "ban", "decided_on": today().isoformat()})

    # the registry carries it out, citing the case
    banned = eventually(lambda: (found := call("GET", urls["registry"] + f"/v1/institutions/{institution_id}", 200,
                                               headers=bearer("clerk")))["state"] == "banned" and found,
                        "the registry to ban the institution")
    assert banned["ban_case_id"] == case["id"] and banned["state_since"] == today().isoformat()

    # the public sees it leave the board and appear on the banned list
    call("GET", urls["registry"] + f"/v1/public/institutions/{institution_id}", 404)
    board = call("GET", urls["registry"] + "/v1/public/institutions", 200, params={"town": TOWN, "page_size": 100})
    assert institution_id not in [str(item["id"]) for item in board["items"]]
    listed = call("GET", urls["registry"] + "/v1/public/banned", 200, params={"page_size": 100})["items"]
    [shown] = [item for item in listed if str(item["id"]) == institution_id]
    assert shown["name"] == "城关镇启明星学科培训学校"

    # inspection hears of the ban: the target is no longer drawn
    eventually(lambda: call("GET", urls["inspection"] + f"/v1/targets/{institution_id}", 200, headers=supervisor)
               ["state"] == "banned", "inspection to hear of the ban")

    # reporting: one licensed discipline institution fewer, the reduction rate up, one more ban and case punished
    def ban_counted():
        figures = call("GET", urls["reporting"] + "/v1/summary", 200, headers=leader)
        return figures if figures["institutions_banned"] == before["institutions_banned"] + 1 else None

    after = eventually(ban_counted, "reporting to count the ban")
    assert in_town("banned") and not in_town("licensed")
    assert after["discipline_before"] == before["discipline_before"]
    assert after["discipline_licensed"] == before["discipline_licensed"] - 1
    assert after["reduction_rate"] > before["reduction_rate"]
    assert after["reduction_rate"] == pytest.approx(
        (after["discipline_before"] - after["discipline_licensed"]) / after["discipline_before"], abs=0.001)
    eventually(lambda: call("GET", urls["reporting"] + "/v1/summary", 200, headers=leader)["cases_punished"]
               == before["cases_punished"] + 1, "reporting to count the punished case")

    # one correlation id followed the ban through every service's logs (complaints hears of the ban too)
    eventually(lambda: all(logged_everywhere(platform, journey_id).values()),
               f"{journey_id} in every service's logs")
