"""Cases and sanctions: opened from a violation or directly, decided, closed; each step on the bus."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from ulid import ULID

from services.inspection.adapters.orm import case_assignments, cases, inspectors, institutions, sanctions, tasks
from services.inspection.domain import cases as rules
from services.inspection.domain.persons import PersonIndex
from services.inspection.service_layer import targets
from services.inspection.service_layer.inspectors import declared_persons
from shared.bus import new_event
from shared.db import UnitOfWork
from shared.refusals import N_, NotFound, Violation


def _case_event(row: Any) -> dict[str, Any]:
    return {"case_id": row["id"], "institution_id": row["institution_id"], "subject_kind": row["subject_kind"],
            "town": row["town"], "source_task_id": row["source_task_id"], "source_clue_id": row["source_clue_id"]}


def open_case(uow: UnitOfWork, fields: dict[str, Any], *, opened_by: str, today: dt.date,
              now: dt.datetime) -> tuple[dict[str, Any], bool]:
    """Open a case from a violation found by a task, or directly; a known `external_ref` answers it as it is."""
    session = uow.session
    ref = fields.get("external_ref")
    if ref is not None:
        known = session.scalar(sa.select(cases.c.id).where(cases.c.external_ref == ref))
        if known is not None:
            return get_case(session, known), False
    values = {key: fields.get(key) for key in ("subject_kind", "institution_id", "person_name", "address", "town",
                                               "source_clue_id")}
    opened_on = fields.get("opened_on") or today
    correlation_id = uow.correlation_id
    task_id = fields.get("source_task_id")
    if task_id is not None:
        task = session.execute(sa.select(tasks).where(tasks.c.id == task_id)).mappings().first()
        if task is None or task["outcome"] != "violation":
            raise rules.CaseRefused([Violation("case.task_not_a_violation", "source_task_id", {"value": task_id})])
        if opened_on < task["inspected_on"]:
            raise rules.CaseRefused([Violation("case.opened_before_found", "opened_on", {
                "value": opened_on.isoformat(), "found": task["inspected_on"].isoformat()})])
        values.update(institution_id=values["institution_id"] or task["institution_id"], town=task["town"],
                      source_clue_id=values["source_clue_id"] or task["clue_id"])
        correlation_id = task["correlation_id"] or correlation_id
    known_institution = values["institution_id"] is not None and session.scalar(
        sa.select(institutions.c.town).where(institutions.c.institution_id == values["institution_id"]))
    rules.check_subject(subject_kind=values["subject_kind"], institution_id=values["institution_id"],
                        institution_known=bool(known_institution), person_name=values["person_name"],
                        address=values["address"])
    if not values["town"]:
        values["town"] = known_institution
    if not values["town"]:
        raise rules.CaseRefused([Violation("case.town_needed", "town")])
    case_id = str(ULID())
    session.execute(cases.insert().values(id=case_id, external_ref=ref, summary=fields["summary"],
                                          source_task_id=task_id, opened_on=opened_on, opened_by=opened_by,
                                          correlation_id=correlation_id, created_at=now, **values))
    row = session.execute(sa.select(cases).where(cases.c.id == case_id)).mappings().one()
    uow.publish(new_event(type="inspection.case.opened", subject=case_id, correlation_id=correlation_id,
                          data={**_case_event(row), "on": opened_on}))
    uow.commit()
    return get_case(session, case_id), True


def _row(session: Session, case_id: str, lock: bool = False) -> Any:
    row = None
    if "\x00" not in case_id:
        query = sa.select(cases).where(cases.c.id == case_id)
        row = session.execute(query.with_for_update() if lock else query).mappings().first()
    if row is None:
        raise NotFound(N_("There is no case %(case_id)s."), code="case.not_found", case_id=case_id.replace("\x00", ""))
    return row


def get_case(session: Session, case_id: str, *, assignee: str | None = None,
             town: str | None = None) -> dict[str, Any]:
    """A case, its sanctions in the order decided and the inspectors assigned to it; with `assignee`, only a case
    assigned to that inspector is found (an inspector reads the cases they work on), with `town` only a case of
    that town (a town officer's)."""
    case = dict(_row(session, case_id))
    if town is not None and case["town"] != town:
        raise NotFound(N_("There is no case %(case_id)s."), code="case.not_found", case_id=case_id)
    case["sanctions"] = [dict(r) for r in session.execute(
        sa.select(sanctions).where(sanctions.c.case_id == case_id)
        .order_by(sanctions.c.decided_on, sanctions.c.created_at, sanctions.c.id)).mappings()]
    case["assignees"] = [dict(r) for r in session.execute(
        sa.select(case_assignments.c.inspector_id, inspectors.c.name, inspectors.c.department,
                  case_assignments.c.assigned_by, case_assignments.c.assigned_at)
        .join(inspectors, inspectors.c.id == case_assignments.c.inspector_id)
        .where(case_assignments.c.case_id == case_id)
        .order_by(case_assignments.c.assigned_at, inspectors.c.name, inspectors.c.id)).mappings()]
    if assignee is not None and assignee not in {a["inspector_id"] for a in case["assignees"]}:
        raise NotFound(N_("There is no case %(case_id)s."), code="case.not_found", case_id=case_id)
    return case


def list_cases(session: Session, *, open_only: bool, page: int, page_size: int, assignee: str | None = None,
               town: str | None = None) -> tuple[list[dict[str, Any]], int]:
    """A page of cases, newest first; `assignee` keeps those assigned to that inspector, `town` one town's."""
    query = sa.select(cases.c.id)
    if town is not None:
        query = query.where(cases.c.town == town)
    if open_only:
        query = query.where(cases.c.closed_on.is_(None))
    if assignee is not None:
        query = query.where(cases.c.id.in_(sa.select(case_assignments.c.case_id)
                                           .where(case_assignments.c.inspector_id == assignee)))
    total = session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    ids = session.scalars(query.order_by(cases.c.opened_on.desc(), cases.c.id.desc()).limit(page_size)
                          .offset((page - 1) * page_size)).all()
    return [get_case(session, case_id) for case_id in ids], total


def impose_sanction(uow: UnitOfWork, case_id: str, fields: dict[str, Any], *, decided_by: str, today: dt.date,
                    now: dt.datetime) -> dict[str, Any]:
    """Decide a sanction; `inspection.case.sanction_imposed` tells the registry (a ban) and reporting."""
    session = uow.session
    row = _row(session, case_id, lock=True)
    decided_on = fields.get("decided_on") or today
    rules.check_sanction(kind=fields["kind"], amount_fen=fields.get("amount_fen"), deadline=fields.get("deadline"),
                         decided_on=decided_on, opened_on=row["opened_on"], closed_on=row["closed_on"],
                         institution_id=row["institution_id"])
    session.execute(sanctions.insert().values(
        id=str(ULID()), case_id=case_id, kind=fields["kind"], amount_fen=fields.get("amount_fen"),
        deadline=fields.get("deadline"), decided_on=decided_on, decided_by=decided_by, created_at=now))
    uow.publish(new_event(type="inspection.case.sanction_imposed", subject=case_id,
                          correlation_id=row["correlation_id"], data={
                              "case_id": case_id, "institution_id": row["institution_id"], "kind": fields["kind"],
                              "amount_fen": fields.get("amount_fen"), "deadline": fields.get("deadline"),
                              "decided_on": decided_on}))
    uow.commit()
    return get_case(session, case_id)


def close_case(uow: UnitOfWork, case_id: str, fields: dict[str, Any], *, today: dt.date) -> dict[str, Any]:
    """Close a case with its decision; `punished` says whether a sanction was imposed."""
    session = uow.session
    row = _row(session, case_id, lock=True)
    if row["closed_on"] is not None:
        raise rules.CaseRefused([Violation("case.already_closed", None, {"value": row["closed_on"].isoformat()})],
                                code="case.closed")
    closed_on = fields.get("closed_on") or today
    if closed_on < row["opened_on"]:
        raise rules.CaseRefused([Violation("case.closed_before_opened", "closed_on", {
            "value": closed_on.isoformat(), "opened_on": row["opened_on"].isoformat()})])
    punished = session.scalar(sa.select(sa.func.count()).where(sanctions.c.case_id == case_id)) > 0
    session.execute(cases.update().where(cases.c.id == case_id).values(closed_on=closed_on,
                                                                      decision=fields["decision"]))
    uow.publish(new_event(type="inspection.case.closed", subject=case_id, correlation_id=row["correlation_id"],
                          data={**_case_event(row), "on": closed_on, "punished": punished}))
    uow.commit()
    return get_case(session, case_id)


def assign_cases(uow: UnitOfWork, case_ids: list[str], inspector_ids: list[str], *, assigned_by: str,
                 now: dt.datetime, replace: bool = False, town: str | None = None) -> list[dict[str, Any]]:
    """Assign one or more open cases to one or more inspectors in one go: each case gains those inspectors
    (already assigned ones stay, once), or with `replace` has exactly them. Nothing is assigned unless every case
    exists and is open and every inspector exists with no conflict of interest with a case's institution; the
    refusal names each bad case and inspector. With `town` (a town officer's), another town's case is unknown.
    Answers the cases as `get_case` reads them, in the order asked."""
    session = uow.session
    wanted = list(dict.fromkeys(case_ids))
    team = list(dict.fromkeys(inspector_ids))
    # locked in id order, so two supervisors assigning overlapping cases at once wait for each other
    known = {r.id: rules.AssignedCase(r.id, r.closed_on, r.institution_id) for r in session.execute(
        sa.select(cases.c.id, cases.c.closed_on, cases.c.institution_id)
        .where(cases.c.id.in_(wanted), *([cases.c.town == town] if town is not None else []))
        .order_by(cases.c.id).with_for_update())}
    # an inspector may not work on a case about an institution they declared a conflict with, directly or through
    # one of its teachers (docs/draw.md, "Persons")
    tied = PersonIndex(targets.persons_tied_to(session, [c.institution_id for c in known.values() if c.institution_id]))
    conflicts = {r["id"]: frozenset(r["conflict_institutions"]) | tied.targets_of(declared_persons(r))
                 for r in session.execute(sa.select(inspectors).where(inspectors.c.id.in_(team))).mappings()}
    rules.check_assignment(case_ids, known, inspector_ids, conflicts)
    assigned = {(r.case_id, r.inspector_id) for r in session.execute(
        sa.select(case_assignments.c.case_id, case_assignments.c.inspector_id)
        .where(case_assignments.c.case_id.in_(wanted)))}
    if replace:
        session.execute(case_assignments.delete().where(case_assignments.c.case_id.in_(wanted),
                                                        case_assignments.c.inspector_id.not_in(team)))
    new = [{"case_id": case_id, "inspector_id": inspector_id, "assigned_by": assigned_by, "assigned_at": now}
           for case_id in wanted for inspector_id in team if (case_id, inspector_id) not in assigned]
    if new:
        session.execute(case_assignments.insert(), new)
    uow.commit()
    return [get_case(session, case_id) for case_id in wanted]
