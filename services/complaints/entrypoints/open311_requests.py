"""Open311 GeoReport v2 requests: file one (form or JSON), follow it by token, list and read them."""

from __future__ import annotations

import datetime as dt
import hmac
from collections.abc import Mapping

from flask import current_app
from flask.views import MethodView
from flask_babel import lazy_gettext as _l

from services.complaints.domain import Channel
from services.complaints.domain.clue import Status
from services.complaints.entrypoints import open311_docs as docs
from services.complaints.entrypoints.open311 import DEPARTMENT_NAMES, SERVICE_NAMES, blp
from services.complaints.entrypoints.open311_format import FORMATS, documented, format_of, render
from services.complaints.entrypoints.open311_schemas import RequestIn, RequestListArgs
from services.complaints.service_layer import intake
from shared.auth import public
from shared.clock import current_clock
from shared.county import county_config
from shared.db import request_session, request_uow
from shared.refusals import N_, Forbidden

VAULT = "complaints.vault"
API_KEYS = "complaints.api_keys"

STATUS_NOTES = {
    Status.SUBMITTED: _l("Received; waiting for the complaints desk to register it."),
    Status.RECEIVED: _l("Registered by the complaints desk."),
    Status.TRIAGED: _l("Being handled by the complaints desk."),
    Status.REFERRED: _l("Referred to the responsible department for inspection."),
    Status.ANSWERED: _l("Answered."),
    Status.CLOSED: _l("Closed."),
}
# what the reporter reads of an answer the desk wrote no note for (an inspection's result)
OUTCOME_NOTES = {
    "substantiated": _l("Inspected: the complaint was substantiated and the violation is being dealt with."),
    "partly_substantiated": _l("Inspected: the complaint was partly substantiated; rectification was ordered."),
    "unsubstantiated": _l("Inspected: no violation was found."),
    "withdrawn": _l("The complaint was withdrawn."),
    "transferred": _l("The complaint was transferred to the competent authority."),
}
# one schema for every intake: given a class, webargs builds a new schema (deep-copying its fields) per request
INTAKE_SCHEMA = RequestIn()
SERVICE_NOTICE = _l("Keep this token: it is how you follow your complaint. Your name and contact details are "
                    "seen only by the complaints desk.")


def channel_of(api_key: str | None, keys: Mapping[str, Channel]) -> Channel:
    """The channel an api_key names; none is the public web form; an unknown key is refused."""
    if api_key is None:
        return Channel.WEB_FORM
    for known, channel in keys.items():
        if hmac.compare_digest(known.encode(), api_key.encode()):
            return channel
    raise Forbidden(N_("This api_key is not known."), code="api_key.unknown")


def public_record(row: Mapping) -> dict:
    """A request as Open311 shows it to anyone: no reporter, phone and ID numbers masked."""
    status = Status(row["status"])
    department = row["department"]
    return {
        "service_request_id": row["id"],
        "status": "closed" if status is Status.CLOSED else "open",
        "status_notes": row["status_note"] or str(OUTCOME_NOTES.get(row["outcome"]) or STATUS_NOTES[status]),
        "service_name": str(SERVICE_NAMES[row["category"]]),
        "service_code": row["category"],
        "description": row["description_public"],
        "agency_responsible": str(DEPARTMENT_NAMES[department]) if department else None,
        "service_notice": None,
        "requested_datetime": row["received_at"],
        "updated_datetime": row["updated_at"],
        "expected_datetime": (dt.datetime.combine(row["due_on"], dt.time(23, 59, 59), tzinfo=dt.UTC)
                              if row["due_on"] else None),
        "address": row["address"],
        "lat": row["lat"],
        "long": row["long"],
        "media_url": row["media_url"],
    }


@blp.route(f"/requests.<{FORMATS}:fmt>")
class Requests(MethodView):
    """Service requests: complaints from the public and from integrated channels."""

    @public
    @blp.arguments(INTAKE_SCHEMA, location="json_or_form")
    @blp.doc(responses=documented(201, "The token to follow the request by, and a notice.", docs.FILED),
             requestBody={"content": {"application/x-www-form-urlencoded": {"schema": RequestIn}}})
    def post(self, request_in, fmt):
        """File a complaint; the answer carries the reporter's token (kept only as a digest)."""
        fmt = format_of(fmt)
        channel = channel_of(request_in.get("api_key"), current_app.extensions[API_KEYS])
        towns = [town.name for county in county_config().counties for town in county.towns]
        _clue_id, token = intake.file_report(request_uow(), current_app.extensions[VAULT],
                                             at=current_clock().now(), channel=channel, towns=towns,
                                             request=request_in)
        return render(fmt, "service_requests", "request",
                      [{"token": token, "service_notice": str(SERVICE_NOTICE), "account_id": None}], 201)

    @public
    @blp.arguments(RequestListArgs, location="query")
    @blp.doc(responses=documented(200, "Requests, newest first (at most 1,000).", docs.REQUESTS))
    def get(self, args, fmt):
        """List requests by id, or by category, status and a window of at most 90 days (the last 90 by default)."""
        fmt = format_of(fmt)
        end = args.get("end_date")
        start = args.get("start_date")
        if end is None:
            end = start + dt.timedelta(days=intake.WINDOW_DAYS) if start else current_clock().now()
        start = start or end - dt.timedelta(days=intake.WINDOW_DAYS)
        ids = args["service_request_id"].split(",") if args.get("service_request_id") else None
        rows = intake.public_requests(request_session(), ids=ids, category=args.get("service_code"),
                                      status=args.get("status"), start=start, end=end)
        return render(fmt, "service_requests", "request", [public_record(row) for row in rows])


@blp.route(f"/requests/<string(maxlength=26):service_request_id>.<{FORMATS}:fmt>")
class OneRequest(MethodView):
    """One service request."""

    @public
    @blp.doc(responses=documented(200, "The request, as a list of one.", docs.REQUESTS))
    def get(self, service_request_id, fmt):
        """A request's status, the desk's notes, the agency responsible and the expected date."""
        fmt = format_of(fmt)
        row = intake.public_request(request_session(), service_request_id)
        return render(fmt, "service_requests", "request", [public_record(row)])


@blp.route(f"/tokens/<string(maxlength=200):token>.<{FORMATS}:fmt>")
class Token(MethodView):
    """The request a reporter's token follows."""

    @public
    @blp.doc(responses=documented(200, "The request id, as a list of one.", docs.TOKEN))
    def get(self, token, fmt):
        """The service_request_id of the request filed with this token; a forged token is 404."""
        fmt = format_of(fmt)
        clue_id = intake.request_id_of(request_session(), token)
        return render(fmt, "service_requests", "request", [{"service_request_id": clue_id, "token": token}])
