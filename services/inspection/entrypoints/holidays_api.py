"""Holiday campaigns generated from the official calendar."""

from __future__ import annotations

import marshmallow as ma
from flask import url_for
from flask.views import MethodView
from marshmallow import validate

from services.inspection.domain import DEPARTMENTS
from services.inspection.entrypoints.rounds_api import RoundIn, RoundOut
from services.inspection.entrypoints.schemas import external_ref, happened_at, text
from services.inspection.service_layer import holidays
from shared.api import Blueprint
from shared.auth import current_principal, requires
from shared.clock import current_clock
from shared.county import county_config
from shared.db import request_uow

# its own path: under /v1/campaigns it would shadow the campaign whose id were `holiday`
blp = Blueprint("holiday_campaigns", __name__, url_prefix="/v1/holiday-campaigns",
                description="Holiday campaigns generated from the official calendar")


class HolidayCampaignIn(RoundIn):
    """The holiday and year, the towns and departments, and what each day's duty round asks."""

    class Meta:
        exclude = ("days", "scheduled_at")

    holiday = text(100, required=True, metadata={"description": "The festival as the official calendar names it, "
                                                                "e.g. `Labour Day`, `National Day`."})
    year = ma.fields.Integer(strict=True, required=True, validate=validate.Range(min=2000, max=2200))
    name = text(200, load_default=None)
    towns = ma.fields.List(text(100), required=True, validate=validate.Length(min=1, max=500))
    departments = ma.fields.List(ma.fields.String(validate=validate.OneOf(DEPARTMENTS)), required=True,
                                 validate=validate.Length(min=1, max=len(DEPARTMENTS)))
    external_ref = external_ref()
    launched_at = happened_at("generated (its rounds scheduled with it)")


class HolidayCampaignOut(ma.Schema):
    """The campaign generated and its rounds."""

    id = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    kind = ma.fields.String(required=True)
    holiday = ma.fields.String(required=True)
    remind_on = ma.fields.Date(required=True)
    starts_on = ma.fields.Date(required=True)
    ends_on = ma.fields.Date(required=True)
    towns = ma.fields.List(ma.fields.String(), required=True)
    departments = ma.fields.List(ma.fields.String(), required=True)
    external_ref = ma.fields.String(allow_none=True)
    launched_at = ma.fields.AwareDateTime(required=True)
    rounds_scheduled = ma.fields.List(ma.fields.Nested(RoundOut), required=True)


@blp.route("")
class HolidayCampaigns(MethodView):
    """Generate a holiday campaign."""

    @requires("supervisor")
    @blp.arguments(HolidayCampaignIn)
    @blp.response(201, HolidayCampaignOut)
    @blp.alt_response(200, schema=HolidayCampaignOut, description="Already imported under `external_ref`.")
    def post(self, data):
        """From the calendar: remind on the last working day before the holiday, a duty round each day off.

        A holiday whose dates nobody has published for that year is refused (422 `holiday.not_published`).
        Generated on or after its reminder day (imported late), the reminder is issued at once
        (`inspection.campaign.reminder_issued`, for its reminder day). A known `external_ref` answers 200.
        """
        clock = current_clock()
        with request_uow() as uow:
            campaign, launched = holidays.generate_holiday_campaign(uow, data, county_config().calendar,
                                                                    launched_by=current_principal().sub,
                                                                    now=clock.now(), today=clock.today())
        return campaign, 201 if launched else 200, {"Location": url_for("campaigns.Campaign",
                                                                         campaign_id=campaign["id"])}


def register(api, app) -> None:
    """Mount the holiday campaigns API."""
    api.register_blueprint(blp)
