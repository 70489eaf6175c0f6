"""The audit trail for admins: a paginated list (`GET /v1/audit`) and a CSV export (`GET /v1/audit.csv`)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta, timezone

import marshmallow as ma
from flask import Response, current_app, request
from flask.views import MethodView
from flask_babel import lazy_gettext as _l
from marshmallow import validate

from shared.api import Blueprint
from shared.audit import FIELDS, audit_page, audit_query, audit_rows, audit_table
from shared.auth import requires
from shared.pagination import PageArgs, paginate

blp = Blueprint("audit", __name__, url_prefix="/v1", description="The audit trail of writes to this service")

CSV_MIME = "text/csv"
_SHANGHAI = timezone(timedelta(hours=8))  # China keeps no daylight saving time
# a time a person can mean; outside it, converting to UTC could overflow
_TIME_RANGE = validate.Range(min=datetime(1970, 1, 1, tzinfo=UTC), max=datetime(9000, 1, 1, tzinfo=UTC))
# a cell Excel would read as a formula is written as text (OWASP's advice against CSV injection)
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

HEADINGS = {
    "id": _l("Record"), "at": _l("Time"), "sub": _l("User"), "dept": _l("Department"), "roles": _l("Roles"),
    "town": _l("Town"), "method": _l("Method"), "path": _l("Path"), "endpoint": _l("Endpoint"),
    "status": _l("Status"), "resource_id": _l("Resource"), "correlation_id": _l("Correlation id"),
    "request_id": _l("Request id"),
}


class AuditArgs(ma.Schema):
    """Filters of the audit trail; times without an offset are Beijing time."""

    sub = ma.fields.String(validate=validate.Length(min=1, max=200), metadata={"description": "Who (`sub`)."})
    since = ma.fields.AwareDateTime(default_timezone=_SHANGHAI, validate=_TIME_RANGE,
                                    metadata={"description": "Records at or after this time."})
    until = ma.fields.AwareDateTime(default_timezone=_SHANGHAI, validate=_TIME_RANGE,
                                    metadata={"description": "Records before this time."})
    path = ma.fields.String(validate=validate.Length(min=1, max=500),
                            metadata={"description": "Records whose path starts with this, e.g. `/v1/institutions`."})


class AuditPageArgs(PageArgs, AuditArgs):
    """Filters and page of the audit trail."""


class AuditRecordOut(ma.Schema):
    """One write tried through the API, and what came of it."""

    id = ma.fields.Integer(required=True)
    at = ma.fields.AwareDateTime(required=True)
    sub = ma.fields.String(allow_none=True, metadata={"description": "Null for a caller without a valid token."})
    dept = ma.fields.String(allow_none=True)
    roles = ma.fields.List(ma.fields.String(), required=True, metadata={"description": "Roles held."})
    town = ma.fields.String(allow_none=True)
    method = ma.fields.String(required=True)
    path = ma.fields.String(required=True)
    endpoint = ma.fields.String(required=True)
    status = ma.fields.Integer(required=True, metadata={"description": "The answer's status: 4xx is refused."})
    resource_id = ma.fields.String(allow_none=True)
    correlation_id = ma.fields.String(allow_none=True)
    request_id = ma.fields.String(allow_none=True)


def _filtered(args: dict):
    table = audit_table(current_app.extensions["offcampus.spec"].metadata)
    return audit_query(table, sub=args.get("sub"), since=args.get("since"), until=args.get("until"),
                       path=args.get("path"))


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(_SHANGHAI).isoformat()
    if isinstance(value, list):
        value = " ".join(value)
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def csv_lines(headings: Iterable[str], rows: Iterable[dict]) -> Iterator[str]:
    """The CSV text, a line at a time: a BOM first, so Excel reads it as UTF-8 (Chinese included)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headings)
    yield "\ufeff" + buffer.getvalue()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([_cell(row[name]) for name in FIELDS])
        yield buffer.getvalue()


def csv_response(args: dict) -> Response:
    """Every matching record as streamed CSV, newest first."""
    query = _filtered(args)
    database = current_app.extensions["offcampus.db"]
    headings = [str(HEADINGS[name]) for name in FIELDS]  # translated now: the stream runs after the request
    service = current_app.extensions["offcampus.spec"].name
    response = Response(csv_lines(headings, audit_rows(database, query)), mimetype=CSV_MIME)
    response.headers["Content-Disposition"] = f'attachment; filename="{service}-audit.csv"'
    return response


_CSV_DOC = {"200": {"description": "Every matching record, newest first (UTF-8 with BOM).",
                    "content": {CSV_MIME: {"schema": {"type": "string"}}}}}


@blp.route("/audit")
class AuditTrail(MethodView):
    """The audit trail, newest first; `Accept: text/csv` exports every matching record instead of a page."""

    @requires("admin")
    @blp.arguments(AuditPageArgs, location="query")
    @blp.response(200, paginate(AuditRecordOut))
    def get(self, args):
        """List the writes tried through this service's API (`Accept: text/csv`: export them, as `/v1/audit.csv`)."""
        if request.accept_mimetypes.best_match(["application/json", CSV_MIME]) == CSV_MIME:
            return csv_response(args)
        query = _filtered(args)
        items, total = audit_page(current_app.extensions["offcampus.db"], query, args["page"], args["page_size"])
        return {"items": items, "total": total, "page": args["page"], "page_size": args["page_size"]}


@blp.route("/audit.csv")
class AuditExport(MethodView):
    """The audit trail as CSV, for a spreadsheet."""

    @requires("admin")
    @blp.arguments(AuditArgs, location="query")
    @blp.doc(responses=_CSV_DOC)
    def get(self, args):
        """Export every matching record as CSV (UTF-8 with BOM), newest first."""
        return csv_response(args)
