"""Inspection's console: an inspector's tasks for today (phone first), one task's checklist and findings with the
institution's earlier inspections; a supervisor's campaigns, rounds (committed seed hash, draw, verification)
and cases. Pages call the service layer in-process as the signed-in person."""

from __future__ import annotations

import contextlib
import datetime as dt
from pathlib import Path
from typing import Any

import marshmallow as ma
import sqlalchemy as sa
from flask import redirect, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from services.inspection.adapters.orm import campaigns, institutions
from services.inspection.adapters.orm import inspectors as inspector_rows
from services.inspection.adapters.orm import tasks as task_rows
from services.inspection.domain import DEPARTMENT_NAMES
from services.inspection.domain.tasks import OUTCOMES
from services.inspection.entrypoints.cases_api import AssignmentIn
from services.inspection.entrypoints.tasks_api import ANSWERS, ResultIn
from services.inspection.service_layer import cases, draws, inspectors, rounds, tasks
from shared.auth import current_principal
from shared.clock import current_clock
from shared.console import ConsoleBlueprint, page
from shared.console.kit import input_errors
from shared.db import request_session, request_uow
from shared.errors import domain_problem
from shared.refusals import DomainError, NotFound

HERE = Path(__file__).resolve().parent
TASK_READERS = ("inspector", "supervisor")
SUPERVISORS = ("supervisor",)
# what a joint inspection checks ("enter once, check many"); a finding is an item not met
CHECKLIST = {"licence_displayed": _l("Licence displayed"), "fees_published": _l("Fees published"),
             "teachers_qualified": _l("Teachers qualified"),
             "no_public_school_teachers": _l("No serving public-school teachers"),
             "training_time": _l("Training times within the rules"), "fire_safety": _l("Fire safety"),
             "materials_as_filed": _l("Teaching materials as filed")}
ANSWER_LABELS = {"yes": _l("met"), "no": _l("not met"), "not_applicable": _l("not applicable")}
OUTCOME_LABELS = {"compliant": _l("compliant"), "rectification_ordered": _l("rectification ordered"),
                  "violation": _l("violation")}
CASES_SHOWN, INSPECTORS_SHOWN, RECORDED_SHOWN = 100, 500, 10  # a county has ~10^2 inspectors: every one is a choice
KIND_LABELS = {"drawn": _l("drawn"), "clue": _l("from a complaint"), "follow_up": _l("follow-up")}
STATUS_LABELS = {"open": _l("to inspect"), "completed": _l("inspected"), "cancelled": _l("cancelled by a redraw")}
blp = ConsoleBlueprint("inspection_console", __name__, template_folder="templates",
                       translations=HERE / "translations")


def _label(table: dict, value: Any) -> str:
    return str(table[value]) if value in table else ("" if value is None else str(value))


def _helpers() -> dict[str, Any]:
    return {"checklist": CHECKLIST, "answers": ANSWERS, "answer_label": lambda a: _label(ANSWER_LABELS, a),
            "outcomes": OUTCOMES, "outcome_label": lambda o: _label(OUTCOME_LABELS, o),
            "kind_label": lambda k: _label(KIND_LABELS, k), "status_label": lambda s: _label(STATUS_LABELS, s),
            "today": current_clock().today()}


@blp.screen("/tasks", roles=TASK_READERS, title=_l("Today's tasks"))
def task_list():
    """An inspector's own open tasks, today's first (a supervisor sees all); a town officer's town only."""
    principal = current_principal()
    member = None if principal.has_any(SUPERVISORS) else inspectors.inspector_id_of(request_session(), principal.sub)
    items, total = tasks.list_tasks(request_session(), member=member, status="open", kind=None, page=1,
                                    page_size=50, town=principal.town)
    recorded, _ = tasks.list_tasks(request_session(), member=member, status="completed", kind=None, page=1,
                                   page_size=RECORDED_SHOWN, town=principal.town, latest_visits_first=True)
    names = _institution_names(request_session(), [item["institution_id"] for item in items + recorded])
    items, recorded = ([{**item, "institution_name": names.get(item["institution_id"])} for item in found]
                       for found in (items, recorded))
    today = current_clock().today()
    todays = [item for item in items if item["planned_on"] == today]
    later = [item for item in items if item["planned_on"] != today]
    return page("inspection_console/tasks.html", todays=todays, later=later, recorded=recorded, total=total,
                **_helpers())


def _institution_names(session, ids: list[str | None]) -> dict[str, str]:
    """The names of the institutions the tasks visit, as inspection's replica knows them."""
    wanted = sorted({i for i in ids if i})
    return dict(session.execute(sa.select(institutions.c.institution_id, institutions.c.name)
                                .where(institutions.c.institution_id.in_(wanted))).all()) if wanted else {}


def _checklist_of(session, task: dict[str, Any]) -> dict[str, Any]:
    """The items a visit answers: its campaign's checklist when the campaign set one, else the standard one."""
    codes = tasks.campaign_checklist(session, task["campaign_id"])
    return {code: CHECKLIST.get(code, code) for code in codes} if codes else CHECKLIST


