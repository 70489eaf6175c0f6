"""A ban's journey across the four services, as real processes on PostgreSQL and RabbitMQ: a drawn inspection
finds a violation, a supervisor opens a case on it and imposes a ban, the registry bans the institution, the
public board drops it and the banned list shows it, and reporting's reduction figures and ban count change.
One correlation id (the draw's, which its tasks, the case and the ban carry on) follows it through every
service's logs. At each step that moves the reduction figures (nothing in the town yet, on the books, licensed,
banned, newcomers licensed and a conversion) reporting's before, licensed and rate equal the registry's
/v1/stats/reduction, the two services having applied the same events."""

from __future__ import annotations

import pytest
from flows_support import (
    admin,
    bearer,
    call,
    drawn_today,
    eventually,
    inspectors,
    institution,
    journey,
    license,
    logged_everywhere,
    registered,
    routine_campaign,
    task_of,
    today,
)

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.slow]
TOWN = "城关镇"


def same_reduction(platform, town_figures: tuple) -> None:
    """Once every bus has settled (reporting has applied every event the registry published), reporting's
    (discipline_before, discipline_licensed, reduction_rate) equal the registry's (before, licensed_now, rate):
    in the flow's town, where they are `town_figures`, in the county, and in every county together (reporting
    sums those from its daily counts, a county's from its rows)."""
    urls, leader = platform.urls, bearer("leader")
    eventually(lambda: platform.settled(admin()) and platform.settled(admin()), "every service's bus to settle")
    for where in ({"town": TOWN}, {"division_code": "610722"}, {}):
        reporting = call("GET", urls["reporting"] + "/v1/summary", 200, headers=leader, params=where)
        registry = call("GET", urls["registry"] + "/v1/stats/reduction", 200, headers=leader, params=where)["total"]
        seen = (reporting["discipline_before"], reporting["discipline_licensed"], reporting["reduction_rate"])
        assert seen == (registry["before"], registry["licensed_now"], registry["rate"]), (where, seen, registry)
        if "town" in where:
            assert seen == town_figures, seen


def test_a_violation_found_by_a_drawn_inspection_ends_in_a_ban_everyone_sees(platform):
    urls = platform.urls
    leader, supervisor = bearer("leader"), bearer("supervisor")
    same_reduction(platform, (0, 0, None))  # nothing was before: no rate in either service
    institution_id = registered(urls, TOWN, "城关镇启明星学科培训学校")
    same_reduction(platform, (1, 0, 1.0))  # on the books, before any licence
    license(urls, institution_id, filed=True)
    same_reduction(platform, (1, 1, 0.0))
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
    same_reduction(platform, (1, 0, 1.0))  # banned: no longer licensed, still before

    # two more on the books and a newcomer under review (never before); one of the two and the newcomer are
    # licensed, the other turns to arts (it stays before): 3 before, 2 licensed, (3 - 2) / 3 = 0.333
    clerk = bearer("clerk")
    stock = [registered(urls, TOWN, f"城关镇{name}学科培训学校") for name in ("明德", "致远")]
    newcomer = str(call("POST", urls["registry"] + "/v1/institutions", 201, headers=clerk, json=institution(
        TOWN, "城关镇新苗学科培训学校", state="under_review", occurred_on="2021-09-05"))["id"])
    license(urls, stock[0])
    license(urls, newcomer, review=False)
    call("POST", urls["registry"] + f"/v1/institutions/{stock[1]}/transitions", 200, headers=clerk, json={
        "action": "convert", "data": {"occurred_on": "2021-11-01", "subject_group": "arts",
                                      "reason": "转型为艺术类培训"}})
    same_reduction(platform, (3, 2, 0.333))

    # one correlation id followed the ban through every service's logs (complaints hears of the ban too)
    eventually(lambda: all(logged_everywhere(platform, journey_id).values()),
               f"{journey_id} in every service's logs")
