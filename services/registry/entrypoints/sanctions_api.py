"""Ban sanctions received from inspection: which were carried out, and which wait for a clerk."""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView
from flask_babel import gettext
from marshmallow import validate

from services.registry.domain.rule_texts import N_
from services.registry.entrypoints.schemas import _text
from services.registry.service_layer import sanctions
from shared.api import Blueprint
from shared.auth import current_principal, requires
from shared.clock import current_clock
from shared.db import request_session, request_uow
from shared.pagination import PageArgs, paginate

blp = Blueprint("ban_sanctions", __name__, url_prefix="/v1/ban-sanctions",
                description="Ban sanctions inspection imposed, and what the registry did with each")

OUTCOME_LABELS = {
    sanctions.BANNED: N_("the institution was banned"),
    sanctions.ALREADY_BANNED: N_("the institution was already banned"),
    sanctions.NO_INSTITUTION: N_("the case names no institution: check whether one should be banned"),
    sanctions.UNKNOWN_INSTITUTION: N_("the institution named is not on the registry's books"),
    sanctions.NOT_BANNABLE: N_("the institution could not be banned in its current state (e.g. closed)"),
}


class BanSanctionArgs(PageArgs):
    """Filters of the ban sanctions received."""

    outcome = ma.fields.String(validate=validate.OneOf(sanctions.OUTCOMES))
    unmatched = ma.fields.Boolean(metadata={"description": "`true`: only those not carried out, for a clerk "
                                                           "to look at."})


class BanSanctionOut(ma.Schema):
    """One ban sanction and what became of it."""

    id = ma.fields.Integer(required=True)
    case_id = ma.fields.String(required=True)
    institution_ref = ma.fields.String(allow_none=True, metadata={"description": "The institution id as the "
                                                                                 "case named it, if any."})
    institution_id = ma.fields.Integer(allow_none=True)
    institution_name = ma.fields.String(allow_none=True)
    outcome = ma.fields.String(required=True, validate=validate.OneOf(sanctions.OUTCOMES))
    outcome_label = ma.fields.Function(lambda row: gettext(OUTCOME_LABELS[row["outcome"]]))
    unmatched = ma.fields.Function(lambda row: row["outcome"] in sanctions.UNMATCHED)
    decided_on = ma.fields.Date(required=True)
    received_at = ma.fields.AwareDateTime(required=True)
    resolved_by = ma.fields.String(allow_none=True, metadata={"description": "The clerk who banned the institution "
                                                                             "this unmatched sanction meant."})
    resolved_at = ma.fields.AwareDateTime(allow_none=True)


@blp.route("")
class BanSanctions(MethodView):
    """Every ban sanction received; none is dropped."""

    @requires("clerk", "supervisor", "admin")
    @blp.arguments(BanSanctionArgs, location="query")
    @blp.response(200, paginate(BanSanctionOut))
    def get(self, args):
        """List ban sanctions, newest first; `unmatched=true` for those naming no or an unknown institution.

        A town officer (a token with `town`) sees only the sanctions of their town's institutions.
        """
        items, total = sanctions.list_ban_sanctions(request_session(), page=args["page"],
                                                    page_size=args["page_size"], outcome=args.get("outcome"),
                                                    unmatched=args.get("unmatched"), town=current_principal().town)
        return {"items": items, "total": total, "page": args["page"], "page_size": args["page_size"]}


class ResolutionIn(ma.Schema):
    """The institution an unmatched ban sanction meant, banned now citing its case."""

    institution_id = ma.fields.Integer(strict=True, required=True, validate=validate.Range(min=1, max=2**31 - 1),
                                       metadata={"description": "The registry's id of the institution to ban."})
    occurred_on = ma.fields.Date(metadata={"description": "When the ban takes effect: today unless told."})
    reason = _text(2000, metadata={"description": "Why this institution; by default the case and its decision."})


@blp.route("/<pk:sanction_id>/resolution")
class Resolution(MethodView):
    """A clerk resolving a ban sanction the registry could not carry out itself."""

    @requires("clerk")
    @blp.arguments(ResolutionIn)
    @blp.response(200, BanSanctionOut)
    def post(self, body, sanction_id: int):
        """Ban the institution an unmatched ban sanction meant, citing its case: the only way a clerk bans.

        A sanction already carried out is 409 (`ban_sanction.not_unmatched`); the institution's rules apply as
        to any ban. A town officer resolves only for an institution of their town.
        """
        clock = current_clock()
        with request_uow() as uow:
            return sanctions.resolve_ban_sanction(uow, sanction_id, institution_id=body["institution_id"],
                                                  actor=current_principal().sub, clock=clock,
                                                  occurred_on=body.get("occurred_on"), reason=body.get("reason"),
                                                  town=current_principal().town)


def register(api, app) -> None:
    """Mount the ban sanctions API."""
    api.register_blueprint(blp)
