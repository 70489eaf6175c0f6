"""Complaints' HTTP API: the desk's search of institution names, and the public Open311 intake."""

from __future__ import annotations

import os

import marshmallow as ma
from flask.views import MethodView
from marshmallow import validate

from services.complaints.adapters.vault import Vault
from services.complaints.entrypoints import console, desk_api, handling_api, open311, open311_requests, report_pages
from services.complaints.entrypoints.intake_keys import api_keys_from
from services.complaints.entrypoints.intake_limits import limit_intake
from services.complaints.entrypoints.open311_format import FORMATS, FormatConverter, format_parameter, open311_errors
from services.complaints.service_layer import names
from services.complaints.service_layer.names import KnownNames
from shared.api import Blueprint
from shared.auth import current_principal, requires
from shared.db import request_session
from shared.errors import explain_violations_with
from shared.pagination import PageArgs, paginate

blp = Blueprint("institution_names", __name__, url_prefix="/v1/institution-names",
                description="Names the desk matches complaints against (a replica of the registry)")


def _text(max_length: int, **options) -> ma.fields.String:
    # PostgreSQL text cannot hold NUL: refuse it as bad input rather than fail on the query
    return ma.fields.String(validate=[validate.Length(min=1, max=max_length),
                                      validate.Regexp(r"^[^\x00]*$", error="Text cannot contain NUL.")],
                            **options)


class InstitutionNameOut(ma.Schema):
    """An institution's name as complaints knows it from the registry's events."""

    institution_id = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    credit_code = ma.fields.String(allow_none=True)
    town = ma.fields.String(required=True)
    category = ma.fields.String(required=True)
    state = ma.fields.String(required=True)


class NameSearchArgs(PageArgs):
    """What the desk searches for."""

    q = _text(100, metadata={"description": "Part of the name, however it is written (width, spaces, "
                                            "brackets and case are ignored)."})
    town = _text(100)


@blp.route("")
class InstitutionNames(MethodView):
    """Names of the institutions on the registry's books."""

    @requires("desk", "admin")
    @blp.arguments(NameSearchArgs, location="query")
    @blp.response(200, paginate(InstitutionNameOut))
    def get(self, args):
        """Search institution names, in name order; a town officer sees their own town's only."""
        # a town claim is a boundary, not a default: the officer cannot ask for another town
        town = current_principal().town or args.get("town")
        items, total = names.search_names(request_session(), q=args.get("q"), town=town,
                                          page=args["page"], page_size=args["page_size"])
        return {"items": items, "total": total, "page": args["page"], "page_size": args["page_size"]}


def register_api(api, app) -> None:
    """Mount complaints' blueprints; Open311's prefix answers errors in Open311's own form."""
    app.url_map.converters[FORMATS] = FormatConverter
    api.register_converter(FormatConverter, format_parameter)
    api.register_blueprint(blp)
    api.register_blueprint(desk_api.blp)  # handling_api adds the clue's actions to it
    api.register_blueprint(handling_api.ratings)
    explain_violations_with(app, desk_api.render_violation)
    api.register_blueprint(open311.blp)  # open311_requests adds its routes to the same blueprint
    app.after_request(open311_errors)
    settings = app.extensions["offcampus.settings"]
    app.extensions[open311_requests.VAULT] = Vault.configured(settings)
    app.extensions[open311_requests.API_KEYS] = api_keys_from(os.environ)
    app.extensions[handling_api.KNOWN_NAMES] = KnownNames()  # built in each gunicorn worker, filled on first use
    app.register_blueprint(report_pages.pages)
    limit_intake(app, (open311.blp, report_pages.pages), os.environ)
    console.register(app)  # the desk's pages under /console
