"""Reporting's HTTP API: the county's figures."""

from __future__ import annotations

import marshmallow as ma
from flask import Response, jsonify
from flask.views import MethodView

from services.reporting.entrypoints import charts, console, dashboard, exports, open_data, paths, rebuilds
from services.reporting.entrypoints.json_text import OrjsonProvider
from services.reporting.entrypoints.schemas import (
    ArchiveOut,
    CampaignReportOut,
    ComplaintStatsOut,
    ScopeArgs,
    SeriesArgs,
    SeriesOut,
    SummaryOut,
    _text,
)
from services.reporting.entrypoints.scope import scope_of
from services.reporting.service_layer import (
    archive,
    campaign_report,
    complaint_stats,
    figures,
    series,
    summary,
)
from shared.api import Blueprint
from shared.auth import REPORT_READERS, current_principal, requires
from shared.db import request_session

blp = Blueprint("figures", __name__, url_prefix="/v1/figures", description="The county's figures")
complaints_blp = Blueprint("complaint_stats", __name__, url_prefix="/v1/complaints",
                           description="The complaints desk's figures")
campaigns_blp = Blueprint("campaign_reports", __name__, url_prefix="/v1/campaigns",
                          description="Each campaign's report")
admin_blp = Blueprint("admin", __name__, url_prefix="/v1/admin", description="Operating reporting")
series_blp = Blueprint("series", __name__, url_prefix="/v1/series", description="The figures over time")
summary_blp = Blueprint("summary", __name__, url_prefix="/v1/summary", description="The county's summary figures")


class TownArgs(ma.Schema):
    """Optional town filter."""

    town = _text(100)


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
        """Count institutions by category and their newest state; a town officer sees their own town."""
        principal = current_principal()
        town = principal.town or args.get("town")
        return figures.institution_counts(request_session(), town=town)


@summary_blp.route("")
class Summary(MethodView):
    """The county's summary figures."""

    @requires(*REPORT_READERS)
    @summary_blp.arguments(ScopeArgs, location="query")
    @summary_blp.response(200, SummaryOut)
    def get(self, args):
        """Institutions before and licensed, the reduction rate, inspections, person-times, cases, bans, complaints.

        State figures are as of `to`; flows count events dated within [`from`, `to`]; without them, all time."""
        return summary_response(summary.summary(request_session(), scope_of(args)))


_SUMMARY_HEAD = SummaryOut(exclude=("campaigns",))


def summary_response(figures: dict) -> Response:
    """The summary as SummaryOut answers it. The whole country lists thousands of campaigns, whose rows are
    already what CampaignFiguresOut writes (its fields exactly: text, whole numbers and nulls): they go out as they
    are, and the schema writes the rest (a test holds the two equal)."""
    body = _SUMMARY_HEAD.dump(figures)
    body["campaigns"] = figures["campaigns"]
    return jsonify(body)


@complaints_blp.route("/stats")
class ComplaintStats(MethodView):
    """How complaints were handled."""

    @requires(*REPORT_READERS)
    @complaints_blp.arguments(ScopeArgs, location="query")
    @complaints_blp.response(200, ComplaintStatsOut)
    def get(self, args):
        """Complaints received, referred, answered, closed, overdue, on time and how fast, by category."""
        return complaint_stats.complaint_stats(request_session(), scope_of(args))


@campaigns_blp.route("/<id:campaign_id>/report")
class CampaignReport(MethodView):
    """One campaign's report."""

    @requires(*REPORT_READERS)
    @campaigns_blp.arguments(ScopeArgs, location="query")
    @campaigns_blp.response(200, CampaignReportOut)
    def get(self, args, campaign_id):
        """Rounds, draws, inspections and person-times of a campaign, by round, town and department.

        404 for a campaign reporting has not heard of, or (in a county's or town's scope, and always for a town
        officer's token) one neither running in nor with a visit or reminder in that place."""
        return campaign_report.campaign_report(request_session(), campaign_id, scope_of(args))


@series_blp.route("")
class Series(MethodView):
    """The figures week by week or month by month."""

    @requires(*REPORT_READERS)
    @series_blp.arguments(SeriesArgs, location="query")
    @series_blp.response(200, SeriesOut)
    def get(self, args):
        """Each week (Monday to Sunday) or month of [from, to]: states at its end, flows dated within it."""
        return {"interval": args["interval"],
                "periods": series.series(request_session(), scope_of(args), args["interval"])}


@admin_blp.route("/archive")
class Archive(MethodView):
    """The event archive."""

    @requires("admin")
    @admin_blp.response(200, ArchiveOut)
    def get(self):
        """Events archived by type, and those of types no contract declares (counted as unknown)."""
        return archive.archive_counts(request_session())


def register_api(api, app) -> None:
    """Mount reporting's blueprints; its JSON written by orjson (`json_text`)."""
    app.json = OrjsonProvider(app)
    app.json.ensure_ascii = False
    paths.register_converters(api, app)
    for blueprint in (blp, summary_blp, complaints_blp, campaigns_blp, series_blp, admin_blp):
        api.register_blueprint(blueprint)
    charts.register(api, app)
    dashboard.register(api, app)
    exports.register(api, app)
    open_data.register(api, app)
    rebuilds.register(api, app)
    console.register(app)  # the leaders' pages under /console
