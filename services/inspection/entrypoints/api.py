"""Inspection's HTTP API."""

from __future__ import annotations

import marshmallow as ma
from flask import url_for
from flask.views import MethodView
from flask_babel import get_translations
from marshmallow import validate

from services.inspection.domain import DEPARTMENT_NAMES, DEPARTMENTS, INSTITUTION_STATES, RULES, CampaignKind
from services.inspection.domain.cases import RULES as CASE_RULES
from services.inspection.domain.draw import SHORTAGES, explain
from services.inspection.domain.holidays import RULES as HOLIDAY_RULES
from services.inspection.domain.rounds import RULES as ROUND_RULES
from services.inspection.domain.tasks import RULES as TASK_RULES
from services.inspection.entrypoints import cases_api, console, holidays_api, rounds_api, targets_api, tasks_api
from services.inspection.entrypoints.schemas import InspectableInstitutionOut, external_ref, happened_at
from services.inspection.entrypoints.schemas import text as _text
from services.inspection.service_layer import campaigns, replica
from shared.api import Blueprint
from shared.auth import current_principal, requires
from shared.clock import current_clock
from shared.county import county_config
from shared.db import request_session, request_uow
from shared.errors import explain_violations_with
from shared.pagination import PageArgs, paginate
from shared.refusals import N_, Violation

READERS = ("supervisor", "inspector", "admin", "integrator")
# How every refusal of inspection reads; the codes beside them never change.
TEXTS = {**RULES, **ROUND_RULES, **TASK_RULES, **CASE_RULES, **HOLIDAY_RULES,
         "task.not_staffable": N_("Only an open clue or follow-up task is staffed here, not this %(kind)s task."),
         "draw.redraw_needs_reason": N_("This round was already drawn (%(draw_id)s): a redraw needs a reason."),
         "inspector.account_taken": N_("Another inspector (%(inspector_id)s) already answers to this account.")}




def render(violation, gettext) -> str:
    """The sentence a supervisor reads for a broken rule, in the language `gettext` speaks (and the request's
    for a shortage, whose singular or plural the count chooses: "1 fire inspector available")."""
    if violation.code not in TEXTS and violation.code not in SHORTAGES:
        return gettext(violation.code)
    params = {"value": None, **violation.params}
    if params.get("department") in DEPARTMENT_NAMES:
        params["department"] = gettext(DEPARTMENT_NAMES[params["department"]])
    if violation.code in SHORTAGES:
        return explain(Violation(violation.code, violation.item, params), get_translations().ngettext)
    return gettext(TEXTS[violation.code]) % params

institutions_blp = Blueprint("inspectable_institutions", __name__, url_prefix="/v1/inspectable-institutions",
                             description="Institutions inspection may inspect (a replica of the registry)")
campaigns_blp = Blueprint("campaigns", __name__, url_prefix="/v1/campaigns",
                          description="Campaigns: holiday drives, special actions, the routine year")


class InspectableListArgs(PageArgs):
    """Filters of the inspectable institutions."""

    town = _text(100)
    state = ma.fields.String(validate=validate.OneOf(INSTITUTION_STATES))


@institutions_blp.route("")
class InspectableInstitutions(MethodView):
    """The institutions inspection may inspect."""

    @requires(*READERS)
    @institutions_blp.arguments(InspectableListArgs, location="query")
    @institutions_blp.response(200, paginate(InspectableInstitutionOut))
    def get(self, args):
        """List institutions by town and name; a town officer sees only their own town."""
        principal = current_principal()
        # a town claim is a boundary, not a default: the officer cannot ask for another town
        town = principal.town or args.get("town")
        items, total = replica.list_inspectable(request_session(), town=town, state=args.get("state"),
                                                page=args["page"], page_size=args["page_size"])
        return {"items": items, "total": total, "page": args["page"], "page_size": args["page_size"]}


class CampaignIn(ma.Schema):
    """A campaign to launch."""

    name = _text(200, required=True)
    kind = ma.fields.String(required=True, validate=validate.OneOf([k.value for k in CampaignKind]))
    starts_on = ma.fields.Date(required=True)
    ends_on = ma.fields.Date(required=True, metadata={"description": "On or after `starts_on`."})
    rounds = ma.fields.Integer(strict=True, load_default=0, validate=validate.Range(min=1, max=1000),
                               metadata={"description": "Rounds of duty inspections planned: a positive integer, "
                                                        "never `\"3\"`, `2.9` or `0`. Left out, the campaign is "
                                                        "not held in rounds (shown as 0)."})
    towns = ma.fields.List(_text(100), required=True,
                           validate=validate.Length(min=1, max=500))
    departments = ma.fields.List(ma.fields.String(validate=validate.OneOf(DEPARTMENTS)), required=True,
                                 validate=validate.Length(min=1, max=len(DEPARTMENTS) * 4))
    checklist = ma.fields.List(_text(100), load_default=None, validate=validate.Length(max=200),
                               metadata={"description": "Checklist item codes the campaign's inspections answer."})
    external_ref = external_ref()
    launched_at = happened_at("launched")


class CampaignOut(ma.Schema):
    """A campaign as inspection holds it."""

    id = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    kind = ma.fields.String(required=True)
    starts_on = ma.fields.Date(required=True)
    ends_on = ma.fields.Date(required=True)
    rounds = ma.fields.Integer(required=True)
    towns = ma.fields.List(ma.fields.String(), required=True)
    departments = ma.fields.List(ma.fields.String(), required=True)
    checklist = ma.fields.List(ma.fields.String(), allow_none=True)
    external_ref = ma.fields.String(allow_none=True)
    holiday = ma.fields.String(allow_none=True)
    remind_on = ma.fields.Date(allow_none=True)
    provisional = ma.fields.Function(
        lambda c: any(county_config().calendar.is_provisional(d) for d in (c["starts_on"], c["ends_on"])),
        metadata={"description": "True when the official calendar does not know the campaign's year yet: its "
                                 "holiday checks are a guess."})
    launched_by = ma.fields.String(required=True)
    launched_at = ma.fields.AwareDateTime(required=True)


@campaigns_blp.route("")
class Campaigns(MethodView):
    """Campaigns launched by supervisors."""

    @requires("supervisor")
    @campaigns_blp.arguments(CampaignIn)
    @campaigns_blp.response(201, CampaignOut)
    @campaigns_blp.alt_response(200, schema=CampaignOut, description="Already imported under `external_ref`.")
    def post(self, data):
        """Launch a campaign, announced as `inspection.campaign.launched`; a known `external_ref` answers 200."""
        with request_uow() as uow:
            campaign, launched = campaigns.launch_campaign(uow, data, launched_by=current_principal().sub,
                                                           now=current_clock().now())
        return campaign, 201 if launched else 200, {"Location": url_for("campaigns.Campaign",
                                                                         campaign_id=campaign["id"])}


@campaigns_blp.route("/<string:campaign_id>")
class Campaign(MethodView):
    """One campaign."""

    @requires(*READERS)
    @campaigns_blp.response(200, CampaignOut)
    def get(self, campaign_id: str):
        """Read one campaign."""
        return campaigns.get_campaign(request_session(), campaign_id)


def register_api(api, app) -> None:
    """Mount inspection's blueprints; the kit answers refusals, worded by inspection's rules."""
    api.register_blueprint(institutions_blp)
    api.register_blueprint(campaigns_blp)
    targets_api.register(api, app)
    holidays_api.register(api, app)
    rounds_api.register(api, app)
    tasks_api.register(api, app)
    cases_api.register(api, app)
    explain_violations_with(app, render)
    console.register(app)  # the inspectors' and supervisors' pages under /console
