"""The double-random draw: reproducible from its seed, every team rule kept, impossible draws explained."""

import datetime as dt
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.inspection.domain.draw import (
    ALGORITHM,
    DrawImpossible,
    Inspector,
    RoundPlan,
    Target,
    canonical_json,
    explain,
    from_inputs_document,
    inputs_document,
    make_draw,
    new_seed,
    sha256_hex,
)
from services.inspection.domain.persons import Person, same_person
from shared.events import contract_for

JULY_14 = dt.date(2022, 7, 14)
DAYS = (JULY_14, JULY_14 + dt.timedelta(days=1), JULY_14 + dt.timedelta(days=2))
TOWNS = ("博望街道", "龙头镇")
DEPTS = ("education", "fire", "market_regulation")
SEED = "ab" * 32


def plan(**changes):
    return RoundPlan(**{"campaign_id": "C1", "round": 3, "days": DAYS, "teams_per_day": 2, "team_size": 2,
                        "towns": TOWNS, "departments": DEPTS, "target_count": 10, **changes})


def targets(n=40, town_of=lambda n: TOWNS[n % 2]):
    return [Target(f"T{n:03d}", town_of(n), "licensed", "ABCD"[n % 4]) for n in range(n)]


def inspectors(n=18, **extra):
    return [Inspector(f"I{k:02d}", f"检查员{k}", DEPTS[k % 3], **extra) for k in range(n)]


def reasons(error):
    return [explain(v) for v in error.value.violations]


def test_same_seed_and_inputs_give_the_same_draw_and_another_seed_another():
    first = make_draw(SEED, plan(), targets(), inspectors())
    assert make_draw(SEED, plan(), list(reversed(targets())), list(reversed(inspectors()))) == first
    assert make_draw("cd" * 32, plan(), targets(), inspectors()) != first


def test_recorded_inputs_read_back_give_the_same_draw():
    document = inputs_document(plan(), targets(), inspectors())
    again = from_inputs_document(__import__("json").loads(canonical_json(document)))
    assert make_draw(SEED, *again) == make_draw(SEED, plan(), targets(), inspectors())
    assert inputs_document(*again) == document


def test_a_seed_is_64_hex_characters_committed_by_its_sha256():
    seed = new_seed()
    assert len(seed) == 64 and int(seed, 16) >= 0 and seed != new_seed()
    assert sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_targets_are_spread_over_every_day_before_a_day_gets_a_second_team():
    draw = make_draw(SEED, plan(target_count=4), targets(), inspectors())
    assert Counter(team.day for team in draw.teams) == {DAYS[0]: 2, DAYS[1]: 1, DAYS[2]: 1}
    assert sorted(t for team in draw.teams for t in team.targets) == sorted(draw.targets)


def test_more_targets_than_slots_make_teams_visit_several_sites():
    draw = make_draw(SEED, plan(target_count=14), targets(), inspectors())
    assert len(draw.teams) == 6
    assert sorted(len(team.targets) for team in draw.teams) == [2, 2, 2, 2, 3, 3]


def test_only_targets_in_the_campaigns_towns_and_states_are_drawn():
    pool = targets() + [Target("X-other-town", "沙河营镇", "licensed"), Target("X-banned", TOWNS[0], "banned")]
    draw = make_draw(SEED, plan(target_count=40), pool, inspectors())
    assert not {"X-other-town", "X-banned"} & set(draw.targets)


def test_tier_percentages_sample_each_tier_rounding_up():
    draw = make_draw(SEED, plan(target_count=None, tier_percent={"A": 100, "B": 50, "C": 5}), targets(),
                     inspectors())
    tiers = Counter("ABCD"[int(t[1:]) % 4] for t in draw.targets)
    assert tiers == {"A": 10, "B": 5, "C": 1}  # 10 of each tier; 5% of 10 is 0.5, rounded up to 1


