"""Cases (立案查处) and their sanctions: warning, order to rectify, fine, ban."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from shared.refusals import N_, Refused, Violation

SUBJECT_KINDS = ("institution", "person", "address")
SANCTION_KINDS = ("warning", "rectification_order", "fine", "ban")

RULES = {
    "case.closed": N_("The case was closed on %(value)s: no sanction is imposed on a closed case."),
    "case.already_closed": N_("The case was already closed on %(value)s."),
    "case.institution_needed": N_("A case against an institution names it."),
    "case.institution_unknown": N_("Inspection knows no institution %(value)s."),
    "case.person_or_address_needed": N_("A case against a %(value)s names who or where (it stays private)."),
    "case.task_not_a_violation": N_("Task %(value)s found no violation: a case is opened from a violation."),
    "case.town_needed": N_("A case names the town concerned."),
    "case.closed_before_opened": N_("A case closed on %(value)s cannot close before it opened on %(opened_on)s."),
    "case.opened_before_found": N_("A case opened on %(value)s cannot come before the inspection of %(found)s."),
    "sanction.amount_needed": N_("A fine needs an amount in fen."),
    "sanction.amount_only_for_fine": N_("Only a fine has an amount."),
    "sanction.deadline_needed": N_("An order to rectify needs a deadline."),
    "sanction.deadline_before_decision": N_("The deadline %(value)s comes before the decision of %(decided_on)s."),
    "sanction.decided_before_opened": N_("A sanction decided on %(value)s cannot come before the case opened on "
                                         "%(opened_on)s."),
    "sanction.ban_needs_institution": N_("A ban is carried out by the registry on an institution: this case names "
                                         "none."),
    "assignment.case_unknown": N_("There is no case %(value)s."),
    "assignment.case_closed": N_("Case %(value)s was closed on %(closed_on)s: a closed case is not assigned."),
    "assignment.inspector_unknown": N_("There is no inspector %(value)s."),
    "assignment.inspector_conflict": N_("%(value)s declared a conflict of interest with case %(case_id)s."),
}


class CaseRefused(Refused):
    """A case or sanction breaks one or more rules; every broken rule is listed."""

    code = "case.refused"
    message = N_("The case or sanction breaks some rules; see errors.")


def check_sanction(*, kind: str, amount_fen: int | None, deadline: dt.date | None, decided_on: dt.date,
                   opened_on: dt.date, closed_on: dt.date | None, institution_id: str | None) -> None:
    """Refuse a sanction on a closed case, a fine without an amount, an order without a deadline, and so on."""
    if closed_on is not None:
        raise CaseRefused([Violation("case.closed", None, {"value": closed_on.isoformat()})], code="case.closed")
    broken: list[Violation] = []
    if kind == "fine" and not amount_fen:
        broken.append(Violation("sanction.amount_needed", "amount_fen"))
    if kind != "fine" and amount_fen is not None:
        broken.append(Violation("sanction.amount_only_for_fine", "amount_fen"))
    if kind == "rectification_order" and deadline is None:
        broken.append(Violation("sanction.deadline_needed", "deadline"))
    if deadline is not None and deadline < decided_on:
        broken.append(Violation("sanction.deadline_before_decision", "deadline", {
            "value": deadline.isoformat(), "decided_on": decided_on.isoformat()}))
    if decided_on < opened_on:
        broken.append(Violation("sanction.decided_before_opened", "decided_on", {
            "value": decided_on.isoformat(), "opened_on": opened_on.isoformat()}))
    if kind == "ban" and institution_id is None:
        broken.append(Violation("sanction.ban_needs_institution", "kind"))
    if broken:
        raise CaseRefused(broken)


def check_subject(*, subject_kind: str, institution_id: str | None, institution_known: bool,
                  person_name: str | None, address: str | None) -> None:
    """A case names the institution it is against, or privately the person or address."""
    broken: list[Violation] = []
    if subject_kind == "institution" and institution_id is None:
        broken.append(Violation("case.institution_needed", "institution_id"))
    elif subject_kind == "institution" and not institution_known:
        broken.append(Violation("case.institution_unknown", "institution_id", {"value": institution_id}))
    if subject_kind == "person" and not person_name:
        broken.append(Violation("case.person_or_address_needed", "person_name", {"value": subject_kind}))
    if subject_kind == "address" and not address:
        broken.append(Violation("case.person_or_address_needed", "address", {"value": subject_kind}))
    if broken:
        raise CaseRefused(broken)


@dataclass(frozen=True, slots=True)
class AssignedCase:
    """A case as its assignment sees it: whether it is still open, and which institution it is about."""

    id: str
    closed_on: dt.date | None
    institution_id: str | None


def check_assignment(case_ids: Sequence[str], known_cases: Mapping[str, AssignedCase], inspector_ids: Sequence[str],
                     conflicts: Mapping[str, frozenset[str]]) -> None:
    """Cases are assigned only when each exists and is open, each inspector exists (`conflicts` holds every known
    inspector, with the institutions they may not act on) and none is conflicted with a case's institution. Every
    bad case and inspector is named by its place in the request."""
    broken: list[Violation] = []
    for n, case_id in enumerate(case_ids):
        case = known_cases.get(case_id)
        if case is None:
            broken.append(Violation("assignment.case_unknown", f"case_ids.{n}", {"value": case_id}))
        elif case.closed_on is not None:
            broken.append(Violation("assignment.case_closed", f"case_ids.{n}", {
                "value": case_id, "closed_on": case.closed_on.isoformat()}))
    for n, inspector_id in enumerate(inspector_ids):
        if inspector_id not in conflicts:
            broken.append(Violation("assignment.inspector_unknown", f"inspector_ids.{n}", {"value": inspector_id}))
            continue
        broken.extend(Violation("assignment.inspector_conflict", f"inspector_ids.{n}", {
            "value": inspector_id, "case_id": case_id}) for case_id in dict.fromkeys(case_ids)
            if case_id in known_cases and known_cases[case_id].institution_id in conflicts[inspector_id])
    if broken:
        raise CaseRefused(broken)
