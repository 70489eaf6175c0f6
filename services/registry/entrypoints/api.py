"""The registry's HTTP API."""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView
from marshmallow import validate

from services.registry.service_layer import handlers
from shared.api import Blueprint
from shared.auth import requires
from shared.db import request_session, request_uow
from shared.pagination import PageArgs, paginate

blp = Blueprint("institutions", __name__, url_prefix="/v1/institutions",
                description="Institutions on the registry's books")

STATES = ("stock", "under_review", "licensed", "rectification", "banned", "closed", "converted")


class InstitutionIn(ma.Schema):
    """An institution to put on the books."""

    name = ma.fields.String(required=True, validate=validate.Length(min=2, max=200))
    credit_code = ma.fields.String(
        required=True, validate=validate.Regexp(r"^[0-9A-HJ-NP-RTUW-Y]{2}\d{6}[0-9A-HJ-NP-RTUW-Y]{10}$"))
    division_code = ma.fields.String(required=True, validate=validate.Regexp(r"^\d{6}$"))
    town = ma.fields.String(required=True, validate=validate.Length(min=1, max=100))
    address = ma.fields.String(required=True, validate=validate.Length(min=1, max=300))
    category = ma.fields.String(required=True, validate=validate.OneOf(["discipline", "non_discipline"]))
    subject_group = ma.fields.String(required=True, validate=validate.Length(min=1, max=50))
    state = ma.fields.String(validate=validate.OneOf(["stock", "under_review"]))
    occurred_on = ma.fields.Date()


class InstitutionOut(ma.Schema):
    """An institution as the registry holds it."""

    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    credit_code = ma.fields.String(required=True)
    division_code = ma.fields.String(required=True)
    town = ma.fields.String(required=True)
    address = ma.fields.String(required=True)
    category = ma.fields.String(required=True)
    subject_group = ma.fields.String(required=True)
    state = ma.fields.String(required=True, validate=validate.OneOf(STATES))
    occurred_on = ma.fields.Date(required=True)
    recorded_at = ma.fields.AwareDateTime(required=True)
    version = ma.fields.Integer(required=True)


class InstitutionListArgs(PageArgs):
    """Filters of the institution list."""

    state = ma.fields.String(validate=validate.OneOf(STATES))


@blp.route("")
class Institutions(MethodView):
    """The registry's book of institutions."""

    @requires("clerk", "admin", "integrator", "supervisor")
    @blp.arguments(InstitutionListArgs, location="query")
    @blp.response(200, paginate(InstitutionOut))
    def get(self, args):
        """List institutions, newest first."""
        items, total = handlers.list_institutions(request_session(), state=args.get("state"),
                                                  page=args["page"], page_size=args["page_size"])
        return {"items": items, "total": total, "page": args["page"], "page_size": args["page_size"]}

    @requires("clerk")
    @blp.arguments(InstitutionIn)
    @blp.response(201, InstitutionOut)
    def post(self, data):
        """Register an institution (an applicant under review, or one already on the books as `stock`)."""
        with request_uow() as uow:
            return handlers.register_institution(uow, data)


@blp.route("/<pk:institution_id>")
class Institution(MethodView):
    """One institution."""

    @requires("clerk", "admin", "integrator", "supervisor")
    @blp.response(200, InstitutionOut)
    def get(self, institution_id: int):
        """Read one institution."""
        return handlers.get_institution(request_session(), institution_id)


def register_api(api, app) -> None:
    """Mount the registry's blueprints."""
    api.register_blueprint(blp)
