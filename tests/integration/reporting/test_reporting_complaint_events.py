"""Every event the complaints desk publishes changes the figures it bears on, on the event's own date."""

from __future__ import annotations

import pytest
import reporting_support as support
from reporting_support import LEADER, event, fed, summary

pytestmark = pytest.mark.integration
database, client = support.database, support.client


def received(clue_id: str, *, at: str = "2021-07-15T10:24:00+08:00", category: str = "hidden_tutoring",
             town: str = "龙头镇"):
    """A complaint received."""
    return event("complaints.clue.received", 1, clue_id=clue_id, received_at=at, category=category, town=town)


def handled(clue_id: str, what: str, at: str, *, on_time: bool = True, sequence: int = 3,
            category: str = "hidden_tutoring"):
    """A clue answered, closed or overdue."""
    changes = {"on_time": False, "outcome": None} if what == "overdue" else {"on_time": on_time}
    return event(f"complaints.clue.{what}", sequence, clue_id=clue_id, at=at, category=category, **changes)


def stats(client, query: str = "") -> dict:
    answer = client.get(f"/v1/complaints/stats{query}", headers=LEADER)
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def test_a_received_complaint_counts_on_its_local_day(client, database):
    fed(database, received("c1", at="2021-07-14T17:00:00+00:00"))  # 01:00 on the 15th in the county
    assert summary(client, "?from=2021-07-15&to=2021-07-15")["complaints_received"] == 1
    assert summary(client, "?to=2021-07-14")["complaints_received"] == 0
    figures = stats(client, "?town=龙头镇")
    assert figures["received"] == 1 and figures["by_channel"] == {"hotline": 1}


def test_a_referred_clue_counts_for_its_department(client, database):
    fed(database, received("c1"), event("complaints.clue.referred", 2, clue_id="c1", department="market_regulation"))
    figures = stats(client)
    assert figures["referred"] == 1 and figures["by_department"] == {"market_regulation": 1}
    fed(database, received("c2"), event("complaints.clue.referred", 2, clue_id="c2", referred_on="2021-07-16"))
    assert stats(client, "?from=2021-07-16&to=2021-07-16")["referred"] == 1  # a paper record's own day


def test_an_answer_on_time_makes_the_rate_and_an_overdue_clue_halves_it(client, database):
    fed(database, received("c1"), handled("c1", "answered", "2021-07-21T16:05:00+08:00"))
    figures = summary(client)
    assert figures["complaints_on_time_rate"] == 1.0 and figures["complaints_closed"] == 0
    assert stats(client)["median_handling_hours"] == 149.7  # 10:24 on the 15th to 16:05 on the 21st
    fed(database, received("c2"), handled("c2", "overdue", "2021-07-30T00:00:00+08:00"))
    assert summary(client)["complaints_on_time_rate"] == 0.5
    assert summary(client, "?to=2021-07-29")["complaints_on_time_rate"] == 1.0
    assert summary(client, "?from=2021-08-01")["complaints_on_time_rate"] is None


def test_a_closed_clue_counts_as_closed_and_a_late_closing_after_an_answer_keeps_the_answers_time(
        client, database):
    fed(database, received("c1"), handled("c1", "answered", "2021-07-21T16:05:00+08:00"),
        handled("c1", "closed", "2021-08-21T16:05:00+08:00", on_time=False, sequence=4),
        received("c2", category="refund_dispute"), handled("c2", "closed", "2021-07-16T09:00:00+08:00",
                                                           category="refund_dispute"))
    figures = summary(client)
    assert figures["complaints_closed"] == 2 and figures["complaints_on_time_rate"] == 1.0
    august = summary(client, "?from=2021-08-01")
    assert august["complaints_closed"] == 1  # c1, closed on 21 August ...
    assert august["complaints_on_time_rate"] is None  # ... was handled when first answered, in July (documented)
    by_category = {item["category"]: item for item in stats(client)["by_category"]}
    assert {name: by_category["refund_dispute"][name] for name in ("received", "closed", "handled", "on_time_rate")} \
        == {"received": 1, "closed": 1, "handled": 1, "on_time_rate": 1.0}


def test_a_reporters_rating_counts_on_the_day_they_rated_and_the_latest_rating_wins(client, database):
    fed(database, received("c1"), handled("c1", "answered", "2021-07-21T16:05:00+08:00"),
        event("complaints.clue.rated", 4, clue_id="c1", satisfied=False, at="2021-07-23T09:12:00+08:00"),
        received("c2"), handled("c2", "closed", "2021-07-21T16:05:00+08:00"),
        event("complaints.clue.rated", 4, clue_id="c2", satisfied=True, at="2021-07-24T09:12:00+08:00"))
    assert stats(client)["ratings"] == {"count": 2, "satisfied": 1, "satisfaction_rate": 0.5}
    assert stats(client, "?to=2021-07-23")["ratings"] == {"count": 1, "satisfied": 0, "satisfaction_rate": 0.0}
    fed(database, event("complaints.clue.rated", 5, clue_id="c1", satisfied=True, at="2021-07-25T09:00:00+08:00"))
    assert stats(client)["ratings"] == {"count": 2, "satisfied": 2, "satisfaction_rate": 1.0}
