"""Reporting's HTTP API."""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView

from services.reporting.service_layer import figures
from shared.api import Blueprint
from shared.auth import REPORT_READERS, current_principal, requires
from shared.db import request_session

blp = Blueprint("figures", __name__, url_prefix="/v1/figures", description="The county's figures")


class TownArgs(ma.Schema):
    """Optional town filter."""

    town = ma.fields.String(validate=ma.validate.Length(min=1, max=100))


class InstitutionCountsOut(ma.Schema):
    """Institutions by category and state."""

    town = ma.fields.String(allow_none=True)
    total = ma.fields.Integer(required=True)
    by_category = ma.fields.Dict(keys=ma.fields.String(),
                                 values=ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer()),
                                 required=True)


@blp.route("/institutions")
class InstitutionCounts(MethodView):
    """How many institutions, of which kind, in which state."""

    @requires(*REPORT_READERS)
    @blp.arguments(TownArgs, location="query")
    @blp.response(200, InstitutionCountsOut)
    def get(self, args):
        """Count institutions by category and state; a town officer sees their own town."""
        principal = current_principal()
        town = principal.town or args.get("town")
        return figures.institution_counts(request_session(), town=town)


def register_api(api, app) -> None:
    """Mount reporting's blueprints."""
    api.register_blueprint(blp)
