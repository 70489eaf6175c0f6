"""The public dashboard: the county's aggregate figures and charts, server-rendered, Chinese by default.

Only what the county itself publishes is here (county-wide totals and charts); reports by town, campaign
and period, and the exports, stay behind a token.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from urllib.parse import urlencode

from flask import Blueprint, abort, make_response, render_template, request, send_from_directory, url_for
from flask_babel import force_locale, get_locale, gettext, lazy_gettext

from services.reporting.adapters.charts import NARROW_SIZE, SIZE
from services.reporting.domain.figures import Scope
from services.reporting.domain.texts import CHART_TEXTS, FIGURE_LABELS
from services.reporting.entrypoints.charts import chart_png, png_response
from services.reporting.service_layer import archive, summary
from services.reporting.service_layer.chart_data import CHARTS
from shared.auth import public
from shared.clock import current_clock
from shared.db import request_session
from shared.index_page import listed_page
from shared.public_pages import public_context

HERE = Path(__file__).resolve().parent.parent
_LANGUAGES = {"en": "en", "zh": "zh_CN"}
RATES = ("reduction_rate", "complaints_on_time_rate")

# Pages are HTML, not API operations: a plain Flask blueprint keeps them out of the OpenAPI document.
pages = Blueprint("dashboard", __name__, template_folder=str(HERE / "templates"))
pages.context_processor(public_context)  # the county, its host office and hotline, the link to /report


def _in_language():
    """The language picked with `?lang=` (a link on the page), which wins over the browser's."""
    lang = _LANGUAGES.get(request.args.get("lang", ""))
    return force_locale(lang) if lang else contextlib.nullcontext()


def shown(name: str, value) -> str:
    """A figure as the page shows it: counts as they are, rates as a percentage to one place, '—' for none."""
    if value is None:
        return "—"
    if name in RATES:
        return f"{value * 100:.1f}%"
    return str(value)


@pages.get("/dashboard")
@listed_page(lazy_gettext("The county's figures"))
@public
def dashboard_page():
    """The county's figures and charts, for anyone."""
    figures = summary.summary(request_session(), Scope())
    lang = request.args.get("lang") if request.args.get("lang") in _LANGUAGES else None
    with _in_language():
        english = str(get_locale()) == "en"
        switch = {**{k: v for k, v in request.args.items() if k != "lang"}, "lang": "zh" if english else "en"}
        html = render_template(
            "dashboard/dashboard.html", html_lang="en" if english else "zh-CN", figures=figures,
            labels={name: gettext(text) for name, text in FIGURE_LABELS.items()}, shown=shown,
            charts=[(name, gettext(CHART_TEXTS[name][0]),
                     url_for("dashboard.chart", name=name, **({"lang": lang} if lang else {})),
                     url_for("dashboard.chart", name=name, size="narrow", **({"lang": lang} if lang else {})))
                    for name in CHARTS], size=SIZE, narrow_size=NARROW_SIZE,
            as_of=current_clock().today(), updated_at=archive.last_received_at(request_session()),
            switch_url=f"{request.path}?{urlencode(switch)}",
            switch_caption="中文" if english else "English")
    response = make_response(html)
    response.headers["Content-Language"] = "en" if english else "zh-CN"
    return response


@pages.get("/dashboard/charts/<name>.png")
@public
def chart(name: str):
    """One county-wide chart of the dashboard; `?size=narrow` draws it for a phone's screen."""
    size = request.args.get("size")
    if name not in CHARTS or size not in (None, "narrow"):
        abort(404)
    with _in_language():
        return png_response(chart_png(name, Scope(), narrow=size == "narrow"))


@pages.get("/dashboard/static/<path:filename>")
@public
def static_file(filename: str):
    """The page's style sheet, served here: there is no CDN and no internet."""
    return send_from_directory(HERE / "static", filename, max_age=3600)


def register(api, app) -> None:
    """Mount the dashboard."""
    app.register_blueprint(pages)
