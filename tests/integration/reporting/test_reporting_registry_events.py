"""Every event the registry publishes changes the figures it bears on, counted on the event's own date."""

from __future__ import annotations

import pytest
import reporting_support as support
from reporting_support import changed, event, fed, registered, summary

from shared.events import contract_for

pytestmark = pytest.mark.integration
database, client = support.database, support.client


def test_a_registration_counts_from_its_own_day_and_a_stock_discipline_one_is_in_before(client, database):
    fed(database, registered("a"), registered("b", state="under_review", occurred_on="2021-09-05", sequence=1),
        registered("c", category="non_discipline", sequence=1))
    assert summary(client, "?to=2021-08-01")["institutions_by_state"] == {}
    august = summary(client, "?to=2021-08-31")
    assert (august["from"], august["to"]) == (None, "2021-08-31")
    assert august["institutions_by_state"] == {"stock": 2}
    assert (august["discipline_before"], august["discipline_licensed"], august["reduction_rate"]) == (1, 0, 1.0)
    assert summary(client)["institutions_by_state"] == {"stock": 2, "under_review": 1}


@pytest.mark.parametrize("what, changes", [
    ("review_started", {"from_state": "stock"}),
    ("licensed", {"from_state": "under_review"}),
    ("rectification_ordered", {"from_state": "under_review"}),
    ("rectification_overdue", {"from_state": "rectification"}),
    ("banned", {"from_state": "rectification"}),
    ("closed", {"from_state": "licensed"}),
    ("converted", {"from_state": "licensed", "category": "non_discipline"}),
])
def test_each_lifecycle_event_moves_the_institution_to_its_state_on_the_day_it_happened(client, database, what,
                                                                                        changes):
    fed(database, registered("a"), changed("a", what, occurred_on="2021-09-10", sequence=2, **changes))
    to_state = contract_for(f"registry.institution.{what}").example["to_state"]
    assert summary(client, "?to=2021-09-09")["institutions_by_state"] == {"stock": 1}
    after = summary(client, "?to=2021-09-10")
    assert after["institutions_by_state"] == {to_state: 1}
    assert after["discipline_before"] == 1  # a converted one stays in before
    assert after["discipline_licensed"] == (1 if what == "licensed" else 0)
    assert after["reduction_rate"] == (0.0 if what == "licensed" else 1.0)
    assert after["institutions_banned"] == (1 if what == "banned" else 0)
    assert summary(client, "?from=2021-09-11")["institutions_banned"] == 0  # a ban is dated too
    newest = client.get("/v1/figures/institutions", headers=support.LEADER).get_json()
    assert newest["by_category"] == {changes.get("category", "discipline"): {to_state: 1}}


def test_81_before_and_8_licensed_is_a_reduction_of_0_901_as_the_registry_counts_it(client, database):
    events = [registered(f"s{n}", town="城关镇" if n < 50 else "博望街道") for n in range(81)]
    for n in range(7):
        events += [changed(f"s{n}", "review_started", occurred_on="2021-09-01", sequence=2, town="城关镇",
                           from_state="stock"),
                   changed(f"s{n}", "licensed", occurred_on="2021-09-20", sequence=3, town="城关镇",
                           from_state="under_review")]
    events += [registered("new", state="under_review", occurred_on="2021-08-20"),
               changed("new", "licensed", occurred_on="2021-09-20", sequence=2, from_state="under_review"),
               changed("s0", "converted", occurred_on="2021-10-01", sequence=4, town="城关镇", from_state="licensed",
                       category="non_discipline"),
               registered("n1", state="under_review", occurred_on="2021-08-20", town="城关镇"),
               changed("n1", "licensed", occurred_on="2021-09-20", sequence=2, town="城关镇",
                       from_state="under_review")]
    fed(database, *events)
    figures = summary(client)
    assert (figures["discipline_before"], figures["discipline_licensed"], figures["reduction_rate"]) == (81, 8, 0.901)
    assert summary(client, "?to=2021-09-30")["discipline_licensed"] == 9  # before s0 converted
    town = summary(client, "?town=博望街道")
    assert (town["discipline_before"], town["discipline_licensed"], town["reduction_rate"]) == (31, 1, 0.968)
    mine = summary(client, "?town=城关镇", headers=support.bearer("leader", town="博望街道"))
    assert mine["town"] == "博望街道" and mine["discipline_before"] == 31


def test_older_news_arriving_late_changes_nothing_and_a_transition_before_its_registration_still_counts(
        client, database):
    fed(database, changed("a", "licensed", occurred_on="2021-09-20", sequence=3, from_state="under_review"))
    fed(database, changed("a", "review_started", occurred_on="2021-09-01", sequence=2, from_state="stock"),
        registered("a"))
    figures = summary(client)
    assert figures["institutions_by_state"] == {"licensed": 1} and figures["discipline_before"] == 1
    assert summary(client, "?to=2021-09-05")["institutions_by_state"] == {"under_review": 1}
    newest = client.get("/v1/figures/institutions", headers=support.LEADER).get_json()
    assert newest["by_category"] == {"discipline": {"licensed": 1}}


def test_a_published_filing_counts_the_institution_as_filed_from_that_day(client, database):
    fed(database, registered("a"), event("registry.filing.published", 2, institution_id="a"))
    assert summary(client, "?to=2021-08-31")["institutions_filed"] == 0
    assert summary(client, "?to=2021-09-01")["institutions_filed"] == 1
    assert summary(client, "?town=龙头镇")["institutions_filed"] == 0


def test_a_licence_reminder_is_counted_on_the_day_it_went_out(client, database):
    fed(database, event("registry.licence.expiring", 5, institution_id="a", town="博望街道"))
    assert summary(client, "?from=2021-09-01&to=2021-09-01")["licence_reminders"] == 1
    assert summary(client, "?from=2021-09-02")["licence_reminders"] == 0
