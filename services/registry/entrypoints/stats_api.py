"""The figures the registry answers for: the pressure-reduction rate, per county and per town."""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView
from flask_babel import gettext
from marshmallow import validate

from services.registry.domain.rule_texts import N_
from services.registry.service_layer import stats
from shared.api import Blueprint
from shared.auth import REPORT_READERS, current_principal, requires
from shared.clock import current_clock
from shared.db import request_session

blp = Blueprint("stats", __name__, url_prefix="/v1/stats", description="Figures counted from the registry's book")

DEFINITION = N_("Before: discipline institutions on the books when re-examination began (registered as stock; "
                "one converted since still counts). Licensed now: discipline institutions licensed today. "
                "Rate = (before - licensed now) / before.")


class ReductionArgs(ma.Schema):
    """Which part of the figures."""

    town = ma.fields.String(validate=validate.Length(min=1, max=100))
    division_code = ma.fields.String(validate=validate.Regexp(r"^[0-9]{6}$"))


class FiguresOut(ma.Schema):
    """Before, licensed now and the rate."""

    before = ma.fields.Integer(required=True)
    licensed_now = ma.fields.Integer(required=True)
    reduced_by = ma.fields.Integer(required=True)
    rate = ma.fields.Float(required=True, allow_none=True, metadata={
        "description": "(before - licensed now) / before, to 3 places (0.901); null when nothing was before."})
    rate_display = ma.fields.String(required=True, allow_none=True, metadata={"description": "e.g. `90.1%`."})


class TownFiguresOut(FiguresOut):
    """One town's figures."""

    town = ma.fields.String(required=True)


class CountyFiguresOut(FiguresOut):
    """One county's figures and its towns'."""

    division_code = ma.fields.String(required=True)
    towns = ma.fields.List(ma.fields.Nested(TownFiguresOut), required=True)


class ReductionOut(ma.Schema):
    """The pressure-reduction figures."""

    as_of = ma.fields.Date(required=True)
    definition = ma.fields.String(required=True)
    total = ma.fields.Nested(FiguresOut, required=True)
    counties = ma.fields.List(ma.fields.Nested(CountyFiguresOut), required=True)


@blp.route("/reduction")
class Reduction(MethodView):
    """The pressure-reduction rate."""

    @requires(*REPORT_READERS, "integrator")
    @blp.arguments(ReductionArgs, location="query")
    @blp.response(200, ReductionOut)
    def get(self, args):
        """Discipline institutions before re-examination, licensed now, and the rate, per county and per town."""
        town = current_principal().town or args.get("town")
        figures = stats.reduction_figures(request_session(), town=town, division_code=args.get("division_code"))
        return {"as_of": current_clock().today(), "definition": gettext(DEFINITION), **figures}


def register(api, app) -> None:
    """Mount the figures API."""
    api.register_blueprint(blp)
