"""Inspection tasks: one visit to one site, its team, its result, and the campaign it counts in."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from services.inspection.domain.persons import LEGAL_REPRESENTATIVE, Person, same_person
from shared.refusals import N_, Forbidden, Refused, Violation

OUTCOMES = ("compliant", "rectification_ordered", "violation")
KINDS = ("drawn", "clue", "follow_up")
# Which campaign a visit counts in when several are active in its town that day.
PRECEDENCE = ("special", "holiday", "routine")

RULES = {
    "task.no_routine_campaign": N_("No campaign is active in %(town)s on %(day)s: launch the routine campaign "
                                   "covering it first."),
    "task.present_not_on_team": N_("%(value)s is not on this task's team."),
    "task.too_few_present": N_("At least 2 inspectors are present at an inspection, not %(value)s."),
    "task.findings_needed": N_("An outcome of %(value)s lists what was found."),
    "task.compliant_with_findings": N_("A compliant inspection lists no findings."),
    "task.already_completed": N_("The task was already completed on %(value)s."),
    "task.outside_campaign": N_("%(value)s is outside the task's campaign (%(starts_on)s to %(ends_on)s)."),
    "task.not_on_checklist": N_("%(value)s is not on the checklist of the task's campaign."),
    "task.inspected_in_future": N_("%(value)s has not come yet: a visit is recorded after it happened."),
    "team.too_small": N_("A team has at least 2 inspectors, not %(value)s."),
    "team.inspector_unknown": N_("There is no inspector %(value)s."),
    "team.inspector_away": N_("%(value)s is away on %(day)s."),
    "team.inspector_conflict": N_("%(value)s declared a conflict of interest with this institution."),
    "team.inspector_person_conflict": N_("%(value)s declared a conflict of interest with %(person)s, a teacher "
                                         "of this institution."),
    "team.inspector_legal_representative_conflict": N_("%(value)s declared a conflict of interest with "
                                                       "%(person)s, the legal representative of this institution."),
    "team.inspector_busy": N_("%(value)s is already on another team on %(day)s."),
}


# the rule a conflict with a tied person breaks, by how the person is tied
_PERSON_CONFLICTS = {LEGAL_REPRESENTATIVE: "team.inspector_legal_representative_conflict"}


class TaskRefused(Refused):
    """A task's result or team breaks one or more rules; every broken rule is listed."""

    code = "task.refused"
    message = N_("The task's result or team breaks some rules; see errors.")


class NotOnTeam(Forbidden):
    """Only a member of the task's team records its result."""

    code = "task.not_on_team"
    message = N_("Only an inspector on the task's team records its result.")


@dataclass(frozen=True, slots=True)
class ActiveCampaign:
    """A campaign as the choice of a task's campaign sees it."""

    id: str
    kind: str
    towns: tuple[str, ...]
    starts_on: dt.date
    ends_on: dt.date


def campaign_for(campaigns: Iterable[ActiveCampaign], town: str, day: dt.date) -> str:
    """The campaign a visit counts in: the one active in its town that day, special > holiday > routine."""
    active = [c for c in campaigns if town in c.towns and c.starts_on <= day <= c.ends_on]
    if not active:
        raise TaskRefused([Violation("task.no_routine_campaign", "inspected_on",
                                     {"town": town, "day": day.isoformat()})])
    return min(active, key=lambda c: (PRECEDENCE.index(c.kind), c.starts_on, c.id)).id


def check_day(day: dt.date, today: dt.date, campaign: ActiveCampaign | None) -> None:
    """A visit is recorded after it happened, inside its campaign when the task came with one."""
    if day > today:
        raise TaskRefused([Violation("task.inspected_in_future", "inspected_on", {"value": day.isoformat()})])
    if campaign is not None and not campaign.starts_on <= day <= campaign.ends_on:
        raise TaskRefused([Violation("task.outside_campaign", "inspected_on", {
            "value": day.isoformat(), "starts_on": campaign.starts_on.isoformat(),
            "ends_on": campaign.ends_on.isoformat()})])


def check_result(*, team: Sequence[str], reporter: str, present: Sequence[str], outcome: str,
                 findings: Sequence[str], completed_on: dt.date | None) -> None:
    """Refuse a result from outside the team, with fewer than 2 present, or findings that do not fit the outcome."""
    if reporter not in team:
        raise NotOnTeam(reporter=reporter)
    broken: list[Violation] = []
    if completed_on is not None:
        broken.append(Violation("task.already_completed", None, {"value": completed_on.isoformat()}))
    broken.extend(Violation("task.present_not_on_team", f"inspectors_present.{n}", {"value": who})
                  for n, who in enumerate(present) if who not in team)
    if len(set(present)) < 2:
        broken.append(Violation("task.too_few_present", "inspectors_present", {"value": len(set(present))}))
    if outcome != "compliant" and not findings:
        broken.append(Violation("task.findings_needed", "findings", {"value": outcome}))
    if outcome == "compliant" and findings:
        broken.append(Violation("task.compliant_with_findings", "findings"))
    if broken:
        raise TaskRefused(broken)


def check_checklist(findings: Sequence[str], answers: Iterable[str], checklist: Sequence[str] | None) -> None:
    """Findings and answered items are codes of the campaign's checklist, when the campaign set one."""
    if not checklist:
        return
    on = set(checklist)
    broken = [Violation("task.not_on_checklist", f"findings.{n}", {"value": code})
              for n, code in enumerate(findings) if code not in on]
    broken += [Violation("task.not_on_checklist", f"checklist_answers.{code}", {"value": code})
               for code in answers if code not in on]
    if broken:
        raise TaskRefused(broken)


@dataclass(frozen=True, slots=True)
class Candidate:
    """An inspector proposed for a staffed task."""

    id: str
    away: frozenset[dt.date]
    conflicts: frozenset[str]
    conflict_persons: tuple[Person, ...] = ()


def check_team(proposed: Sequence[str], known: Mapping[str, Candidate], *, day: dt.date,
               institution_id: str | None, busy: Iterable[str], tied: Sequence[Person] = ()) -> None:
    """The draw's team rules for a team a supervisor staffs: 2 or more, here that day, no conflict (with the
    institution, or with a person `tied` to it: docs/draw.md, "Persons"), no other team."""
    busy = set(busy)
    broken: list[Violation] = []
    if len(set(proposed)) < 2:
        broken.append(Violation("team.too_small", "inspectors", {"value": len(set(proposed))}))
    facts = {"day": day.isoformat()}
    for n, who in enumerate(proposed):
        item = f"inspectors.{n}"
        inspector = known.get(who)
        if inspector is None:
            broken.append(Violation("team.inspector_unknown", item, {"value": who}))
            continue
        if day in inspector.away:
            broken.append(Violation("team.inspector_away", item, {"value": who, **facts}))
        if institution_id is not None and institution_id in inspector.conflicts:
            broken.append(Violation("team.inspector_conflict", item, {"value": who}))
        broken.extend(Violation(_PERSON_CONFLICTS.get(person.role, "team.inspector_person_conflict"), item,
                                {"value": who, "person": person.name})
                      for person in tied if any(same_person(mine, person) for mine in inspector.conflict_persons))
        if who in busy:
            broken.append(Violation("team.inspector_busy", item, {"value": who, **facts}))
    if broken:
        raise TaskRefused(broken)
