"""The figures week by week and month by month, each event in the period of its own date."""

from __future__ import annotations

import pytest
import reporting_support as support
from reporting_support import LEADER, PROBLEM, changed, event, fed, registered

pytestmark = pytest.mark.integration
database, client, refusing_client = support.database, support.client, support.refusing_client


def series(client, query: str) -> list[dict]:
    answer = client.get(f"/v1/series{query}", headers=LEADER)
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()["periods"]


def test_months_hold_states_at_their_end_and_the_flows_dated_within_them(client, database):
    fed(database, registered("a"), registered("b"),
        changed("a", "review_started", occurred_on="2021-09-01", sequence=2, from_state="stock"),
        changed("a", "licensed", occurred_on="2021-10-08", sequence=3, from_state="under_review"),
        changed("b", "banned", occurred_on="2021-09-15", sequence=2, from_state="stock"),
        event("inspection.task.completed", 1, task_id="t1", inspected_on="2021-09-30"),
        event("inspection.task.completed", 1, task_id="t2", inspected_on="2021-10-01"))
    months = series(client, "?interval=month&from=2021-08-15&to=2021-10-31")
    assert [(month["from"], month["to"]) for month in months] == [
        ("2021-08-15", "2021-08-31"), ("2021-09-01", "2021-09-30"), ("2021-10-01", "2021-10-31")]
    assert [month["institutions_by_state"] for month in months] == [
        {"stock": 2}, {"under_review": 1, "banned": 1}, {"licensed": 1, "banned": 1}]
    assert [month["reduction_rate"] for month in months] == [1.0, 1.0, 0.5]
    assert [month["institutions_banned"] for month in months] == [0, 1, 0]
    assert [(month["inspections"], month["inspector_person_times"]) for month in months] == [(0, 0), (1, 2), (1, 2)]
    weeks = series(client, "?interval=week&from=2021-09-27&to=2021-10-10")
    assert [(week["from"], week["inspections"]) for week in weeks] == [("2021-09-27", 2), ("2021-10-04", 0)]


@pytest.mark.parametrize("query, field", [
    ("?interval=day&from=2021-01-01&to=2021-01-31", "interval"),
    ("?interval=week&to=2021-01-31", "from"),
    ("?interval=week&from=2021-02-01&to=2021-01-31", "from"),
    ("?interval=week&from=2000-01-01&to=2021-01-31", "to"),
    ("?interval=week&from=0001-01-09&to=0001-02-01", "from"),
    ("?interval=month&from=9999-01-01&to=9999-12-31", "to"),
])
@pytest.mark.parametrize("path", ["/v1/series", "/v1/exports/series.xlsx", "/v1/exports/series.csv"])
def test_a_series_without_a_sound_period_is_a_problem_naming_the_field(refusing_client, path, query, field):
    # a day at either end of the calendar once made the period arithmetic fail with a 500
    answer = refusing_client.get(f"{path}{query}", headers=LEADER)
    assert answer.status_code == 422 and answer.content_type == PROBLEM
    assert field in {error["field"] for error in answer.get_json()["errors"]}