def _task_page(task_id: str, status: int = 200, **context: Any):
    principal = current_principal()
    session = request_session()
    try:
        task = tasks.get_task(session, task_id)
    except NotFound:
        return page("inspection_console/not_found.html", 404, what=task_id)
    if principal.town and task["town"] != principal.town:
        return page("inspection_console/not_found.html", 404, what=task_id)
    earlier = []
    if task["institution_id"]:
        earlier = [dict(row) for row in session.execute(
            sa.select(task_rows.c.id, task_rows.c.inspected_on, task_rows.c.outcome, task_rows.c.findings)
            .where(task_rows.c.institution_id == task["institution_id"], task_rows.c.status == "completed",
                   task_rows.c.id != task_id)
            .order_by(task_rows.c.inspected_on.desc()).limit(20)).mappings()]
    context = {"values": {}, "errors": {}, "problem": None, **context}
    team_names = dict(session.execute(sa.select(inspector_rows.c.id, inspector_rows.c.name)
                                      .where(inspector_rows.c.id.in_(task["team"] or []))).all())
    task["institution_name"] = _institution_names(session, [task["institution_id"]]).get(task["institution_id"])
    return page("inspection_console/task.html", status, task=task, earlier=earlier, team_names=team_names,
                may_record="inspector" in principal.roles
                and inspectors.inspector_id_of(session, principal.sub) in (task["team"] or []),
                **context, **{**_helpers(), "checklist": _checklist_of(session, task)})


@blp.screen("/tasks/<string(maxlength=64):task_id>", roles=TASK_READERS)
def task(task_id: str):
    """One task: where, who, the checklist to fill in, and the institution's earlier inspections."""
    return _task_page(task_id)


@blp.screen("/tasks/<string(maxlength=64):task_id>/result", roles=("inspector",), methods=("POST",))
def record_result(task_id: str):
    """Record the visit: each checklist item met or not (a finding), who was there, the outcome."""
    form = request.form
    try:
        checklist = _checklist_of(request_session(), tasks.get_task(request_session(), task_id))
    except NotFound:
        return page("inspection_console/not_found.html", 404, what=task_id)
    answers = {code: form.get(f"answer.{code}", "") for code in checklist}
    body = {"inspectors_present": [who for who in form.getlist("present") if who.strip()],
            "checklist_answers": {code: value for code, value in answers.items() if value},
            "findings": [code for code, value in answers.items() if value == "no"],
            "evidence": [line.strip() for line in form.get("evidence", "").splitlines() if line.strip()],
            "outcome": form.get("outcome", "")}
    if form.get("inspected_on"):
        body["inspected_on"] = form["inspected_on"]
    values = {"outcome": body["outcome"], "evidence": form.get("evidence", ""), "present": body["inspectors_present"],
              "inspected_on": form.get("inspected_on", ""), **{f"answer.{c}": v for c, v in answers.items()}}
    try:
        data = ResultIn().load(body)
    except ma.ValidationError as invalid:
        return _task_page(task_id, 422, values=values, errors=input_errors(invalid.messages))
    clock = current_clock()
    try:
        with request_uow() as uow:
            reporter = inspectors.inspector_id_of(uow.session, current_principal().sub)
            tasks.complete_task(uow, task_id, data, reporter=reporter, today=clock.today(), now=clock.now())
    except NotFound:
        return page("inspection_console/not_found.html", 404, what=task_id)
    except DomainError as refused:
        problem = domain_problem(refused).get_json()
        errors = {item["field"]: item["messages"] for item in problem.get("errors", [])}
        return _task_page(task_id, 422, values=values, errors=errors, problem=problem)
    return redirect(url_for("inspection_console.task", task_id=task_id, done=1), 303)


@blp.screen("/campaigns", roles=SUPERVISORS, title=_l("Campaigns"))
def campaign_list():
    """Campaigns, newest first, each with its rounds and their committed seed hashes."""
    session = request_session()
    found = [dict(row) for row in session.execute(
        sa.select(campaigns).order_by(campaigns.c.starts_on.desc(), campaigns.c.id.desc()).limit(100)).mappings()]
    for campaign in found:
        campaign["round_list"] = rounds.list_rounds(session, campaign["id"])
    return page("inspection_console/campaigns.html", campaigns=found, **_helpers())


def _round_page(round_id: str, status: int = 200, **context: Any):
    session = request_session()
    try:
        found = rounds.get_round(session, round_id)
    except NotFound:
        return page("inspection_console/not_found.html", 404, what=round_id)
    draw_list = draws.list_draws(session, round_id)
    checked = {}
    if request.args.get("verify"):
        with contextlib.suppress(NotFound):
            checked = draws.verify_draw(session, request.args["verify"])
    context = {"values": {}, "errors": {}, "problem": None, **context}
    return page("inspection_console/round.html", status, round=found, draws=draw_list, checked=checked,
                **context, **_helpers())


@blp.screen("/rounds/<string(maxlength=64):round_id>", roles=SUPERVISORS)
def round_view(round_id: str):
    """A round: its days, the SHA-256 of the seed committed when it was scheduled, its draws and their check."""
    return _round_page(round_id)


