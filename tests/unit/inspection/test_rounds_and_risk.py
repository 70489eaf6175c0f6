"""A round's rules against its campaign, and a target's risk tier from its own record."""

import datetime as dt

import pytest

from services.inspection.domain import Campaign
from services.inspection.domain.risk import Record, assess
from services.inspection.domain.rounds import RoundRefused, plan_round

D = dt.date
SUMMER = Campaign.launch(id="c1", name="暑期专项", kind="special", starts_on=D(2022, 7, 10), ends_on=D(2022, 8, 28),
                         towns=["博望街道"], departments=["education", "fire"], rounds=6)


def refused(**fields):
    with pytest.raises(RoundRefused) as error:
        plan_round(SUMMER, number=1, **{"days": [D(2022, 7, 14)], "teams_per_day": 2, "team_size": 2,
                                        "target_count": 4, **fields})
    return {(v.item, v.code) for v in error.value.violations}


def test_a_round_inside_the_campaign_gives_the_draws_plan():
    plan = plan_round(SUMMER, number=3, days=[D(2022, 7, 14), D(2022, 7, 15)], teams_per_day=2, team_size=2,
                      tier_percent={"A": 100, "D": 5})
    assert (plan.round, plan.joint, plan.towns, plan.target_count) == (3, True, ("博望街道",), None)


def test_every_broken_round_rule_is_listed():
    assert refused(days=[D(2022, 7, 15), D(2022, 7, 15), D(2022, 9, 1)], tier_percent={"E": 5},
                   team_departments={"civil_affairs": 1, "fire": 2}) == {
        ("days.1", "round.days_out_of_order"), ("days.2", "round.day_outside_campaign"),
        ("target_count", "round.targets_how_many"), ("tier_percent", "round.tier_unknown"),
        ("team_departments", "round.department_not_in_campaign"),
        ("team_departments", "round.team_departments_exceed_size"),
        ("team_departments", "round.team_cannot_be_joint")}


def test_a_round_without_days_is_refused():
    assert refused(days=[]) == {("days", "round.no_days")}


def test_a_clean_recently_inspected_institution_is_tier_d_and_says_so():
    risk = assess(Record("licensed", has_filing=True, last_inspected_on=D(2022, 3, 1)), D(2022, 7, 1))
    assert (risk.tier, [code for code, _, _ in risk.reasons]) == ("D", ["risk.clean"])


def test_violations_clues_and_an_overdue_rectification_make_tier_a():
    risk = assess(Record("rectification", D(2022, 6, 30), True, violations=1, open_clues=1), D(2022, 7, 1))
    assert (risk.tier, risk.points) == ("A", 2 + 2 + 3 + 1)
    assert [t.params for t in risk.texts()][:3] == [{"count": 1}, {"count": 1}, {"deadline": "2022-06-30"}]


def test_a_licensed_institution_without_filing_not_visited_for_a_year_is_tier_c():
    risk = assess(Record("licensed", last_inspected_on=D(2021, 6, 1)), D(2022, 7, 1))
    assert (risk.tier, [c for c, _, _ in risk.reasons]) == ("C", ["risk.no_filing", "risk.not_inspected_lately"])
