"""Each report as a CSV or XLSX file, for readers of reports (in their scope)."""

from __future__ import annotations

from collections.abc import Callable

from flask import make_response

from services.reporting.adapters.spreadsheets import to_csv, to_xlsx
from services.reporting.entrypoints import export_tables
from services.reporting.entrypoints.schemas import ScopeArgs, SeriesArgs
from services.reporting.entrypoints.scope import scope_of
from services.reporting.service_layer import campaign_report, complaint_stats, series, summary
from shared.api import Blueprint
from shared.auth import REPORT_READERS, requires
from shared.db import request_session

blp = Blueprint("exports", __name__, url_prefix="/v1/exports", description="Each report as CSV or XLSX")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = {"csv": ("text/csv", to_csv), "xlsx": (XLSX, to_xlsx)}


def _scope_facts(args: dict) -> dict:
    scope = scope_of(args)
    return {"division_code": scope.division_code, "town": scope.town, "date_from": scope.date_from,
            "date_to": scope.date_to}


def _summary(args: dict, **_) -> list:
    return export_tables.summary_tables(summary.summary(request_session(), scope_of(args)))


def _complaints(args: dict, **_) -> list:
    stats = complaint_stats.complaint_stats(request_session(), scope_of(args))
    return export_tables.complaint_tables(stats, _scope_facts(args))


def _series(args: dict, **_) -> list:
    periods = series.series(request_session(), scope_of(args), args["interval"])
    return export_tables.series_tables(periods, _scope_facts(args))


def _campaign(args: dict, campaign_id: str) -> list:
    report = campaign_report.campaign_report(request_session(), campaign_id, scope_of(args))
    return export_tables.campaign_tables(report, _scope_facts(args))


def _export(name: str, rule: str, args_schema, tables: Callable, fmt: str, summary_text: str) -> None:
    mimetype, write = FORMATS[fmt]

    @requires(*REPORT_READERS)
    @blp.arguments(args_schema, location="query")
    @blp.response(200, content_type=mimetype, description=f"{summary_text} ({fmt.upper()}).")
    def view(args, **path):
        response = make_response(write(tables(args, **path)))
        response.headers["Content-Type"] = mimetype + ("; charset=utf-8" if fmt == "csv" else "")
        filename = name if not path else f"{name}-{path['campaign_id']}"
        response.headers["Content-Disposition"] = f'attachment; filename="reporting-{filename}.{fmt}"'
        return response

    view.__name__ = f"{name}_{fmt}"
    view.__doc__ = f"{summary_text}, as {fmt.upper()}: one table after another (CSV) or one sheet each (XLSX)."
    blp.route(f"{rule}.{fmt}", endpoint=view.__name__, methods=["GET"])(view)


for _fmt in FORMATS:
    _export("summary", "/summary", ScopeArgs, _summary, _fmt,
            "The summary's figures, states, sanctions, campaigns and inspection outcomes")
    _export("complaints", "/complaints", ScopeArgs, _complaints, _fmt, "The complaints desk's figures")
    _export("series", "/series", SeriesArgs, _series, _fmt, "The figures week by week or month by month")
    _export("campaign", "/campaigns/<id:campaign_id>", ScopeArgs, _campaign, _fmt, "One campaign's report")


def register(api, app) -> None:
    """Mount the exports."""
    api.register_blueprint(blp)
