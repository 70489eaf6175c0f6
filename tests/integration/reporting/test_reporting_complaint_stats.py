"""The complaints desk's figures by category and by department (the one a complaint was referred to): each
count on its own event's date, the on-time rate and median handling time by the overall figures' rules, and the
groups adding up to the totals."""

from __future__ import annotations

import pytest
import reporting_support as support
from reporting_support import LEADER, event, fed

pytestmark = pytest.mark.integration
database, client = support.database, support.client

JULY = "?town=龙头镇&from=2021-07-01&to=2021-07-31"
COUNTS = ("received", "referred", "answered", "closed", "overdue", "handled", "on_time")


def received(clue_id: str, at: str, category: str, town: str = "龙头镇"):
    return event("complaints.clue.received", 1, clue_id=clue_id, category=category, town=town,
                 received_at=f"{at}+08:00")


def referred(clue_id: str, on: str, category: str, department: str, town: str = "龙头镇"):
    return event("complaints.clue.referred", 2, clue_id=clue_id, category=category, department=department,
                 referred_on=on, town=town)


def settled(clue_id: str, what: str, at: str, category: str, *, on_time: bool = True, sequence: int = 3):
    changes = {"on_time": False, "outcome": None} if what == "overdue" else {"on_time": on_time}
    return event(f"complaints.clue.{what}", sequence, clue_id=clue_id, category=category, at=f"{at}+08:00",
                 **changes)


def rated(clue_id: str, at: str, category: str, satisfied: bool):
    return event("complaints.clue.rated", 5, clue_id=clue_id, category=category, satisfied=satisfied,
                 at=f"{at}+08:00")


H, R = "hidden_tutoring", "refund_dispute"


@pytest.fixture
def desk(database):
    """Seven complaints, six in 龙头镇: what happened to each, and when."""
    fed(database,
        # c1: referred to education, answered on time after 96 h, the reporter satisfied
        received("c1", "2021-07-01T10:00:00", H), referred("c1", "2021-07-02", H, "education"),
        settled("c1", "answered", "2021-07-05T10:00:00", H), rated("c1", "2021-07-06T09:00:00", H, True),
        # c2: referred to education, overdue, then answered late after 456 h
        received("c2", "2021-07-01T12:00:00", H), referred("c2", "2021-07-02", H, "education"),
        settled("c2", "overdue", "2021-07-16T00:00:00", H),
        settled("c2", "answered", "2021-07-20T12:00:00", H, on_time=False, sequence=4),
        # c3: referred to market regulation, closed on time after 72 h, the reporter not satisfied
        received("c3", "2021-07-03T08:00:00", H), referred("c3", "2021-07-04", H, "market_regulation"),
        settled("c3", "closed", "2021-07-06T08:00:00", H), rated("c3", "2021-07-08T09:00:00", H, False),
        # c4: never referred; answered on time after 24 h, closed a week later, the reporter satisfied
        received("c4", "2021-07-02T09:00:00", R), settled("c4", "answered", "2021-07-03T09:00:00", R),
        settled("c4", "closed", "2021-07-10T09:00:00", R, sequence=4), rated("c4", "2021-07-11T09:00:00", R, True),
        # c5: referred to market regulation, still open
        received("c5", "2021-07-10T09:00:00", R), referred("c5", "2021-07-11", R, "market_regulation"),
        # c6: received and referred in June, answered on time in July after 264 h
        received("c6", "2021-06-20T10:00:00", R), referred("c6", "2021-06-21", R, "education"),
        settled("c6", "answered", "2021-07-01T10:00:00", R),
        # c7: another town's
        received("c7", "2021-07-05T09:00:00", H, town="城关镇"),
        referred("c7", "2021-07-06", H, "education", town="城关镇"))


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
    assert found["by_channel"] == {"hotline": 5}


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
                      headers=support.bearer("leader", town="城关镇")).get_json()
    assert town["received"] == 1 and [group["department"] for group in town["departments"]] == ["education"]
