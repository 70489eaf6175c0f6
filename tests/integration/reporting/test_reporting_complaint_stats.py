"""The complaints desk's figures by category and by department (the one a complaint was referred to): each
count on its own event's date, the on-time rate and median handling time by the overall figures' rules, and the
groups adding up to the totals."""

from __future__ import annotations

import pytest
import reporting_support as support
from complaint_desk import H, R, desk_events
from reporting_support import LEADER, fed

pytestmark = pytest.mark.integration
database, client = support.database, support.client

JULY = "?town=龙头镇&from=2021-07-01&to=2021-07-31"
COUNTS = ("received", "referred", "answered", "closed", "overdue", "handled", "on_time")


@pytest.fixture
def desk(database):
    fed(database, *desk_events())


def stats(client, query: str) -> dict:
    answer = client.get(f"/v1/complaints/stats{query}", headers=LEADER)
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def figures(counts: tuple[int, ...], on_time_rate, median, ratings: tuple[int, int, float | None]) -> dict:
    return {**dict(zip(COUNTS, counts, strict=True)), "on_time_rate": on_time_rate, "median_handling_hours": median,
            "ratings": dict(zip(("count", "satisfied", "satisfaction_rate"), ratings, strict=True))}


def test_each_category_and_department_has_the_desks_figures(client, desk):
    found = stats(client, JULY)
    #                      rec ref ans clo ovd hdl ont
    assert {name: found[name] for name in (*COUNTS, "on_time_rate", "median_handling_hours", "ratings")} == \
        figures((5, 4, 4, 2, 1, 5, 4), 0.8, 96.0, (3, 2, 0.667))  # hours: 24 72 96 264 456
    assert found["by_category"] == [
        {"category": H, **figures((3, 3, 2, 1, 1, 3, 2), 0.667, 96.0, (2, 1, 0.5))},  # 72 96 456
        {"category": R, **figures((2, 1, 2, 1, 0, 2, 2), 1.0, 144.0, (1, 1, 1.0))},  # 24 264
    ]
    assert found["departments"] == [
        {"department": "education", **figures((2, 2, 3, 0, 1, 3, 2), 0.667, 264.0, (1, 1, 1.0))},  # 96 264 456
        {"department": "market_regulation", **figures((2, 2, 0, 1, 0, 1, 1), 1.0, 72.0, (1, 0, 0.0))},
        {"department": None, **figures((1, 0, 1, 1, 0, 1, 1), 1.0, 24.0, (1, 1, 1.0))},
    ]
    assert found["by_department"] == {"education": 2, "market_regulation": 2}
    assert found["by_channel"] == {"hotline": 4, "web_form": 1}


def test_the_groups_add_up_to_the_totals_and_the_overall_rate_is_the_summarys(client, desk):
    for query in (JULY, "", "?from=2021-07-04&to=2021-07-12", "?to=2021-06-30"):
        found = stats(client, query)
        for groups in ("by_category", "departments"):
            for name in COUNTS:
                assert sum(group[name] for group in found[groups]) == found[name], (query, groups, name)
            for name in ("count", "satisfied"):
                assert sum(group["ratings"][name] for group in found[groups]) == found["ratings"][name]
        summary = support.summary(client, query)
        assert summary["complaints_on_time_rate"] == found["on_time_rate"]
        assert (summary["complaints_received"], summary["complaints_closed"]) == (found["received"], found["closed"])


def test_a_group_with_nothing_handled_in_the_period_has_no_rate_and_no_median(client, desk):
    found = stats(client, "?town=龙头镇&from=2021-07-10&to=2021-07-12")
    departments = {group["department"]: group for group in found["departments"]}
    # c5 received and referred; c4 closed and rated, but first answered on the 3rd
    assert departments["market_regulation"] == {"department": "market_regulation",
                                                **figures((1, 1, 0, 0, 0, 0, 0), None, None, (0, 0, None))}
    assert departments[None] == {"department": None, **figures((0, 0, 0, 1, 0, 0, 0), None, None, (1, 1, 1.0))}
    assert set(departments) == {"market_regulation", None}


def test_a_town_sees_its_own_complaints_and_the_country_all_of_them(client, desk):
    everywhere = stats(client, "?from=2021-07-01&to=2021-07-31")
    assert everywhere["received"] == 6 and everywhere["by_department"] == {"education": 3, "market_regulation": 2}
    education = next(group for group in everywhere["departments"] if group["department"] == "education")
    assert (education["received"], education["referred"]) == (3, 3)
    town = client.get("/v1/complaints/stats?from=2021-07-01&to=2021-07-31",
                      headers=support.bearer("leader", town="文川镇")).get_json()
    assert town["received"] == 1 and [group["department"] for group in town["departments"]] == ["education"]


def test_the_openapi_document_describes_the_departments_figures_under_their_own_name(client):
    components = client.get("/openapi.json").get_json()["components"]["schemas"]
    # two schemas of one name: apispec renames the second (a digit after it) and the document names neither well
    assert not [name for name in components if name[-1].isdigit()]
    departments = components["ComplaintStatsOut"]["properties"]["departments"]["items"]["$ref"]
    assert departments == "#/components/schemas/DepartmentComplaintsOut"
    assert {"department", "received", "median_handling_hours", "ratings"} <= set(
        components["DepartmentComplaintsOut"]["properties"])
