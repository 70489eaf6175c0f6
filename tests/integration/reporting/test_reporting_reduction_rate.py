"""The reduction rate as reporting answers it: (before - licensed) / before to 3 places, rounded half up as the
registry rounds it (services/registry/service_layer/stats.py), and null when nothing was before, in the summary,
the series and the summary's export alike."""

from __future__ import annotations

import csv
import io

import pytest
import reporting_support as support
from reporting_support import LEADER, changed, fed, registered, summary

pytestmark = pytest.mark.integration
database, client = support.database, support.client


def licensed(institution_id: str, town: str = "博望街道", occurred_on: str = "2021-09-10") -> support.Event:
    return changed(institution_id, "licensed", occurred_on=occurred_on, sequence=2, town=town,
                   from_state="under_review")


def exported_rate(client, query: str = "") -> str:
    body = client.get(f"/v1/exports/summary.csv{query}", headers=LEADER).data.decode("utf-8-sig")
    return next(row[2] for row in csv.reader(io.StringIO(body)) if row[1:2] == ["reduction_rate"])


def test_the_rate_is_null_when_nothing_was_before_even_with_institutions_licensed(client, database):
    assert summary(client)["reduction_rate"] is None  # nothing at all
    # licensed newcomers (registered under review, never stock) and non-discipline stock are not "before"
    fed(database, registered("n1", state="under_review"), licensed("n1"),
        registered("m1", category="non_discipline"))
    figures = summary(client)
    assert (figures["discipline_before"], figures["discipline_licensed"], figures["reduction_rate"]) == (0, 1, None)
    assert summary(client, "?division_code=610722")["reduction_rate"] is None
    assert exported_rate(client) == ""
    # a town with stock beside a town without: each its own
    fed(database, registered("s1", town="龙头镇"))
    assert summary(client, "?town=龙头镇")["reduction_rate"] == 1.0
    assert summary(client, "?town=博望街道")["reduction_rate"] is None
    # before the first registration's day nothing was before either
    assert summary(client, "?to=2021-08-01")["reduction_rate"] is None
    [month] = client.get("/v1/series?interval=month&from=2021-07-01&to=2021-07-31",
                         headers=LEADER).get_json()["periods"]
    assert (month["discipline_before"], month["reduction_rate"]) == (0, None)


@pytest.mark.parametrize("before, licensed_now, rate", [
    (8, 7, 0.125),   # 1/8, exact to 3 places
    (16, 15, 0.063),  # 1/16 = 0.0625: half up (half to even, and float's round(), give 0.062)
    (16, 11, 0.313),  # 5/16 = 0.3125: half up (half to even gives 0.312)
    (3, 1, 0.667),   # 2/3 = 0.6666…
])
def test_the_rate_is_rounded_half_up_to_three_places(client, database, before, licensed_now, rate):
    fed(database, *(registered(f"i{n}") for n in range(before)),
        *(licensed(f"i{n}") for n in range(licensed_now)))
    figures = summary(client)
    assert (figures["discipline_before"], figures["discipline_licensed"]) == (before, licensed_now)
    assert figures["reduction_rate"] == rate
    assert summary(client, "?division_code=610722&town=博望街道")["reduction_rate"] == rate  # counted from the rows
    assert exported_rate(client) == str(rate)
    months = client.get("/v1/series?interval=month&from=2021-08-01&to=2021-09-30", headers=LEADER).get_json()
    assert [period["reduction_rate"] for period in months["periods"]] == [1.0, rate]
