"""Every reporting route that takes a path parameter answers a malformed one with a 4xx problem+json, never a 500:
NUL (which PostgreSQL cannot hold in text), other control characters, bytes that are not UTF-8, invisible text and
ids far longer than any id can be. The routes are read from the app's own URL map, so a new one is swept too."""

from __future__ import annotations

import pytest
import reporting_support as support
from reporting_support import LEADER, bearer, refusing_client  # noqa: F401 (a fixture)

from shared.testing.apps import get_routes_with_path_parameters

pytestmark = pytest.mark.integration
# a reader of reports who is an admin too, so no route refuses the token before it reads its path
EVERY_ROLE = bearer("leader", "supervisor", "clerk", "desk", "admin")

MALFORMED = {
    "nul": "%00",
    "nul inside": "summer%00x",
    "control": "%01",
    "escape sequence": "%1B%5B31m",
    "newline": "summer%0A",
    "delete": "%7F",
    "not utf-8": "%FF%FE",
    "lone surrogate": "%ED%A0%80",
    "zero-width space": "%E2%80%8B",
    "blank": "%20",
    "far too long": "a" * 5000,
    "too long for an id": "b" * 65,
    "chinese too long": "%E6%B4%8B" * 200,
    "number past 64 bits": "9" * 30,
    "number past 32 bits": str(2**31),
    "negative": "-1",
    "fullwidth digits": "%EF%BC%93",
}


def test_the_sweep_covers_the_campaign_report_its_exports_and_the_charts(refusing_client):  # noqa: F811
    endpoints = {endpoint for endpoint, _ in get_routes_with_path_parameters(refusing_client.application)}
    assert {"campaign_reports.CampaignReport", "exports.campaign_csv", "exports.campaign_xlsx", "charts.Chart",
            "dashboard.chart", "dashboard.static_file", "rebuilds.RebuildJob"} <= endpoints


@pytest.mark.parametrize("value", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_path_parameter_is_a_4xx_problem_on_every_route(refusing_client, value):  # noqa: F811
    for endpoint, template in get_routes_with_path_parameters(refusing_client.application):
        answer = refusing_client.get(template.replace("{}", value), headers=EVERY_ROLE)
        assert answer.status_code in (400, 404, 422), (endpoint, answer.status_code, answer.get_data()[:300])
        assert answer.content_type == support.PROBLEM, (endpoint, answer.content_type)
        body = answer.get_json()
        assert body["status"] == answer.status_code and body["code"], (endpoint, body)


def test_an_unknown_but_wellformed_campaign_is_still_404_not_found(refusing_client):  # noqa: F811
    for path in ("/v1/campaigns/01HZ0A1B2C3D4E5F6G7H8J9K0M/report", "/v1/exports/campaigns/x.csv",
                 "/v1/exports/campaigns/" + "c" * 64 + ".xlsx"):
        answer = refusing_client.get(path, headers=LEADER)
        assert answer.status_code == 404 and answer.get_json()["code"] == "campaign.not_found", path
