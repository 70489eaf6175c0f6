"""Targets (the institutions inspection may draw, with their risk tier) and inspectors."""

from __future__ import annotations

import marshmallow as ma
from flask import url_for
from flask.views import MethodView
from flask_babel import gettext
from marshmallow import validate

from services.inspection.domain import DEPARTMENTS
from services.inspection.entrypoints.schemas import InspectableInstitutionOut, external_ref, text
from services.inspection.service_layer import inspectors, targets
from shared.api import Blueprint
from shared.auth import requires
from shared.clock import current_clock
from shared.db import request_session
from shared.pagination import PageArgs, paginate

READERS = ("supervisor", "inspector", "admin", "integrator")

targets_blp = Blueprint("targets", __name__, url_prefix="/v1/targets",
                        description="Targets: institutions inspection may draw, with their risk tier and why")
inspectors_blp = Blueprint("inspectors", __name__, url_prefix="/v1/inspectors",
                           description="Inspectors who may be drawn into teams")


class RiskReasonOut(ma.Schema):
    """One reason for a target's tier."""

    code = ma.fields.String(required=True)
    points = ma.fields.Integer(required=True)
    facts = ma.fields.Dict(required=True)
    text = ma.fields.Function(lambda reason: gettext(reason["text"].message) % dict(reason["text"].params))


class RiskOut(ma.Schema):
    """A risk tier, A (highest) to D, and the reasons behind it."""

    tier = ma.fields.String(required=True, validate=validate.OneOf("ABCD"))
    points = ma.fields.Integer(required=True)
    reasons = ma.fields.List(ma.fields.Nested(RiskReasonOut), required=True)


class TeacherOut(ma.Schema):
    """A teacher of the target as the registry's public board shows them."""

    name = ma.fields.String(required=True)
    certificate_no = ma.fields.String(allow_none=True, required=True,
                                      metadata={"description": "Teacher qualification certificate number."})


class FilingSummaryOut(ma.Schema):
    """The target's newest published filing, as the registry announced it."""

    filing_id = ma.fields.String(required=True)
    subjects = ma.fields.List(ma.fields.String(), required=True)
    teacher_count = ma.fields.Integer(required=True)
    max_price_per_hour_fen = ma.fields.Integer(required=True)
    modes = ma.fields.List(ma.fields.String(), required=True)
    teachers = ma.fields.List(ma.fields.Nested(TeacherOut), allow_none=True, required=True,
                              metadata={"description": "As the public board shows them: the persons an inspector's "
                                                       "declared conflict of interest is matched against; null when "
                                                       "the filing was announced before the registry sent them."})


class TargetOut(InspectableInstitutionOut):
    """A target: the institution as inspection knows it from the registry's events, and its risk."""

    legal_representative = ma.fields.String(allow_none=True, required=True, metadata={
        "description": "The legal representative (法定代表人) as the public board shows it: a person an inspector's "
                       "declared conflict of interest is matched against (by name: the board shows no number); "
                       "null when the registry announced none."})
    licence_valid_until = ma.fields.Date(allow_none=True)
    rectification_deadline = ma.fields.Date(allow_none=True)
    rectification_overdue = ma.fields.Boolean(required=True)
    last_inspected_on = ma.fields.Date(allow_none=True)
    filing = ma.fields.Nested(FilingSummaryOut, allow_none=True)
    risk = ma.fields.Nested(RiskOut, required=True)


@targets_blp.route("/<string:institution_id>")
class TargetView(MethodView):
    """One target."""

    @requires(*READERS)
    @targets_blp.response(200, TargetOut)
    def get(self, institution_id: str):
        """A target with its risk tier (A highest to D) and the reasons for it, as of today."""
        return targets.get_target(request_session(), institution_id, current_clock().today())


class PersonIn(ma.Schema):
    """A person an inspector declared a conflict of interest with."""

    name = text(100, required=True)
    certificate_no = text(50, load_default=None, allow_none=True,
                          metadata={"description": "Their teacher qualification certificate number, when known: "
                                                   "with one, only a teacher with that number or none matches "
                                                   "(a legal representative is matched by name)."})


class PersonOut(ma.Schema):
    """A person an inspector declared a conflict of interest with."""

    name = ma.fields.String(required=True)
    certificate_no = ma.fields.String(allow_none=True, required=True)


def account_field() -> ma.fields.String:
    """The identity provider's subject of the person (their sign-in account); null: none."""
    return ma.fields.String(load_default=None, allow_none=True, validate=[
        validate.Length(min=1, max=200),
        validate.Regexp(r"^[^\x00-\x20\x7f]+$", error="An account has no spaces or control characters.")],
        metadata={"description": "The identity provider's subject (`sub`) of the person: who signs in to the "
                                 "console as this inspector sees this inspector's tasks and cases. Unique: one "
                                 "another inspector answers to (as account or id) is refused with 409."})


