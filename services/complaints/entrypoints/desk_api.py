"""The desk's API (`desk`): record complaints, register public reports, list clues, read one's reporter."""

from __future__ import annotations

import marshmallow as ma
from flask import current_app, url_for
from flask.views import MethodView
from flask_babel import lazy_gettext as _l
from marshmallow import validate

from services.complaints.domain import Category, Channel
from services.complaints.domain.clue import DESCRIPTION_MAX, DESK_CHANNELS, Status
from services.complaints.entrypoints.open311_requests import VAULT
from services.complaints.entrypoints.open311_schemas import local_time, text
from services.complaints.service_layer import desk
from shared.api import Blueprint
from shared.auth import current_principal, requires
from shared.clock import current_clock
from shared.county import county_config
from shared.db import request_session, request_uow
from shared.pagination import PageArgs, paginate

blp = Blueprint("clues", __name__, url_prefix="/v1/clues",
                description="The desk's clues: recorded, registered, listed; reporters shown to the desk only")

_CATEGORIES = [c.value for c in Category]


class ReporterIn(ma.Schema):
    """Who complained, if they said (shown to the desk only, sealed at rest)."""

    first_name = text(100)
    last_name = text(100)
    phone = ma.fields.String(validate=validate.Regexp(r"^\+?[0-9][0-9 ()-]{4,28}$",
                                                      error=_l("Not a valid phone number.")))
    email = ma.fields.Email(validate=validate.Length(max=254))
    notify = ma.fields.Boolean(metadata={"description": "Consented to be told of the answer by email or SMS."})


class ClueIn(ma.Schema):
    """A complaint the desk took by phone, letter or in person."""

    channel = ma.fields.String(required=True, validate=validate.OneOf([c.value for c in DESK_CHANNELS]))
    category = ma.fields.String(required=True, validate=validate.OneOf(_CATEGORIES))
    description = ma.fields.String(required=True, validate=validate.Length(min=1, max=DESCRIPTION_MAX))
    received_at = ma.fields.DateTime(metadata={"description": "When it was received (past allowed, never "
                                                              "ahead; no offset: Asia/Shanghai). Default: now."})
    external_ref = text(100, metadata={"description": "A reference from a paper register or another system; "
                                                      "a second import with it changes nothing."})
    address = text(500)
    town = text(100, metadata={"description": "The town; else the one the address names."})
    reporter = ma.fields.Nested(ReporterIn)

    @ma.post_load
    def _local_time(self, data, **_):
        data["received_at"] = local_time(data.get("received_at"))
        return data


class RegisterIn(ma.Schema):
    """What the desk settles when it registers a public report."""

    town = text(100, metadata={"description": "The town, when the report's address names none."})
    category = ma.fields.String(validate=validate.OneOf(_CATEGORIES))
    external_ref = text(100, metadata={"description": "The desk's own register number (or another system's "
                                                      "reference) for the report: the list finds it by it; "
                                                      "one clue per reference (409 otherwise)."})


class ReporterOut(ma.Schema):
    """The reporter's details."""

    first_name = ma.fields.String(allow_none=True)
    last_name = ma.fields.String(allow_none=True)
    phone = ma.fields.String(allow_none=True)
    email = ma.fields.String(allow_none=True)
    notify = ma.fields.Boolean(allow_none=True)


class ClueOut(ma.Schema):
    """A clue as the desk sees it in a list."""

    id = ma.fields.String(required=True)
    status = ma.fields.String(required=True)
    category = ma.fields.String(required=True)
    channel = ma.fields.String(required=True)
    description = ma.fields.String(required=True, metadata={"description": "Phone and ID numbers masked in "
                                                                           "lists; in full on the clue."})
    address = ma.fields.String(allow_none=True)
    lat = ma.fields.Float(allow_none=True)
    long = ma.fields.Float(allow_none=True)
    town = ma.fields.String(allow_none=True)
    media_url = ma.fields.String(allow_none=True, metadata={
        "description": "The photo or video the reporter linked, as given: a reference, never fetched."})
    attributes = ma.fields.Dict(keys=ma.fields.String(), metadata={
        "description": "What the reporter told of the service's attributes: the institution's name and address "
                       "as they wrote them, the class time seen, grade, amount charged."})
    institution_id = ma.fields.String(allow_none=True)
    department = ma.fields.String(allow_none=True)
    due_on = ma.fields.Date(allow_none=True)
    due_provisional = ma.fields.Boolean(required=True, metadata={
        "description": "The deadline counts Monday to Friday: the official calendar does not know that year."})
    external_ref = ma.fields.String(allow_none=True)
    correlation_id = ma.fields.String(allow_none=True)
    received_at = ma.fields.DateTime(required=True)
    recorded_at = ma.fields.DateTime(required=True)
    updated_at = ma.fields.DateTime(required=True)
    priority = ma.fields.String(allow_none=True)
    duplicate_of = ma.fields.String(allow_none=True, metadata={"description": "The earliest clue this repeats."})
    outcome = ma.fields.String(allow_none=True)
    status_note = ma.fields.String(allow_none=True, metadata={"description": "What the reporter reads."})
    triaged_at = ma.fields.DateTime(allow_none=True)
    referred_at = ma.fields.DateTime(allow_none=True)
    answered_at = ma.fields.DateTime(allow_none=True)
    closed_at = ma.fields.DateTime(allow_none=True)
    overdue_at = ma.fields.DateTime(allow_none=True, metadata={"description": "When its lateness was published."})
    satisfied = ma.fields.Boolean(allow_none=True, metadata={"description": "The reporter's rating."})
    rating_note = ma.fields.String(allow_none=True)


