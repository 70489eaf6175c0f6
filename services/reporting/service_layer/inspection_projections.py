"""Projections of inspection's events: campaigns, reminders, draws, visits with their inspectors, cases, sanctions."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.reporting.adapters.orm import (
    campaign_reminders,
    campaigns,
    cases,
    draws,
    sanctions,
    task_departments,
    task_findings,
    task_inspectors,
    tasks,
)
from services.reporting.service_layer.dates import event_day
from services.reporting.service_layer.registry_projections import _insert_once
from shared.replica import keep_newest


def campaign_launched(event, session: Session) -> None:
    """A campaign was launched: figures are reported per campaign, with its planned rounds."""
    data = event.data
    keep_newest(session, campaigns, {"campaign_id": data["campaign_id"]}, {
        "name": data["name"], "kind": data["kind"], "starts_on": event_day(event, "starts_on"),
        "ends_on": event_day(event, "ends_on"), "rounds": data["rounds"], "towns": list(data["towns"]),
        "departments": list(data["departments"]),
    }, event.sequence)


def reminder_issued(event, session: Session) -> None:
    """A holiday reminder went out in a campaign's towns."""
    data = event.data
    _insert_once(session, campaign_reminders, {
        "campaign_id": data["campaign_id"], "holiday": data["holiday"], "remind_on": event_day(event, "remind_on"),
        "towns": list(data["towns"]),
    }, ["campaign_id", "holiday", "remind_on"])


def draw_published(event, session: Session) -> None:
    """A draw of a campaign's round was published: the round is held, its targets and teams counted."""
    data = event.data
    keep_newest(session, draws, {"draw_id": data["draw_id"]}, {
        "campaign_id": data["campaign_id"], "round": data["round"], "target_count": data["target_count"],
        "team_count": data["team_count"], "drawn_on": event_day(event),
    }, event.sequence)


def task_completed(event, session: Session) -> None:
    """A visit was completed: one inspection, and a person-time for each inspector's day in its campaign."""
    data = event.data
    task_id = data["task_id"]
    inspected_on = event_day(event, "inspected_on")
    kept = keep_newest(session, tasks, {"task_id": task_id}, {
        "campaign_id": data["campaign_id"], "round": data["round"], "institution_id": data["institution_id"],
        "town": data["town"], "clue_id": data["clue_id"], "inspected_on": inspected_on, "outcome": data["outcome"],
    }, event.sequence)
    if kept in ("stale", "filled"):
        return
    # a newer record of the visit replaces who went and which departments took part
    session.execute(sa.delete(task_inspectors).where(task_inspectors.c.task_id == task_id))
    session.execute(sa.delete(task_departments).where(task_departments.c.task_id == task_id))
    session.execute(sa.delete(task_findings).where(task_findings.c.task_id == task_id))
    session.execute(task_inspectors.insert(), [
        {"task_id": task_id, "inspector_id": inspector, "campaign_id": data["campaign_id"],
         "inspected_on": inspected_on, "town": data["town"]} for inspector in sorted(set(data["inspector_ids"]))])
    session.execute(task_departments.insert(), [
        {"task_id": task_id, "department": department} for department in sorted(set(data["departments"]))])
    findings = sorted(set(data.get("findings") or ()))  # a field the contract added later: absent in older events
    if findings:
        session.execute(task_findings.insert(), [{"task_id": task_id, "code": code} for code in findings])


def _case(event, session: Session, own: dict) -> None:
    """Merge what one event of a case tells: its own fields always, the shared ones when it is the newest news."""
    data = event.data
    shared = {name: data[name] for name in ("institution_id", "subject_kind", "town", "source_task_id",
                                            "source_clue_id") if name in data}
    sequence = event.sequence or 0
    held = session.execute(sa.select(cases.c.sequence, cases.c.punished_on).where(
        cases.c.case_id == data["case_id"]).with_for_update()).first()
    if held is None:
        session.execute(cases.insert().values(case_id=data["case_id"], sequence=sequence, **shared, **own))
        return
    if own.get("punished_on") and held.punished_on and held.punished_on < own["punished_on"]:
        own = {**own, "punished_on": held.punished_on}  # punished from the first day it was known
    values = {**own, **shared, "sequence": sequence} if sequence > held.sequence else own
    session.execute(cases.update().where(cases.c.case_id == data["case_id"]).values(**values))


def case_opened(event, session: Session) -> None:
    """A case was opened on the day the event says."""
    _case(event, session, {"opened_on": event_day(event, "on")})


def case_closed(event, session: Session) -> None:
    """A case was closed; closed as punished, it counts as punished from that day unless known earlier."""
    closed_on = event_day(event, "on")
    own = {"closed_on": closed_on, "punished": event.data["punished"]}
    if event.data["punished"]:
        own["punished_on"] = closed_on
    _case(event, session, own)


def sanction_imposed(event, session: Session) -> None:
    """A sanction was decided: counted by kind, and its case counts as punished from its first sanction."""
    data = event.data
    decided_on = event_day(event, "decided_on")
    _insert_once(session, sanctions, {
        "event_id": event.id, "case_id": data["case_id"], "institution_id": data["institution_id"],
        "kind": data["kind"], "amount_fen": data["amount_fen"], "decided_on": decided_on,
    }, ["event_id"])
    # the sanction names the case's institution, not its town or source: those come with the case's own events
    held = session.execute(sa.select(cases.c.punished_on).where(cases.c.case_id == data["case_id"])
                           .with_for_update()).first()
    if held is None:
        session.execute(cases.insert().values(case_id=data["case_id"], institution_id=data["institution_id"],
                                              punished_on=decided_on, sequence=0))
    elif held.punished_on is None or decided_on < held.punished_on:
        session.execute(cases.update().where(cases.c.case_id == data["case_id"]).values(punished_on=decided_on))
