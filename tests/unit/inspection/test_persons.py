"""Conflicts of interest with persons: the matching rule (docs/draw.md, "Persons"), in the draw and in staffing."""

import datetime as dt

import pytest

from services.inspection.domain.draw import (
    Inspector,
    RoundPlan,
    Target,
    from_inputs_document,
    inputs_document,
    make_draw,
)
from services.inspection.domain.persons import (
    LEGAL_REPRESENTATIVE,
    TEACHER,
    Person,
    PersonIndex,
    certificate_key,
    name_key,
    same_person,
)
from services.inspection.domain.tasks import Candidate, TaskRefused, check_team

DAY = dt.date(2022, 7, 14)


@pytest.mark.parametrize(("typed", "filed"), [
    ("李　明", "李明"),  # the ideographic space
    (" 李 明\t", "李明"),
    ("ＬＩ Ｍｉｎｇ", "li ming"),  # full-width letters, case
    ("买买提•艾力", "买买提·艾力"),  # another middle dot
    ("买买提・艾力", "买买提·艾力"),
])
def test_names_are_the_same_whatever_the_spaces_width_dots_or_case(typed, filed):
    assert name_key(typed) == name_key(filed)
    assert same_person(Person(typed), Person(filed, "20196107222000123"))


def test_different_names_are_different_persons():
    assert not same_person(Person("李明"), Person("李鸣"))
    assert not same_person(Person(" "), Person("\u3000"))  # a blank name is nobody


def test_a_certificate_number_on_both_sides_must_agree_too():
    filed = Person("王芳", "20196107222000123")
    assert same_person(Person("王芳", "２０１９６１０７２２２０００１２３"), filed)  # full-width digits
    assert not same_person(Person("王芳", "20196107222000999"), filed)  # a namesake
    assert same_person(Person("王芳"), filed) and same_person(Person("王芳", "1"), Person("王芳"))
    assert certificate_key(" ") is None and certificate_key("ab 12") == "ab12"


def test_the_index_finds_each_target_tied_to_a_declared_person():
    index = PersonIndex({"T1": [Person("李明", "A1")], "T2": [Person("李 明", "A2"), Person("王芳")], "T3": []})
    assert index.targets_of([Person("李明")]) == {"T1", "T2"}
    assert index.targets_of([Person("李明", "a1")]) == {"T1"}
    assert index.targets_of([Person("赵六")]) == frozenset()


def test_a_draw_never_sends_an_inspector_to_a_target_whose_teacher_they_declared():
    target = Target("T1", "博望街道", "licensed", persons=(Person("李明", "A1"),))
    plan = RoundPlan("C1", 1, (DAY,), teams_per_day=1, team_size=2, towns=("博望街道",), departments=("education",),
                     target_count=1)
    crew = [Inspector(f"I{k}", f"检查员{k}", "education") for k in range(3)]
    drawn = make_draw("0" * 64, plan, [target], crew)
    [first, *_] = drawn.teams[0].inspectors
    declared = [Inspector(i.id, i.name, i.department, conflict_persons=(Person("李 明"),) if i.id == first else ())
                for i in crew]
    again = make_draw("0" * 64, plan, [target], declared)
    assert first not in again.teams[0].inspectors and len(again.teams[0].inspectors) == 2
    namesake = [Inspector(i.id, i.name, i.department, conflict_persons=(Person("李明", "A9"),) if i.id == first
                          else ()) for i in crew]
    assert make_draw("0" * 64, plan, [target], namesake) == drawn  # another 李明: not the teacher


def test_staffing_a_task_refuses_an_inspector_tied_to_one_of_its_teachers():
    known = {"a": Candidate("a", frozenset(), frozenset(), (Person("王芳"),)),
             "b": Candidate("b", frozenset(), frozenset()), "c": Candidate("c", frozenset(), frozenset())}
    check_team(["b", "c"], known, day=DAY, institution_id="T1", busy=(), tied=(Person("王芳", "B2"),))
    with pytest.raises(TaskRefused) as refused:
        check_team(["a", "b"], known, day=DAY, institution_id="T1", busy=(), tied=(Person("王 芳", "B2"),))
    [violation] = refused.value.violations
    assert (violation.code, violation.item, violation.params) == (
        "team.inspector_person_conflict", "inspectors.0", {"value": "a", "person": "王 芳"})


def test_a_legal_representative_has_no_number_so_the_name_keeps_away_anyone_who_declared_it():
    representative = Person("欧阳启明", None, LEGAL_REPRESENTATIVE)
    assert same_person(Person("欧阳 启明", "20196107221000999"), representative)
    assert not same_person(Person("欧阳启"), representative)
    assert representative.as_json() == {"name": "欧阳启明", "certificate_no": None, "role": "legal_representative"}
    assert Person("欧阳启明").as_json() == {"name": "欧阳启明", "certificate_no": None}  # a declared one has no role
    assert Person.from_json(representative.as_json()) == representative


def test_the_draw_records_each_tied_persons_role_and_keeps_away_who_declared_the_legal_representative():
    target = Target("T1", "博望街道", "licensed", persons=(Person("欧阳启明", None, LEGAL_REPRESENTATIVE),
                                                          Person("李明", "A1", TEACHER)))
    plan = RoundPlan("C1", 1, (DAY,), teams_per_day=1, team_size=2, towns=("博望街道",), departments=("education",),
                     target_count=1)
    crew = [Inspector(f"I{k}", f"检查员{k}", "education") for k in range(3)]
    [first, *_] = make_draw("0" * 64, plan, [target], crew).teams[0].inspectors
    declared = [Inspector(i.id, i.name, i.department,
                          conflict_persons=(Person("欧阳启明", "X1"),) if i.id == first else ()) for i in crew]
    assert first not in make_draw("0" * 64, plan, [target], declared).teams[0].inspectors
    document = inputs_document(plan, [target], declared)
    assert document["algorithm"] == "offcampus-draw/3"
    assert document["targets"][0]["persons"] == [
        {"name": "李明", "certificate_no": "A1", "role": "teacher"},
        {"name": "欧阳启明", "certificate_no": None, "role": "legal_representative"}]
    assert set(from_inputs_document(document)[1][0].persons) == set(target.persons)


def test_staffing_a_task_names_the_legal_representative_an_inspector_declared():
    known = {"a": Candidate("a", frozenset(), frozenset(), (Person("欧阳启明", "X1"),)),
             "b": Candidate("b", frozenset(), frozenset())}
    with pytest.raises(TaskRefused) as refused:
        check_team(["b", "a"], known, day=DAY, institution_id="T1", busy=(),
                   tied=(Person("欧阳启明", None, LEGAL_REPRESENTATIVE),))
    [violation] = refused.value.violations
    assert (violation.code, violation.item) == ("team.inspector_legal_representative_conflict", "inspectors.1")