class InspectorIn(ma.Schema):
    """An inspector to add."""

    name = text(100, required=True)
    department = ma.fields.String(required=True, validate=validate.OneOf(DEPARTMENTS))
    certificate_no = text(100, required=True, metadata={"description": "Law-enforcement certificate number."})
    towns = ma.fields.List(text(100), load_default=list, validate=validate.Length(max=500),
                           metadata={"description": "Towns (grids) the inspector covers."})
    days_away = ma.fields.List(ma.fields.Date(), load_default=list, validate=validate.Length(max=1000),
                               metadata={"description": "Days the inspector is away: never drawn on them."})
    conflict_institutions = ma.fields.List(text(64), load_default=list, validate=validate.Length(max=500),
                                           metadata={"description": "Institutions the inspector declared a "
                                                                    "conflict of interest with: never drawn "
                                                                    "to inspect them."})
    conflict_persons = ma.fields.List(ma.fields.Nested(PersonIn), load_default=list,
                                      validate=validate.Length(max=500),
                                      metadata={"description": "Persons the inspector declared a conflict of "
                                                               "interest with: never drawn, staffed or assigned "
                                                               "to an institution whose teachers or legal "
                                                               "representative, as the public board shows them, "
                                                               "include one (docs/draw.md, \"Persons\")."})
    external_ref = external_ref()
    account = account_field()


class InspectorChange(ma.Schema):
    """What a supervisor changes on an inspector: the account they sign in with."""

    account = account_field()


class InspectorOut(ma.Schema):
    """An inspector."""

    id = ma.fields.String(required=True)
    external_ref = ma.fields.String(allow_none=True)
    name = ma.fields.String(required=True)
    department = ma.fields.String(required=True)
    certificate_no = ma.fields.String(required=True)
    towns = ma.fields.List(ma.fields.String(), required=True)
    days_away = ma.fields.List(ma.fields.Date(), required=True)
    conflict_institutions = ma.fields.List(ma.fields.String(), required=True)
    conflict_persons = ma.fields.List(ma.fields.Nested(PersonOut), required=True)
    account = ma.fields.String(allow_none=True, required=True)
    created_at = ma.fields.AwareDateTime(required=True)


class InspectorArgs(PageArgs):
    """Filters of the inspectors."""

    department = ma.fields.String(validate=validate.OneOf(DEPARTMENTS))


@inspectors_blp.route("")
class Inspectors(MethodView):
    """The inspectors."""

    @requires("supervisor")
    @inspectors_blp.arguments(InspectorIn)
    @inspectors_blp.response(201, InspectorOut)
    @inspectors_blp.alt_response(200, schema=InspectorOut, description="Already imported under `external_ref`.")
    def post(self, data):
        """Add an inspector; the same `external_ref` again answers the inspector already added (200)."""
        inspector, added = inspectors.add_inspector(request_session(), data, now=current_clock().now())
        return inspector, 201 if added else 200, {"Location": url_for("inspectors.InspectorView",
                                                                       inspector_id=inspector["id"])}

    @requires("supervisor", "admin", "integrator")
    @inspectors_blp.arguments(InspectorArgs, location="query")
    @inspectors_blp.response(200, paginate(InspectorOut))
    def get(self, args):
        """List inspectors by department then name."""
        items, total = inspectors.list_inspectors(request_session(), department=args.get("department"),
                                                  page=args["page"], page_size=args["page_size"])
        return {"items": items, "total": total, "page": args["page"], "page_size": args["page_size"]}


@inspectors_blp.route("/<string:inspector_id>")
class InspectorView(MethodView):
    """One inspector."""

    @requires("supervisor", "inspector", "admin", "integrator")
    @inspectors_blp.response(200, InspectorOut)
    def get(self, inspector_id: str):
        """Read one inspector."""
        return inspectors.get_inspector(request_session(), inspector_id)

    @requires("supervisor")
    @inspectors_blp.arguments(InspectorChange)
    @inspectors_blp.response(200, InspectorOut)
    def patch(self, data, inspector_id: str):
        """Give an inspector the account they sign in with through the identity provider (`null`: none); one
        another inspector answers to is refused (409)."""
        return inspectors.change_account(request_session(), inspector_id, data["account"])


def register(api, app) -> None:
    """Mount the targets and inspectors APIs."""
    api.register_blueprint(targets_blp)
    api.register_blueprint(inspectors_blp)