def test_least_loaded_inspectors_are_drawn_first():
    crew = inspectors(12)
    loaded = [Inspector(i.id, i.name, i.department, duties=9 if k < 6 else 0) for k, i in enumerate(crew)]
    draw = make_draw(SEED, plan(target_count=2), targets(), loaded)
    assert all(int(m[1:]) >= 6 for team in draw.teams for m in team.inspectors)


def test_more_targets_than_exist_is_impossible_saying_how_many():
    with pytest.raises(DrawImpossible) as error:
        make_draw(SEED, plan(target_count=41), targets(), inspectors())
    assert reasons(error) == ["round 3: 40 targets available, 41 needed"]


def test_a_shortage_of_one_reads_in_the_singular_and_any_other_count_in_the_plural():
    for pool, needed, text in ((targets(1), 2, "round 3: 1 target available, 2 needed"),
                               ([], 1, "round 3: 0 targets available, 1 needed")):
        with pytest.raises(DrawImpossible) as error:
            make_draw(SEED, plan(target_count=needed), pool, inspectors())
        assert reasons(error) == [text]


def test_short_department_is_explained_exactly():
    crew = [Inspector(i.id, i.name, i.department, away=frozenset({JULY_14}) if i.id == "I01" else frozenset())
            for i in inspectors(9)]  # three fire inspectors, one of them away on the 14th
    two_teams = make_draw(SEED, plan(team_departments={"fire": 1}), targets(), crew)  # two are exactly enough
    assert all(any(m in ("I04", "I07") for m in team.inspectors) for team in two_teams.teams if team.day == JULY_14)
    with pytest.raises(DrawImpossible) as error:
        make_draw(SEED, plan(team_departments={"fire": 1}, teams_per_day=3, target_count=9), targets(), crew)
    assert reasons(error) == ["round 3, 2022-07-14: 2 fire inspectors available, 3 needed"]


def test_one_fire_inspector_for_two_teams_is_the_issues_example():
    crew = [i for i in inspectors(9) if i.id != "I04"]  # fire: I01, I07 (I04 gone)
    crew = [Inspector(i.id, i.name, i.department, away=frozenset({JULY_14}) if i.id == "I07" else frozenset())
            for i in crew]
    with pytest.raises(DrawImpossible) as error:
        make_draw(SEED, plan(team_departments={"fire": 1}), targets(), crew)
    assert reasons(error) == ["round 3, 2022-07-14: 1 fire inspector available, 2 needed"]
    assert error.value.violations[0].params == {"round": 3, "day": "2022-07-14", "department": "fire",
                                                "available": 1, "needed": 2}


def test_every_short_day_is_listed_and_a_single_department_cannot_make_a_joint_team():
    crew = [Inspector(f"E{k}", "e", "education") for k in range(8)]
    with pytest.raises(DrawImpossible) as error:
        make_draw(SEED, plan(), targets(), crew)
    assert reasons(error) == [f"round 3, {day}: inspectors from 1 department available, 2 needed for a joint team"
                              for day in ("2022-07-14", "2022-07-15", "2022-07-16")]


def test_too_few_inspectors_on_a_day():
    crew = [Inspector(i.id, i.name, i.department, away=frozenset({DAYS[1]}) if int(i.id[1:]) < 15 else frozenset())
            for i in inspectors(18)]
    with pytest.raises(DrawImpossible) as error:
        make_draw(SEED, plan(), targets(), crew)
    assert reasons(error) == ["round 3, 2022-07-15: 3 inspectors available, 4 needed"]  # plural from 2 on


def test_conflicts_that_leave_a_team_short_are_explained():
    crew = [Inspector(i.id, i.name, i.department, conflicts=frozenset(t.id for t in targets()) if k else frozenset())
            for k, i in enumerate(inspectors(6))]
    with pytest.raises(DrawImpossible) as error:
        make_draw(SEED, plan(target_count=1, departments=("education",)), targets(), crew)
    assert reasons(error) == ["round 3, 2022-07-14, team 1: 1 inspector free of conflicts with its targets "
                              "available, 2 needed"]


