"""The pressure-reduction figures counted from the registry's own book, on real PostgreSQL."""

from __future__ import annotations

import pytest
import test_registry_institutions_support as support
from test_registry_institutions_support import CLERK, act, ban_on_paper, bearer, licence, licensed, register

pytestmark = pytest.mark.integration
database, app, client = support.database, support.app, support.client  # the shared fixtures


def figures(client, query="", headers=CLERK):
    answer = client.get(f"/v1/stats/reduction{query}", headers=headers)
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def test_the_county_went_from_81_discipline_institutions_to_8_licensed_a_reduction_of_90_1_percent(client):
    # 81 discipline institutions on the books: 50 in 城关镇, 31 in 博望街道
    stock = [register(client, town="城关镇" if number < 50 else "博望街道") for number in range(81)]
    for institution in stock[:7]:
        act(client, institution["id"], "start_review", occurred_on="2021-09-01")
        act(client, institution["id"], "license", occurred_on="2021-09-20", licence=licence())
    licensed(client, town="博望街道", state="under_review", occurred_on="2021-08-20")  # a new applicant: licensed now
    act(client, stock[7]["id"], "convert", subject_group="arts", reason="转型为艺术类培训")  # stays in before
    act(client, stock[0]["id"], "convert", subject_group="sports", reason="转型为体育类培训")  # leaves licensed now
    licensed(client, town="城关镇", state="under_review", occurred_on="2021-08-20")
    register(client, category="non_discipline", subject_group="arts")  # never counted
    ban_on_paper(client, stock[8]["id"], reason="无证办学")

    answer = figures(client)
    assert answer["total"] == {"before": 81, "licensed_now": 8, "reduced_by": 73, "rate": 0.901,
                               "rate_display": "90.1%"}
    [county] = answer["counties"]
    assert county["division_code"] == "610722" and county["rate"] == 0.901
    towns = {town["town"]: town for town in county["towns"]}
    assert (towns["城关镇"]["before"], towns["城关镇"]["licensed_now"]) == (50, 7)
    assert (towns["博望街道"]["before"], towns["博望街道"]["licensed_now"]) == (31, 1)
    assert towns["博望街道"]["rate_display"] == "96.8%"  # 30 / 31 = 0.9677
    assert "治理前" in answer["definition"]


def test_a_town_officer_sees_the_figures_of_their_own_town(client):
    register(client, town="城关镇")
    register(client, town="博望街道")
    mine = figures(client, "?town=城关镇", headers=bearer("leader", town="博望街道"))
    assert [town["town"] for town in mine["counties"][0]["towns"]] == ["博望街道"]
    assert mine["total"]["before"] == 1


def test_with_nothing_on_the_books_the_rate_is_not_a_number_but_null(client):
    answer = figures(client)
    assert answer["total"] == {"before": 0, "licensed_now": 0, "reduced_by": 0, "rate": None, "rate_display": None}
    assert answer["counties"] == []
    assert client.get("/v1/stats/reduction?division_code=61", headers=CLERK).status_code == 422
    assert client.get("/v1/stats/reduction", headers={}).status_code == 401
