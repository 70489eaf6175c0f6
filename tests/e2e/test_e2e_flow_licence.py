"""A licence's journey across the services, as real processes on PostgreSQL and RabbitMQ: the registry licenses
an institution and publishes its filing, inspection's targets show it (state, licence, filing) and a draw
picks it for a visit. One correlation id (the clerk's) follows it through every service's logs."""

from __future__ import annotations

import datetime as dt

import pytest
from flows_support import (
    FILING,
    LICENCE,
    bearer,
    call,
    eventually,
    inspectors,
    institution,
    journey,
    logged_everywhere,
    today,
)

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.slow]
TOWN = "龙头镇"
EVERY_TIER = {"A": 100, "B": 100, "C": 100, "D": 100}


def test_an_institution_the_registry_licenses_becomes_a_target_inspection_can_draw(platform):
    urls = platform.urls
    supervisor = bearer("supervisor")
    journey_id = journey("licence")
    clerk = bearer("clerk", correlation_id=journey_id)

    # a clerk registers a new applicant, licenses it and files what it teaches
    created = call("POST", urls["registry"] + "/v1/institutions", 201, headers=clerk,
                   json=institution(TOWN, "龙头镇新星学科培训学校", state="under_review",
                                    occurred_on=(today() - dt.timedelta(days=30)).isoformat()))
    institution_id = str(created["id"])
    call("POST", urls["registry"] + f"/v1/institutions/{institution_id}/transitions", 200, headers=clerk,
         json={"action": "license", "data": {"occurred_on": today().isoformat(), "licence": LICENCE}})
    call("POST", urls["registry"] + f"/v1/institutions/{institution_id}/filings", 201, headers=clerk, json=FILING)

    # inspection's targets have it, licensed, with its licence and its filing
    def target():
        found = call("GET", urls["inspection"] + f"/v1/targets/{institution_id}", 200, headers=supervisor)
        return found if found["state"] == "licensed" and found["filing"] else None

    shown = eventually(target, "inspection to keep the licensed institution and its filing")
    assert shown["licence_valid_until"] == LICENCE["school_running_licence"]["valid_until"]
    assert shown["filing"]["subjects"] == ["数学"] and shown["town"] == TOWN

    # a special campaign in its town draws every operating target there: the new licensee is among them
    inspectors(urls, TOWN)
    campaign = call("POST", urls["inspection"] + "/v1/campaigns", 201, headers=supervisor, json={
        "name": f"{TOWN}新办机构专项检查", "kind": "special", "starts_on": today().isoformat(),
        "ends_on": (today() + dt.timedelta(days=7)).isoformat(), "rounds": 1, "towns": [TOWN],
        "departments": ["education", "market_regulation"]})
    scheduled = call("POST", urls["inspection"] + f"/v1/campaigns/{campaign['id']}/rounds", 201, headers=supervisor,
                     json={"days": [today().isoformat()], "teams_per_day": 1, "team_size": 2,
                           "tier_percent": EVERY_TIER})
    draw = call("POST", urls["inspection"] + f"/v1/rounds/{scheduled['id']}/draws", 201, headers=supervisor, json={})
    assert institution_id in draw["result"]["targets"]
    listed = call("GET", urls["inspection"] + "/v1/tasks", 200, headers=supervisor,
                  params={"kind": "drawn", "page_size": 100})["items"]
    assert [t["institution_id"] for t in listed if t["draw_id"] == draw["id"]].count(institution_id) == 1

    # the licence's correlation id went through every service that hears of it
    eventually(lambda: all(logged_everywhere(platform, journey_id).values()),
               f"{journey_id} in every service's logs")