# -- every rule, over random sets of targets and inspectors ----------------------------------------------

# teachers as the board shows them, and the same persons as an inspector may type them when declaring a conflict
PEOPLE = st.sampled_from([Person("李明", "A1"), Person("李明"), Person("王芳", "B2"), Person("王 芳", "b２"),
                          Person("Zhang Wei"), Person("ZHANG　WEI", "C3")])


@st.composite
def draws(draw):
    n_targets = draw(st.integers(1, 60))
    pool = [Target(f"T{n}", draw(st.sampled_from(TOWNS + ("沙河营镇",))), draw(st.sampled_from(("licensed", "banned"))),
                   draw(st.sampled_from("ABCD")), tuple(draw(st.lists(PEOPLE, max_size=2))))
            for n in range(n_targets)]
    ids = [t.id for t in pool]
    depts = tuple(draw(st.lists(st.sampled_from(DEPTS), min_size=1, max_size=3, unique=True)))
    crew = [Inspector(f"I{k}", f"检查员{k}", draw(st.sampled_from(DEPTS)),
                      away=frozenset(draw(st.lists(st.sampled_from(DAYS), max_size=2))),
                      conflicts=frozenset(draw(st.lists(st.sampled_from(ids), max_size=3))),
                      previous_round=frozenset(draw(st.lists(st.sampled_from(ids), max_size=3))),
                      duties=draw(st.integers(0, 5)), conflict_persons=tuple(draw(st.lists(PEOPLE, max_size=1))))
            for k in range(draw(st.integers(0, 30)))]
    team_size = draw(st.integers(2, 4))
    round_plan = plan(departments=depts, team_size=team_size, teams_per_day=draw(st.integers(1, 3)),
                      target_count=draw(st.integers(0, 20)),
                      team_departments=draw(st.sampled_from(({}, {depts[0]: 1}))))
    return round_plan, pool, crew, draw(st.text("0123456789abcdef", min_size=64, max_size=64))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(draws())
def test_every_team_rule_holds_or_the_shortage_is_explained(case):
    round_plan, pool, crew, seed = case
    try:
        result = make_draw(seed, round_plan, pool, crew)
    except DrawImpossible as impossible:
        assert impossible.violations and all(explain(v).startswith("round 3") for v in impossible.violations)
        return
    assert make_draw(seed, round_plan, list(reversed(pool)), list(reversed(crew))) == result
    by_id = {i.id: i for i in crew}
    tied = {t.id: t.persons for t in pool}
    eligible = {t.id for t in pool if t.town in TOWNS and t.state == "licensed"}
    assert len(result.targets) == round_plan.target_count and set(result.targets) <= eligible
    assert sorted(t for team in result.teams for t in team.targets) == sorted(result.targets)
    for day in DAYS:
        on_duty = [m for team in result.teams if team.day == day for m in team.inspectors]
        assert len(on_duty) == len(set(on_duty)), "one team a day per inspector"
    for team in result.teams:
        members = [by_id[m] for m in team.inspectors]
        assert len(members) == round_plan.team_size >= 2
        if round_plan.joint:
            assert len({m.department for m in members}) >= 2
        for department, n in round_plan.team_departments.items():
            assert sum(m.department == department for m in members) >= n
        for m in members:
            assert m.department in round_plan.departments and team.day not in m.away
            assert not (m.conflicts | m.previous_round) & set(team.targets)
            assert not [(mine, theirs) for t in team.targets for theirs in tied[t] for mine in m.conflict_persons
                        if same_person(mine, theirs)]


def test_the_published_draws_contract_example_names_the_current_algorithm_and_its_seeds_hash():
    example = contract_for("inspection.draw.published").example
    assert example["algorithm"] == ALGORITHM
    assert sha256_hex(example["seed"]) == example["seed_sha256"]
