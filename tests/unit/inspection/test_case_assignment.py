"""Assigning cases: every unknown or closed case and every unknown or conflicted inspector is named."""

import datetime as dt

import pytest

from services.inspection.domain.cases import AssignedCase, CaseRefused, check_assignment

OPEN = AssignedCase("case-open", None, "inst-1")
CLOSED = AssignedCase("case-closed", dt.date(2022, 7, 20), "inst-2")
CASES = {c.id: c for c in (OPEN, CLOSED)}


def refused(case_ids, inspector_ids, conflicts):
    with pytest.raises(CaseRefused) as caught:
        check_assignment(case_ids, CASES, inspector_ids, conflicts)
    return [(v.item, v.code, v.params.get("value")) for v in caught.value.violations]


def test_open_cases_and_known_inspectors_are_assigned():
    check_assignment(["case-open"], CASES, ["ins-a", "ins-b"], {"ins-a": frozenset(), "ins-b": frozenset({"x"})})


def test_each_bad_case_and_inspector_is_named_by_its_place_in_the_request():
    assert refused(["case-open", "nope", "case-closed"], ["ins-a", "ghost"], {"ins-a": frozenset()}) == [
        ("case_ids.1", "assignment.case_unknown", "nope"),
        ("case_ids.2", "assignment.case_closed", "case-closed"),
        ("inspector_ids.1", "assignment.inspector_unknown", "ghost")]


def test_an_inspector_conflicted_with_a_cases_institution_is_refused_naming_the_case():
    [(item, code, value)] = refused(["case-open"], ["ins-a", "ins-b"],
                                    {"ins-a": frozenset(), "ins-b": frozenset({"inst-1"})})
    assert (item, code, value) == ("inspector_ids.1", "assignment.inspector_conflict", "ins-b")
