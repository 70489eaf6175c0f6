"""Inspection tasks: an inspector's own, a supervisor's staffing, a team member's result."""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView
from marshmallow import validate

from services.inspection.domain.tasks import KINDS, OUTCOMES
from services.inspection.entrypoints.schemas import text
from services.inspection.service_layer import inspectors, tasks
from shared.api import Blueprint
from shared.auth import current_principal, requires
from shared.clock import current_clock
from shared.db import request_session, request_uow
from shared.pagination import PageArgs, paginate

blp = Blueprint("tasks", __name__, url_prefix="/v1/tasks",
                description="Inspection tasks: one visit to one site (drawn, from a clue, or a follow-up)")
STATUSES = ("open", "completed", "cancelled")
ANSWERS = ("yes", "no", "not_applicable")


class TaskOut(ma.Schema):
    """A task and, once completed, its result."""

    id = ma.fields.String(required=True)
    kind = ma.fields.String(required=True, validate=validate.OneOf(KINDS))
    status = ma.fields.String(required=True, validate=validate.OneOf(STATUSES))
    campaign_id = ma.fields.String(allow_none=True, metadata={"description": "The campaign it counts in: the "
                                                                             "draw's, or once inspected the one "
                                                                             "active in its town that day."})
    round = ma.fields.Integer(allow_none=True)
    draw_id = ma.fields.String(allow_none=True)
    institution_id = ma.fields.String(allow_none=True)
    town = ma.fields.String(required=True)
    place = ma.fields.String(allow_none=True)
    clue_id = ma.fields.String(allow_none=True)
    department = ma.fields.String(allow_none=True)
    priority = ma.fields.String(allow_none=True)
    due_on = ma.fields.Date(allow_none=True)
    planned_on = ma.fields.Date(allow_none=True)
    team = ma.fields.List(ma.fields.String(), required=True)
    inspected_on = ma.fields.Date(allow_none=True)
    inspectors_present = ma.fields.List(ma.fields.String(), allow_none=True)
    checklist_answers = ma.fields.Dict(allow_none=True)
    findings = ma.fields.List(ma.fields.String(), allow_none=True)
    evidence = ma.fields.List(ma.fields.String(), allow_none=True)
    outcome = ma.fields.String(allow_none=True)
    completed_by = ma.fields.String(allow_none=True)
    completed_at = ma.fields.AwareDateTime(allow_none=True)


class TaskArgs(PageArgs):
    """Filters of the tasks."""

    status = ma.fields.String(validate=validate.OneOf(STATUSES))
    kind = ma.fields.String(validate=validate.OneOf(KINDS))


@blp.route("")
class Tasks(MethodView):
    """Tasks: an inspector sees their own; a supervisor, admin or integrator sees all."""

    @requires("inspector", "supervisor", "admin", "integrator")
    @blp.arguments(TaskArgs, location="query")
    @blp.response(200, paginate(TaskOut))
    def get(self, args):
        """List tasks, soonest first; an inspector (without another role) sees the tasks of their own teams, and a
        town officer (a token with `town`) only their town's."""
        principal = current_principal()
        sees_all = bool({"supervisor", "admin", "integrator"} & set(principal.roles))
        session = request_session()
        member = None if sees_all else inspectors.inspector_id_of(session, principal.sub)
        items, total = tasks.list_tasks(session, member=member,
                                        status=args.get("status"), kind=args.get("kind"), page=args["page"],
                                        page_size=args["page_size"], town=principal.town)
        return {"items": items, "total": total, "page": args["page"], "page_size": args["page_size"]}


@blp.route("/<string:task_id>")
class TaskView(MethodView):
    """One task."""

    @requires("inspector", "supervisor", "admin", "integrator")
    @blp.response(200, TaskOut)
    def get(self, task_id: str):
        """Read one task."""
        return tasks.get_task(request_session(), task_id)


class TeamIn(ma.Schema):
    """The team a supervisor sends on a clue-driven or follow-up task, and the day."""

    inspectors = ma.fields.List(text(64), required=True, validate=validate.Length(min=1, max=50))
    planned_on = ma.fields.Date(required=True)


@blp.route("/<string:task_id>/team")
class TaskTeam(MethodView):
    """Staff a task."""

    @requires("supervisor")
    @blp.arguments(TeamIn)
    @blp.response(200, TaskOut)
    def put(self, data, task_id: str):
        """Staff a clue-driven or follow-up task: 2 or more inspectors, none away, conflicted or busy that day."""
        with request_uow() as uow:
            return tasks.staff_task(uow, task_id, data["inspectors"], data["planned_on"])


class ResultIn(ma.Schema):
    """What an inspection found."""

    inspected_on = ma.fields.Date(load_default=None, metadata={"description": "The day of the visit; today when "
                                                                              "absent."})
    inspectors_present = ma.fields.List(text(64), required=True, validate=validate.Length(min=1, max=50))
    checklist_answers = ma.fields.Dict(keys=text(100), values=ma.fields.String(validate=validate.OneOf(ANSWERS)),
                                       load_default=dict)
    findings = ma.fields.List(text(100), load_default=list, validate=validate.Length(max=100),
                              metadata={"description": "Checklist codes not met."})
    evidence = ma.fields.List(text(500), load_default=list, validate=validate.Length(max=100),
                              metadata={"description": "References to photos, records, documents."})
    outcome = ma.fields.String(required=True, validate=validate.OneOf(OUTCOMES))


@blp.route("/<string:task_id>/result")
class TaskResult(MethodView):
    """Record a task's result."""

    @requires("inspector")
    @blp.arguments(ResultIn)
    @blp.response(201, TaskOut)
    def post(self, data, task_id: str):
        """A member of the task's team records the result; published as `inspection.task.completed`."""
        clock = current_clock()
        with request_uow() as uow:
            reporter = inspectors.inspector_id_of(uow.session, current_principal().sub)
            return tasks.complete_task(uow, task_id, data, reporter=reporter, today=clock.today(), now=clock.now())


def register(api, app) -> None:
    """Mount the tasks API."""
    api.register_blueprint(blp)