class StepOut(ma.Schema):
    """One step of a clue's handling."""

    action = ma.fields.String(required=True, metadata={"description": "triaged, referred, answered or closed."})
    at = ma.fields.DateTime(required=True)
    by = ma.fields.String(allow_none=True, metadata={
        "description": "Who took it (the token's subject); null when an inspection's result answered the clue."})
    reason = ma.fields.String(allow_none=True, metadata={"description": "Why it was referred."})


class ClueDetailOut(ClueOut):
    """A clue with its reporter (reading it is remembered: who, when, which clue) and its history."""

    reporter = ma.fields.Nested(ReporterOut, allow_none=True)
    history = ma.fields.List(ma.fields.Nested(StepOut), required=True, metadata={
        "description": "Each step of its handling, oldest first."})


class RecordedOut(ma.Schema):
    """The clue recorded, and the token to give the reporter (null when the import was already there)."""

    id = ma.fields.String(required=True)
    token = ma.fields.String(allow_none=True)


class ClueListArgs(PageArgs):
    """Filters of the desk's list."""

    status = ma.fields.String(validate=validate.OneOf([s.value for s in Status]))
    category = ma.fields.String(validate=validate.OneOf(_CATEGORIES))
    channel = ma.fields.String(validate=validate.OneOf([c.value for c in Channel]))
    town = text(100)
    external_ref = text(100, metadata={"description": "The clue recorded or registered under this reference."})


def _towns() -> list[str]:
    return [town.name for county in county_config().counties for town in county.towns]


@blp.route("")
class Clues(MethodView):
    """The desk's clues."""

    @requires("desk")
    @blp.arguments(ClueListArgs, location="query")
    @blp.response(200, paginate(ClueOut))
    def get(self, args):
        """List clues, newest received first; a town officer sees their own town's only."""
        filters = {key: args.get(key) for key in ("status", "category", "channel", "town", "external_ref")}
        filters["town"] = current_principal().town or filters["town"]
        items, total = desk.clues_for_desk(request_session(), filters=filters, page=args["page"],
                                           page_size=args["page_size"])
        return {"items": items, "total": total, "page": args["page"], "page_size": args["page_size"]}

    @requires("desk")
    @blp.arguments(ClueIn)
    @blp.response(201, RecordedOut, headers={"Location": {"description": "The clue", "schema": {"type": "string"}}})
    @blp.alt_response(200, schema=RecordedOut, description="Imported before under this external_ref: unchanged.")
    def post(self, data):
        """Record a hotline, mailbox or walk-in complaint; it is registered at once (`complaints.clue.received`)."""
        clue_id, token = desk.record(request_uow(), current_app.extensions[VAULT], data=data,
                                     now=current_clock().now(), calendar=county_config().calendar, towns=_towns())
        status = 201 if token else 200
        return {"id": clue_id, "token": token}, status, {"Location": url_for("clues.Clue", clue_id=clue_id)}


@blp.route("/<string(maxlength=26):clue_id>")
class Clue(MethodView):
    """One clue."""

    @requires("desk")
    @blp.response(200, ClueDetailOut)
    def get(self, clue_id):
        """The clue with its full description and reporter; this reading is remembered."""
        principal = current_principal()
        return desk.clue_for_desk(request_uow(), current_app.extensions[VAULT], clue_id, viewer=principal.sub,
                                  now=current_clock().now(), town_claim=principal.town)


@blp.route("/<string(maxlength=26):clue_id>/register")
class Registration(MethodView):
    """Registering a public report as a clue."""

    @requires("desk")
    @blp.arguments(RegisterIn)
    @blp.response(200, ClueOut)
    def post(self, data, clue_id):
        """Place a public report in a town and give it its deadline (`complaints.clue.received`)."""
        desk.register(request_uow(), clue_id, town=data.get("town"), category=data.get("category"),
                      now=current_clock().now(), calendar=county_config().calendar, towns=_towns(),
                      town_claim=current_principal().town, external_ref=data.get("external_ref"))
        items, _total = desk.clues_for_desk(request_session(), filters={"id": clue_id}, page=1, page_size=1)
        return items[0]


VIOLATIONS = {
    "town_required": _l("Name the town: the address names none."),
    "town_unknown": _l("%(town)s is not a town of this county."),
    "town_outside_claim": _l("%(town)s is outside your town."),
    "reason_required": _l("Say why the clue is referred."),
    "received_at_in_future": _l("A complaint cannot be received after now (%(now)s)."),
    "handled_at_in_future": _l("A clue cannot be handled after now (%(now)s)."),
    "handled_before_previous_step": _l("This is before the clue's previous step (%(previous)s)."),
    "transition.illegal": _l("A clue that is %(state)s cannot be %(action)s."),
}


def render_violation(violation, gettext) -> str:
    """The sentence a person reads for one of complaints' violations."""
    text = VIOLATIONS.get(violation.code)
    if text is None:
        return gettext(violation.code)
    try:
        return str(text) % dict(violation.params)
    except (KeyError, TypeError, ValueError):
        return str(text)
