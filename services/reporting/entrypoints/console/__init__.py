"""Reporting's console for leaders: the county's figures with filters (county, town, period) as tables, and a CSV
of exactly the tables shown. The same use case and tables as the API's export, run as the signed-in leader."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import marshmallow as ma
from flask import make_response, request
from flask_babel import lazy_gettext as _l

from services.reporting.adapters.spreadsheets import Table, to_csv
from services.reporting.entrypoints import export_tables
from services.reporting.entrypoints.schemas import ScopeArgs
from services.reporting.entrypoints.scope import scope_of
from services.reporting.service_layer import summary
from shared.auth import current_principal
from shared.console import ConsoleBlueprint, page
from shared.console.kit import input_errors
from shared.county import county_config
from shared.db import request_session

HERE = Path(__file__).resolve().parent
LEADERS = ("leader",)
FILTERS = ("division_code", "town", "from", "to")
blp = ConsoleBlueprint("reporting_console", __name__, template_folder="templates",
                       translations=HERE / "translations")


def _filters() -> tuple[dict[str, str], dict[str, Any] | None, dict[str, list[str]]]:
    """What the leader typed (kept as typed), the scope it gives, and each bad field's message."""
    typed = {name: request.args.get(name, "").strip()[:100] for name in FILTERS}
    try:
        args = ScopeArgs().load({name: value for name, value in typed.items() if value})
    except ma.ValidationError as invalid:
        return typed, None, input_errors(invalid.messages)
    return typed, args, {}


def _tables(args: dict[str, Any]) -> list[Table]:
    return export_tables.summary_tables(summary.summary(request_session(), scope_of(args)))


@blp.screen("/dashboard", roles=LEADERS, title=_l("Dashboard"))
def dashboard():
    """The figures for the chosen county, town and period; a town officer's own town only."""
    typed, args, errors = _filters()
    tables = _tables(args) if args is not None else []
    counties = [(c.division_code, c.name) for c in county_config().counties]
    return page("reporting_console/dashboard.html", 200 if args is not None else 422, typed=typed, errors=errors,
                tables=tables, counties=counties, town_fixed=current_principal().town,
                csv_query=request.query_string.decode())


@blp.screen("/dashboard.csv", roles=LEADERS)
def dashboard_csv():
    """The tables the dashboard shows for the same filters, as CSV (UTF-8 with BOM, opens in Excel)."""
    _typed, args, errors = _filters()
    if args is None:
        return page("reporting_console/dashboard.html", 422, typed=_typed, errors=errors, tables=[],
                    counties=[(c.division_code, c.name) for c in county_config().counties],
                    town_fixed=current_principal().town, csv_query="")
    response = make_response(to_csv(_tables(args)))
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = 'attachment; filename="reporting-dashboard.csv"'
    return response


def register(app) -> None:
    """Mount the leaders' console."""
    app.register_blueprint(blp)
