"""Inspection tasks: made by draws, complaint clues and overdue rectifications; staffed; completed."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from ulid import ULID

from services.inspection.adapters.orm import campaigns, inspectors, institutions, tasks
from services.inspection.domain import tasks as rules
from services.inspection.service_layer import inspectors as inspector_records
from services.inspection.service_layer import replica, targets
from shared.bus import new_event
from shared.db import UnitOfWork
from shared.refusals import N_, NotFound, Refused, Violation


def _add(session: Session, source_key: str, now: dt.datetime, **values: Any) -> bool:
    """Add a task once per source (a redelivered event, a repeated draw): say whether it was added."""
    if session.scalar(sa.select(tasks.c.id).where(tasks.c.source_key == source_key)) is not None:
        return False
    session.execute(tasks.insert().values(id=str(ULID()), source_key=source_key, status="open", created_at=now,
                                          **{"team": [], **values}))
    return True


def add_drawn_tasks(session: Session, draw_id: str, campaign_id: str, round_number: int, result: dict[str, Any],
                    now: dt.datetime, correlation_id: str | None) -> None:
    """One task per target of each drawn team, planned on the team's day."""
    town_of = dict(session.execute(sa.select(institutions.c.institution_id, institutions.c.town)
                                   .where(institutions.c.institution_id.in_(result["targets"]))).all())
    for team in result["teams"]:
        for target in team["targets"]:
            _add(session, f"draw:{draw_id}:{target}", now, kind="drawn", campaign_id=campaign_id,
                 round=round_number, draw_id=draw_id, institution_id=target, town=town_of[target],
                 planned_on=dt.date.fromisoformat(team["day"]), team=list(team["inspectors"]),
                 correlation_id=correlation_id)


def cancel_drawn_tasks(session: Session, draw_id: str) -> None:
    """A replaced draw's open tasks are cancelled (they stay listed, like the draw)."""
    session.execute(tasks.update().where(tasks.c.draw_id == draw_id, tasks.c.status == "open")
                    .values(status="cancelled"))


def clue_referred(event, session: Session) -> None:
    """A complaint clue referred to inspection becomes a targeted task with its deadline and priority."""
    data = event.data
    _add(session, f"clue:{data['clue_id']}", event.time, kind="clue", clue_id=data["clue_id"],
         institution_id=data.get("institution_id"), town=data["town"], place=data.get("place"),
         department=data["department"], priority=data["priority"], due_on=dt.date.fromisoformat(str(data["due_on"])),
         correlation_id=event.correlationid)


def rectification_overdue(event, session: Session) -> None:
    """Keep the target's state, and plan a follow-up inspection (复查) of the institution, once per deadline."""
    replica.institution_changed(event, session)
    data = event.data
    _add(session, f"overdue:{data['institution_id']}:{data['deadline']}", event.time, kind="follow_up",
         institution_id=data["institution_id"], town=data["town"], correlation_id=event.correlationid)


def _row(session: Session, task_id: str, lock: bool = False) -> Any:
    row = None
    if "\x00" not in task_id:
        query = sa.select(tasks).where(tasks.c.id == task_id)
        row = session.execute(query.with_for_update() if lock else query).mappings().first()
    if row is None:
        raise NotFound(N_("There is no task %(task_id)s."), code="task.not_found", task_id=task_id.replace("\x00", ""))
    return row


def get_task(session: Session, task_id: str) -> dict[str, Any]:
    """One task."""
    return dict(_row(session, task_id))


def list_tasks(session: Session, *, member: str | None, status: str | None, kind: str | None, page: int,
               page_size: int, town: str | None = None,
               latest_visits_first: bool = False) -> tuple[list[dict[str, Any]], int]:
    """A page of tasks, soonest first (or the latest visits first); `member` keeps those whose team names that
    inspector, `town` one town's."""
    query = sa.select(tasks)
    if town is not None:
        query = query.where(tasks.c.town == town)
    if member is not None:  # a JSON list of ids, matched as text on both databases
        quoted = '"' + member.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + '"'
        query = query.where(sa.cast(tasks.c.team, sa.Text).like(f"%{quoted}%", escape="\\"))
    if status:
        query = query.where(tasks.c.status == status)
    if kind:
        query = query.where(tasks.c.kind == kind)
    total = session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    order = ((tasks.c.inspected_on.is_(None), tasks.c.inspected_on.desc(), tasks.c.id.desc()) if latest_visits_first
             else (tasks.c.planned_on.is_(None), tasks.c.planned_on, tasks.c.due_on, tasks.c.id))
    rows = session.execute(query.order_by(*order).limit(page_size).offset((page - 1) * page_size)).mappings()
    return [dict(r) for r in rows], total


