"""Charts as PNG: behind a token with the reader's scope under /v1/charts, county-wide on the public dashboard."""

from __future__ import annotations

from flask import make_response
from flask.views import MethodView
from flask_babel import gettext
from matplotlib.figure import Figure

from services.reporting.adapters import charts
from services.reporting.domain.texts import CATEGORY_LABELS, CHART_TEXTS, STATE_LABELS
from services.reporting.entrypoints.schemas import ScopeArgs
from services.reporting.entrypoints.scope import scope_of
from services.reporting.service_layer.chart_data import CHARTS, chart_data
from shared.api import Blueprint
from shared.auth import REPORT_READERS, requires
from shared.clock import current_clock
from shared.db import request_session
from shared.refusals import N_, NotFound

blp = Blueprint("charts", __name__, url_prefix="/v1/charts", description="The figures as charts (PNG)")


def chart_figure(name: str, scope, *, narrow: bool = False) -> Figure:
    """One chart of the scope as a matplotlib Figure, lettered in the reader's language (`narrow`: for a phone)."""
    if name not in CHARTS:
        raise NotFound(N_("There is no chart %(chart)s."), code="chart.not_found", chart=name)
    data = chart_data(request_session(), name, scope, current_clock().today())
    title, x_label, y_label = (gettext(text) for text in CHART_TEXTS[name])
    if name == "complaints-by-category":
        labels = [gettext(CATEGORY_LABELS.get(category, category)) for category in data["labels"]]
        return charts.bars(title, x_label, y_label, labels, data["values"], narrow=narrow)
    if name == "inspections-per-week":
        return charts.bars(title, x_label, y_label, data["labels"], data["values"], narrow=narrow)
    if name == "on-time-rate":
        return charts.lines(title, x_label, y_label, data["labels"], {gettext("On time"): data["series"]["on_time"]},
                            percent=True, narrow=narrow)
    named = {gettext(STATE_LABELS.get(state, state)): values for state, values in data["series"].items()}
    return charts.lines(title, x_label, y_label, data["labels"], named, narrow=narrow)


def chart_png(name: str, scope, *, narrow: bool = False) -> bytes:
    """Draw one chart of the scope as a PNG, lettered in the reader's language (`narrow`: for a phone)."""
    return charts.png(chart_figure(name, scope, narrow=narrow))


def png_response(body: bytes):
    """An image answer that caches briefly: figures move only as events arrive."""
    response = make_response(body)
    response.headers["Content-Type"] = "image/png"
    response.headers["Cache-Control"] = "private, max-age=60"
    return response


@blp.route("/<name>.png")
class Chart(MethodView):
    """One chart of the figures."""

    @requires(*REPORT_READERS)
    @blp.arguments(ScopeArgs, location="query")
    @blp.response(200, content_type="image/png", description="The chart, titled, with labelled axes and units.")
    def get(self, args, name):
        """`institutions-by-state`, `inspections-per-week`, `complaints-by-category` or `on-time-rate`."""
        return png_response(chart_png(name, scope_of(args)))


def register(api, app) -> None:
    """Mount the charts."""
    api.register_blueprint(blp)
