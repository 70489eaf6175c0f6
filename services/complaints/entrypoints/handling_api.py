"""The desk handling a clue (suggestions, triage, referral, answer, closing) and the reporter's rating."""

from __future__ import annotations

import marshmallow as ma
from flask import current_app
from flask.views import MethodView
from marshmallow import validate

from services.complaints.adapters import clue_rows
from services.complaints.domain.clue import OUTCOMES, PRIORITIES, REASON_MAX
from services.complaints.entrypoints.desk_api import ClueOut, blp
from services.complaints.entrypoints.open311_schemas import local_time, text
from services.complaints.service_layer import desk, handling, intake
from shared.api import Blueprint
from shared.auth import current_principal, public, requires
from shared.clock import current_clock
from shared.db import request_session, request_uow
from shared.events.vocabulary import CLUE_CATEGORIES, DEPARTMENTS
from shared.refusals import N_, NotFound

KNOWN_NAMES = "complaints.known_names"  # this process's indexed copy of the names (service_layer.names)
_NOTE_MAX = 2000


class SuggestionArgs(ma.Schema):
    """What the reporter wrote of the institution (its name, a short name, a street)."""

    q = text(200, required=True)
    limit = ma.fields.Integer(load_default=3, validate=validate.Range(min=1, max=20))


class SuggestionOut(ma.Schema):
    """An institution that may be the one meant."""

    institution_id = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    score = ma.fields.Float(required=True, metadata={"description": "0 to 100."})


def _happened_at(what: str) -> ma.fields.DateTime:
    return ma.fields.DateTime(metadata={"description": f"When it was {what}: past allowed for a paper record, "
                                                       "never ahead nor before the clue's previous step; no offset "
                                                       "means Asia/Shanghai. Default: now."})


class _Dated(ma.Schema):
    """An action that may have happened before it is recorded (a paper register entered late)."""

    @ma.post_load
    def _local_times(self, data, **_):
        return {key: local_time(value) if key.endswith("_at") else value for key, value in data.items()}


class TriageIn(_Dated):
    """What the desk settles at triage."""

    category = ma.fields.String(required=True, validate=validate.OneOf(CLUE_CATEGORIES))
    institution_id = ma.fields.String(allow_none=True, load_default=None, validate=validate.Length(min=1, max=64))
    department = ma.fields.String(validate=validate.OneOf(DEPARTMENTS), metadata={
        "description": "Default by category: fees and refunds market_regulation, safety fire, else education."})
    triaged_at = _happened_at("triaged")


class TriageOut(ClueOut):
    """The clue after triage, and the earlier clues it repeats (same institution and category, in the window)."""

    duplicates = ma.fields.List(ma.fields.String(), required=True)


class ReferIn(_Dated):
    """The referral for inspection."""

    priority = ma.fields.String(load_default="normal", validate=validate.OneOf(PRIORITIES))
    reason = text(REASON_MAX, required=True, metadata={
        "description": "Why the clue goes to inspection, in the desk's words; kept in the clue's history."})
    place = text(300, metadata={"description": "Where to inspect (a place, never a person); default the address."})
    department = ma.fields.String(validate=validate.OneOf(DEPARTMENTS))
    referred_at = _happened_at("referred")


class AnswerIn(_Dated):
    """The desk's own answer to the reporter."""

    outcome = ma.fields.String(allow_none=True, load_default=None, validate=validate.OneOf(OUTCOMES))
    note = text(_NOTE_MAX, required=True, metadata={"description": "What the reporter reads."})
    answered_at = _happened_at("answered")


class CloseIn(_Dated):
    """Closing a clue."""

    outcome = ma.fields.String(required=True, validate=validate.OneOf(OUTCOMES))
    note = text(_NOTE_MAX, required=True, metadata={"description": "What the reporter reads."})
    closed_at = _happened_at("closed")


class RatingIn(ma.Schema):
    """The reporter's rating of the answer."""

    satisfied = ma.fields.Boolean(required=True)
    note = ma.fields.String(validate=validate.Length(max=_NOTE_MAX))


def _claim() -> str | None:
    return current_principal().town


def _shown(clue_id: str, **extra) -> dict:
    [row], _total = desk.clues_for_desk(request_session(), filters={"id": clue_id}, page=1, page_size=1)
    return {**row, **extra}


@blp.route("/<string(maxlength=26):clue_id>/suggestions")
class Suggestions(MethodView):
    """Institutions the reporter may mean, ranked (names and addresses known from the registry's events)."""

    @requires("desk")
    @blp.arguments(SuggestionArgs, location="query")
    @blp.response(200, SuggestionOut(many=True))
    def get(self, args, clue_id):
        """The best matches of what the reporter wrote, among every institution the registry told of."""
        return handling.suggestions(request_session(), current_app.extensions[KNOWN_NAMES], clue_id, args["q"],
                                    limit=args["limit"])


class ReporterViewOut(ma.Schema):
    """One reading of a clue's reporter."""

    viewer = ma.fields.String(required=True, metadata={"description": "The token's subject."})
    viewed_at = ma.fields.DateTime(required=True)


@blp.route("/<string(maxlength=26):clue_id>/reporter-views")
class ReporterViews(MethodView):
    """Who read the reporter's details, and when."""

    @requires("desk", "admin")
    @blp.response(200, ReporterViewOut(many=True))
    def get(self, clue_id):
        """Every reading of the clue's reporter, oldest first (reading this list is not one)."""
        if clue_rows.public_row(request_session(), clue_id) is None:
            raise NotFound(N_("There is no clue %(clue_id)s."), code="clue.not_found", clue_id=clue_id)
        return clue_rows.reporter_views_of(request_session(), clue_id)


def _action(path: str, schema: type[ma.Schema], out: type[ma.Schema], use_case, doc: str):
    """One POST action on a clue, run by the desk."""

    @requires("desk")
    @blp.arguments(schema)
    @blp.response(200, out)
    def post(self, data, clue_id):
        extra = use_case(request_uow(), clue_id, now=current_clock().now(), town_claim=_claim(),
                         by=current_principal().sub, **data) or {}
        return _shown(clue_id, **extra)

    post.__doc__ = doc
    view = type(f"{path.title()}Action", (MethodView,), {"post": post, "__doc__": doc})
    blp.route(f"/<string(maxlength=26):clue_id>/{path}")(view)


_action("triage", TriageIn, TriageOut, handling.triage,
        "Settle category, institution and department; earlier clues it repeats are linked.")
_action("refer", ReferIn, ClueOut, handling.refer, "Refer the clue for inspection (`complaints.clue.referred`).")
_action("answer", AnswerIn, ClueOut, handling.answer, "Answer the reporter (`complaints.clue.answered`).")
_action("close", CloseIn, ClueOut, handling.close,
        "Close the clue with its outcome and a note the reporter reads (`complaints.clue.closed`).")


ratings = Blueprint("ratings", __name__, url_prefix="/v1/ratings",
                    description="The reporter's rating of the answer, by the token they were given (public)")


@ratings.route("/<string(maxlength=200):token>")
class Rating(MethodView):
    """The reporter's rating."""

    @public
    @ratings.arguments(RatingIn)
    @ratings.response(204)
    def post(self, data, token):
        """Rate the answer: satisfied or not, with a note for the desk (`complaints.clue.rated`, no note)."""
        clue_id = intake.request_id_of(request_session(), token)
        handling.rate(request_uow(), clue_id, satisfied=data["satisfied"], note=data.get("note"),
                      now=current_clock().now())
        return None