def staff_task(uow: UnitOfWork, task_id: str, team: list[str], planned_on: dt.date) -> dict[str, Any]:
    """A supervisor staffs a clue-driven or follow-up task, under the draw's team rules (no conflict with the
    institution or a person the board ties to it: a teacher or its legal representative)."""
    session = uow.session
    row = _row(session, task_id, lock=True)
    if row["kind"] == "drawn" or row["status"] != "open":
        raise Refused([Violation("task.not_staffable", None, {"kind": row["kind"], "status": row["status"]})],
                      code="task.not_staffable", message=N_("Only an open clue or follow-up task is staffed here."))
    found = session.execute(sa.select(inspectors).where(inspectors.c.id.in_(team))).mappings().all()
    known = {r["id"]: rules.Candidate(r["id"], frozenset(dt.date.fromisoformat(d) for d in r["days_away"]),
                                      frozenset(r["conflict_institutions"]), inspector_records.declared_persons(r))
             for r in found}
    tied = targets.persons_tied_to(session, [row["institution_id"]]).get(row["institution_id"], ())
    others = session.execute(sa.select(tasks.c.team).where(tasks.c.planned_on == planned_on, tasks.c.id != task_id,
                                                           tasks.c.status != "cancelled")).scalars()
    busy = {who for other in others if set(other) != set(team) for who in other}
    rules.check_team(team, known, day=planned_on, institution_id=row["institution_id"], busy=busy, tied=tied)
    session.execute(tasks.update().where(tasks.c.id == task_id).values(team=list(team), planned_on=planned_on))
    uow.commit()
    return get_task(session, task_id)


def _campaign_of(session: Session, row: Any, day: dt.date, today: dt.date) -> str:
    columns = (campaigns.c.id, campaigns.c.kind, campaigns.c.towns, campaigns.c.starts_on, campaigns.c.ends_on)
    if row["campaign_id"] is not None:
        own = session.execute(sa.select(*columns).where(campaigns.c.id == row["campaign_id"])).one()
        rules.check_day(day, today, rules.ActiveCampaign(own.id, own.kind, tuple(own.towns), own.starts_on,
                                                         own.ends_on))
        return row["campaign_id"]
    rules.check_day(day, today, None)
    found = session.execute(sa.select(*columns).where(campaigns.c.starts_on <= day, campaigns.c.ends_on >= day)).all()
    return rules.campaign_for([rules.ActiveCampaign(r.id, r.kind, tuple(r.towns), r.starts_on, r.ends_on)
                               for r in found], row["town"], day)


def campaign_checklist(session: Session, campaign_id: str | None) -> list[str] | None:
    """The checklist item codes the campaign set for its visits (None: it set none, the standard one applies)."""
    if campaign_id is None:
        return None
    return session.scalar(sa.select(campaigns.c.checklist).where(campaigns.c.id == campaign_id))


def complete_task(uow: UnitOfWork, task_id: str, fields: dict[str, Any], *, reporter: str, today: dt.date,
                  now: dt.datetime) -> dict[str, Any]:
    """A team member records the inspection's result; `inspection.task.completed` is published."""
    session = uow.session
    row = _row(session, task_id, lock=True)
    present = list(dict.fromkeys(fields["inspectors_present"]))
    rules.check_result(team=row["team"], reporter=reporter, present=present, outcome=fields["outcome"],
                       findings=fields.get("findings", []), completed_on=row["inspected_on"])
    day = fields.get("inspected_on") or today
    campaign_id = _campaign_of(session, row, day, today)
    rules.check_checklist(fields.get("findings", []), fields.get("checklist_answers", {}),
                          campaign_checklist(session, campaign_id))
    departments = sorted(set(session.execute(sa.select(inspectors.c.department)
                                             .where(inspectors.c.id.in_(present))).scalars()))
    findings = list(dict.fromkeys(fields.get("findings", [])))
    session.execute(tasks.update().where(tasks.c.id == task_id).values(
        status="completed", campaign_id=campaign_id, inspected_on=day, inspectors_present=present,
        checklist_answers=fields.get("checklist_answers", {}), findings=findings,
        evidence=fields.get("evidence", []), outcome=fields["outcome"], completed_by=reporter, completed_at=now))
    uow.publish(new_event(type="inspection.task.completed", subject=task_id, correlation_id=row["correlation_id"],
                          data={"task_id": task_id, "campaign_id": campaign_id, "round": row["round"],
                                "institution_id": row["institution_id"], "town": row["town"],
                                "clue_id": row["clue_id"], "inspected_on": day, "inspector_ids": present,
                                "departments": departments, "outcome": fields["outcome"], "findings": findings}))
    uow.commit()
    return get_task(session, task_id)
