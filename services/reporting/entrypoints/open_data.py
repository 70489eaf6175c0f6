"""Open data: the published inspection results as a LIVES feed (a zip of CSV files), for anyone."""

from __future__ import annotations

import csv
import io
import zipfile

from flask import make_response
from flask.views import MethodView
from flask_babel import gettext

from services.reporting.domain.provinces import province_of
from services.reporting.domain.texts import CHECKLIST_LABELS, OUTCOME_LABELS
from services.reporting.service_layer.open_data import (
    BUSINESS_COLUMNS,
    FEED_COLUMNS,
    INSPECTION_COLUMNS,
    VIOLATION_COLUMNS,
    lives_rows,
)
from shared.api import Blueprint
from shared.auth import public
from shared.clock import current_clock
from shared.county import county_config
from shared.db import request_session

blp = Blueprint("open_data", __name__, url_prefix="/v1/open-data", description="Open data for anyone")


def _csv(columns, rows) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows([[row.get(column, "") for column in columns] for row in rows])
    return buffer.getvalue().encode("utf-8")


def _day(value) -> str:
    return value.strftime("%Y%m%d")  # LIVES writes dates as YYYYMMDD


def _violation(code: str) -> str:
    """A violation's description in the reader's language: the outcome, or the checklist item not met."""
    if code in OUTCOME_LABELS:
        return gettext(OUTCOME_LABELS[code])
    if code in CHECKLIST_LABELS:
        return gettext("Not met: %(item)s", item=gettext(CHECKLIST_LABELS[code]))
    return code


def lives_zip() -> bytes:
    """businesses.csv, inspections.csv, violations.csv and feed_info.csv, zipped."""
    rows = lives_rows(request_session())
    county = county_config()
    counties = {code: county.county(code) for code in county.division_codes}
    businesses = [{**row, "city": counties[row["division_code"]].name if row["division_code"] in counties else "",
                   "state": province_of(row["division_code"])} for row in rows["businesses"]]
    inspections = [{**row, "date": _day(row["date"]), "description": gettext(OUTCOME_LABELS[row["outcome"]])}
                   for row in rows["inspections"]]
    violations = [{**row, "date": _day(row["date"]), "description": _violation(row["code"])}
                  for row in rows["violations"]]
    # the first county's website and address that the county file gives; else empty (docs/reporting.md)
    feed = [{"feed_date": _day(current_clock().today()), "feed_version": "2.0",
             "municipality_name": "、".join(each.name for each in county.counties),
             "municipality_url": next((each.website for each in county.counties if each.website), ""),
             "contact_email": next((each.contact_email for each in county.counties if each.contact_email), "")}]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("businesses.csv", _csv(BUSINESS_COLUMNS, businesses))
        archive.writestr("inspections.csv", _csv(INSPECTION_COLUMNS, inspections))
        archive.writestr("violations.csv", _csv(VIOLATION_COLUMNS, violations))
        archive.writestr("feed_info.csv", _csv(FEED_COLUMNS, feed))
    return buffer.getvalue()


@blp.route("/lives.zip")
class LivesFeed(MethodView):
    """The inspection results in the LIVES layout."""

    @public
    @blp.response(200, content_type="application/zip", description="businesses.csv, inspections.csv, "
                  "violations.csv and feed_info.csv (UTF-8).")
    def get(self):
        """Registered institutions inspected, each visit and what it found; never a private person or a home."""
        response = make_response(lives_zip())
        response.headers["Content-Type"] = "application/zip"
        response.headers["Content-Disposition"] = 'attachment; filename="lives.zip"'
        return response


def register(api, app) -> None:
    """Mount the open data."""
    api.register_blueprint(blp)
