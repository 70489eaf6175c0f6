"""Cases and sanctions (supervisor), and the published results (public)."""

from __future__ import annotations

import marshmallow as ma
from flask import url_for
from flask.views import MethodView
from marshmallow import validate

from services.inspection.domain.cases import SANCTION_KINDS, SUBJECT_KINDS
from services.inspection.entrypoints.schemas import external_ref, positive, text
from services.inspection.service_layer import cases, inspectors, results
from shared.api import Blueprint
from shared.auth import current_principal, public, requires
from shared.clock import current_clock
from shared.db import request_session, request_uow
from shared.pagination import PageArgs, paginate

blp = Blueprint("cases", __name__, url_prefix="/v1/cases", description="Cases (立案查处) and sanctions")
assignments_blp = Blueprint("case_assignments", __name__, url_prefix="/v1/case-assignments",
                            description="Assigning cases to the inspectors who work on them")
results_blp = Blueprint("public_results", __name__, url_prefix="/v1/public/results",
                        description="Published inspection results and cases (no token; no personal data)")


class CaseIn(ma.Schema):
    """A case to open: from a task that found a violation, or directly (an unregistered person or address)."""

    subject_kind = ma.fields.String(required=True, validate=validate.OneOf(SUBJECT_KINDS))
    institution_id = text(64, load_default=None)
    person_name = text(100, load_default=None, metadata={"description": "Private: never published."})
    address = text(500, load_default=None, metadata={"description": "Private: never published."})
    town = text(100, load_default=None, metadata={"description": "Required unless the task or institution says."})
    summary = text(2000, required=True, metadata={"description": "What was found, as published: no personal data."})
    source_task_id = text(64, load_default=None)
    source_clue_id = text(64, load_default=None)
    opened_on = ma.fields.Date(load_default=None, metadata={"description": "Today when absent."})
    external_ref = external_ref()


class SanctionOut(ma.Schema):
    """A sanction decided in a case."""

    id = ma.fields.String(required=True)
    kind = ma.fields.String(required=True)
    amount_fen = ma.fields.Integer(allow_none=True)
    deadline = ma.fields.Date(allow_none=True)
    decided_on = ma.fields.Date(required=True)
    decided_by = ma.fields.String(required=True)


class AssigneeOut(ma.Schema):
    """An inspector assigned to a case."""

    inspector_id = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    department = ma.fields.String(required=True)
    assigned_by = ma.fields.String(required=True)
    assigned_at = ma.fields.AwareDateTime(required=True)


class CaseOut(ma.Schema):
    """A case as a supervisor, or an inspector assigned to it, reads it (private details included)."""

    id = ma.fields.String(required=True)
    external_ref = ma.fields.String(allow_none=True)
    subject_kind = ma.fields.String(required=True)
    institution_id = ma.fields.String(allow_none=True)
    person_name = ma.fields.String(allow_none=True)
    address = ma.fields.String(allow_none=True)
    town = ma.fields.String(required=True)
    summary = ma.fields.String(required=True)
    source_task_id = ma.fields.String(allow_none=True)
    source_clue_id = ma.fields.String(allow_none=True)
    opened_on = ma.fields.Date(required=True)
    closed_on = ma.fields.Date(allow_none=True)
    decision = ma.fields.String(allow_none=True)
    opened_by = ma.fields.String(required=True)
    sanctions = ma.fields.List(ma.fields.Nested(SanctionOut), required=True)
    assignees = ma.fields.List(ma.fields.Nested(AssigneeOut), required=True)


class CaseArgs(PageArgs):
    """Filters of the cases."""

    open = ma.fields.Boolean(load_default=False, metadata={"description": "`true`: only cases not closed."})
    assignee = text(64, metadata={"description": "Only the cases assigned to this inspector (an inspector always "
                                                 "sees only their own)."})


def _own_cases_only() -> str | None:
    """The inspector whose cases alone the caller sees: an inspector without a supervisor's or admin's role."""
    principal = current_principal()
    if {"supervisor", "admin"} & set(principal.roles):
        return None
    return inspectors.inspector_id_of(request_session(), principal.sub)


@blp.route("")
class Cases(MethodView):
    """Cases."""

    @requires("supervisor")
    @blp.arguments(CaseIn)
    @blp.response(201, CaseOut)
    @blp.alt_response(200, schema=CaseOut, description="Already imported under `external_ref`.")
    def post(self, data):
        """Open a case, announced as `inspection.case.opened`; a known `external_ref` answers it (200)."""
        clock = current_clock()
        with request_uow() as uow:
            case, opened = cases.open_case(uow, data, opened_by=current_principal().sub, today=clock.today(),
                                           now=clock.now())
        return case, 201 if opened else 200, {"Location": url_for("cases.CaseView", case_id=case["id"])}

    @requires("supervisor", "admin", "inspector")
    @blp.arguments(CaseArgs, location="query")
    @blp.response(200, paginate(CaseOut))
    def get(self, args):
        """List cases, newest first; an inspector (without another role) sees the cases assigned to them, a town
        officer (a token with `town`) only their town's."""
        items, total = cases.list_cases(request_session(), open_only=args["open"], page=args["page"],
                                        page_size=args["page_size"],
                                        assignee=_own_cases_only() or args.get("assignee"),
                                        town=current_principal().town)
        return {"items": items, "total": total, "page": args["page"], "page_size": args["page_size"]}