@blp.screen("/rounds/<string(maxlength=64):round_id>/draw", roles=SUPERVISORS, methods=("POST",))
def draw(round_id: str):
    """Draw the round (a redraw needs a reason); an impossible draw says what is short."""
    reason = request.form.get("reason", "").strip() or None
    clock = current_clock()
    try:
        with request_uow() as uow:
            draws.draw_round(uow, round_id, reason=reason, drawn_by=current_principal().sub, today=clock.today(),
                             now=clock.now())
    except NotFound:
        return page("inspection_console/not_found.html", 404, what=round_id)
    except DomainError as refused:
        problem = domain_problem(refused).get_json()
        errors = {item["field"]: item["messages"] for item in problem.get("errors", [])}
        return _round_page(round_id, 422, problem=problem, errors=errors, values={"reason": reason or ""})
    return redirect(url_for("inspection_console.round_view", round_id=round_id), 303)


def _department_label(code: str) -> str:
    return gettext(DEPARTMENT_NAMES[code]) if code in DEPARTMENT_NAMES else code


def _cases_page(status: int = 200, **context: Any):
    open_only = request.args.get("all") != "1"
    session = request_session()
    found, total = cases.list_cases(session, open_only=open_only, page=1, page_size=CASES_SHOWN)
    people, _total = inspectors.list_inspectors(session, department=None, page=1, page_size=INSPECTORS_SHOWN)
    context = {"chosen_cases": [], "chosen_inspectors": [], "replace": False, "errors": {}, "problem": None,
               **context}
    # a refusal about a row the page does not show (a case closed meanwhile, on the open cases' list) goes on top
    shown = {"case_ids", "inspector_ids", *(f"case:{c['id']}" for c in found),
             *(f"inspector:{person['id']}" for person in people)}
    elsewhere = [m for field, messages in context["errors"].items() if field not in shown for m in messages]
    return page("inspection_console/cases.html", status, cases=found, total=total, open_only=open_only,
                inspectors=people, department_label=_department_label, elsewhere=elsewhere,
                **context, **_helpers())


@blp.screen("/cases", roles=SUPERVISORS, title=_l("Cases"))
def case_list():
    """Cases, open ones first by default, with their subject, town, assignees and sanctions; the open ones can be
    ticked and assigned to one inspector or a team at once."""
    return _cases_page()


def _beside_rows(errors: dict[str, list[str]], case_ids: list[str], inspector_ids: list[str]) -> dict:
    """Errors named by a place in the request (`case_ids.2`) as the row they are about (`case:<id>`)."""
    chosen = {"case_ids": ("case", case_ids), "inspector_ids": ("inspector", inspector_ids)}
    found: dict[str, list[str]] = {}
    for field, messages in errors.items():
        name, _dot, place = field.partition(".")
        if name in chosen and place.isdigit() and int(place) < len(chosen[name][1]):
            kind, ids = chosen[name]
            field = f"{kind}:{ids[int(place)]}"
        found.setdefault(field, []).extend(messages)
    return found


@blp.screen("/cases/assign", roles=SUPERVISORS, methods=("POST",))
def assign_cases():
    """Assign the ticked cases to the ticked inspectors (added to those already assigned, or replacing them);
    nothing is assigned when one case or inspector is refused, and each refusal shows beside its row."""
    case_ids, inspector_ids = request.form.getlist("case_ids"), request.form.getlist("inspector_ids")
    replace = request.form.get("replace") == "1"
    kept = {"chosen_cases": case_ids, "chosen_inspectors": inspector_ids, "replace": replace}
    missing = {}
    if not case_ids:
        missing["case_ids"] = [gettext("Tick at least one case.")]
    if not inspector_ids:
        missing["inspector_ids"] = [gettext("Tick at least one inspector.")]
    if missing:
        return _cases_page(422, errors=missing, **kept)
    try:
        data = AssignmentIn().load({"case_ids": case_ids, "inspector_ids": inspector_ids, "replace": replace})
    except ma.ValidationError as invalid:
        return _cases_page(422, errors=_beside_rows(input_errors(invalid.messages), case_ids, inspector_ids),
                           **kept)
    try:
        with request_uow() as uow:
            done = cases.assign_cases(uow, data["case_ids"], data["inspector_ids"], replace=data["replace"],
                                      assigned_by=current_principal().sub, now=current_clock().now())
    except DomainError as refused:
        problem = domain_problem(refused).get_json()
        errors = {item["field"]: item["messages"] for item in problem.get("errors", [])}
        return _cases_page(422, problem=problem, errors=_beside_rows(errors, case_ids, inspector_ids), **kept)
    return redirect(url_for("inspection_console.case_list", assigned=len(done)), 303)


def days_left(day: dt.date | None, today: dt.date) -> str:
    """How far a due day is, as a person says it."""
    if day is None:
        return ""
    return gettext("%(num)s days left", num=(day - today).days)


def register(app) -> None:
    """Mount inspection's console."""
    app.register_blueprint(blp)