@blp.route("/<string:case_id>")
class CaseView(MethodView):
    """One case."""

    @requires("supervisor", "admin", "inspector")
    @blp.response(200, CaseOut)
    def get(self, case_id: str):
        """Read one case, its sanctions and assignees; an inspector (without another role) only a case assigned to
        them (another is not found)."""
        return cases.get_case(request_session(), case_id, assignee=_own_cases_only(), town=current_principal().town)


class SanctionIn(ma.Schema):
    """A sanction to decide."""

    kind = ma.fields.String(required=True, validate=validate.OneOf(SANCTION_KINDS))
    amount_fen = positive(10**12, load_default=None, metadata={"description": "The fine in fen; a fine only."})
    deadline = ma.fields.Date(load_default=None, metadata={"description": "Rectify by; an order to rectify needs "
                                                                          "one."})
    decided_on = ma.fields.Date(load_default=None, metadata={"description": "Today when absent."})


@blp.route("/<string:case_id>/sanctions")
class CaseSanctions(MethodView):
    """Sanctions of a case."""

    @requires("supervisor")
    @blp.arguments(SanctionIn)
    @blp.response(201, CaseOut)
    def post(self, data, case_id: str):
        """Impose a sanction (never on a closed case), announced as `inspection.case.sanction_imposed`."""
        clock = current_clock()
        with request_uow() as uow:
            return cases.impose_sanction(uow, case_id, data, decided_by=current_principal().sub,
                                         today=clock.today(), now=clock.now())


class CloseIn(ma.Schema):
    """How a case ends."""

    decision = text(2000, required=True)
    closed_on = ma.fields.Date(load_default=None, metadata={"description": "Today when absent."})


@blp.route("/<string:case_id>/close")
class CaseClose(MethodView):
    """Close a case."""

    @requires("supervisor")
    @blp.arguments(CloseIn)
    @blp.response(200, CaseOut)
    def post(self, data, case_id: str):
        """Close the case with its decision, announced as `inspection.case.closed`."""
        with request_uow() as uow:
            return cases.close_case(uow, case_id, data, today=current_clock().today())


class AssignmentIn(ma.Schema):
    """Cases to assign and the inspectors (one, or a team) to assign them to."""

    case_ids = ma.fields.List(text(64), required=True, validate=validate.Length(min=1, max=500))
    inspector_ids = ma.fields.List(text(64), required=True, validate=validate.Length(min=1, max=50))
    replace = ma.fields.Boolean(load_default=False, metadata={"description": "`true`: the inspectors named become "
                                                                             "each case's only assignees; else they "
                                                                             "are added to those already assigned."})


class AssignedOut(ma.Schema):
    """The cases as they are after the assignment."""

    items = ma.fields.List(ma.fields.Nested(CaseOut), required=True)


@assignments_blp.route("")
class CaseAssignments(MethodView):
    """Assign cases."""

    @requires("supervisor")
    @assignments_blp.arguments(AssignmentIn)
    @assignments_blp.response(200, AssignedOut)
    def post(self, data):
        """Assign one or more open cases to one or more inspectors at once; nothing is assigned when a case is
        unknown or closed or an inspector unknown or in conflict with a case's institution (422 naming each)."""
        with request_uow() as uow:
            items = cases.assign_cases(uow, data["case_ids"], data["inspector_ids"], replace=data["replace"],
                                       assigned_by=current_principal().sub, now=current_clock().now(),
                                       town=current_principal().town)
        return {"items": items}


class PublicArgs(PageArgs):
    """Which results."""

    kind = ma.fields.String(load_default="inspections", validate=validate.OneOf(("inspections", "cases")))


class PublicResultOut(ma.Schema):
    """A published inspection or case: the institution's name or only the town, never a person's name or home."""

    task_id = ma.fields.String()
    case_id = ma.fields.String()
    kind = ma.fields.String()
    subject_kind = ma.fields.String()
    institution_id = ma.fields.String(allow_none=True)
    institution_name = ma.fields.String(allow_none=True)
    town = ma.fields.String(required=True)
    campaign_id = ma.fields.String(allow_none=True)
    inspected_on = ma.fields.Date()
    outcome = ma.fields.String()
    findings = ma.fields.List(ma.fields.String())
    summary = ma.fields.String()
    opened_on = ma.fields.Date()
    closed_on = ma.fields.Date(allow_none=True)
    decision = ma.fields.String(allow_none=True)
    sanctions = ma.fields.List(ma.fields.Dict())


@results_blp.route("")
class PublicResults(MethodView):
    """The published results."""

    @public
    @results_blp.arguments(PublicArgs, location="query")
    @results_blp.response(200, paginate(PublicResultOut))
    def get(self, args):
        """Completed inspections (`kind=inspections`) or cases (`kind=cases`), newest first."""
        found = results.inspections if args["kind"] == "inspections" else results.decided_cases
        items, total = found(request_session(), page=args["page"], page_size=args["page_size"])
        return {"items": items, "total": total, "page": args["page"], "page_size": args["page_size"]}


def register(api, app) -> None:
    """Mount the cases and public results APIs."""
    api.register_blueprint(blp)
    api.register_blueprint(assignments_blp)
    api.register_blueprint(results_blp)
