"""The public disclosure board as JSON (no login): licensed institutions and what they filed, and the banned."""

from __future__ import annotations

import marshmallow as ma
from flask import current_app, request
from flask.views import MethodView
from marshmallow import validate

from services.registry.entrypoints.filings_api import FilingContentOut
from services.registry.service_layer import board
from shared.api import Blueprint
from shared.auth import public
from shared.db import request_session
from shared.errors import NotFound
from shared.pagination import PageArgs, paginate

blp = Blueprint("board", __name__, url_prefix="/v1/public",
                description="The public disclosure board: no token needed")

_SEARCH_TEXT = validate.Length(max=100)
_CONDITIONAL = {
    "parameters": [{"name": "If-None-Match", "in": "header", "required": False, "schema": {"type": "string"},
                    "description": "An ETag from an earlier answer: 304 when nothing changed."}],
    "responses": {"304": {"description": "Not modified since the ETag sent in If-None-Match"}},
}
_ETAG = {"ETag": {"description": "Changes whenever the answer does", "schema": {"type": "string"}}}


class BoardSearchArgs(PageArgs):
    """Search the board: part of the institution's name, a subject taught, a town (all optional)."""

    q = ma.fields.String(validate=_SEARCH_TEXT, metadata={"description": "Part of the institution's name."})
    subject = ma.fields.String(validate=_SEARCH_TEXT, metadata={"description": "A subject taught, as filed."})
    town = ma.fields.String(validate=_SEARCH_TEXT, metadata={"description": "The town, exactly."})


class BoardItemOut(ma.Schema):
    """A licensed institution on the board, with a summary of its current filing."""

    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    town = ma.fields.String(required=True)
    address = ma.fields.String(required=True)
    category = ma.fields.String(required=True, validate=validate.OneOf(["discipline", "non_discipline"]))
    filing_id = ma.fields.Integer(required=True)
    filed_at = ma.fields.AwareDateTime(required=True)
    subjects = ma.fields.List(ma.fields.String(), required=True)
    teacher_count = ma.fields.Integer(required=True)
    max_price_per_hour_fen = ma.fields.Integer(allow_none=True, required=True)
    modes = ma.fields.List(ma.fields.String(), required=True)


class PublicLicenceOut(ma.Schema):
    """The institution's licence: the school-running licence and its registration certificate or business licence."""

    school_number = ma.fields.String(required=True)
    school_valid_until = ma.fields.Date(required=True)
    registration_kind = ma.fields.String(required=True)
    registration_number = ma.fields.String(required=True)
    registration_valid_until = ma.fields.Date(required=True)


class BoardEntryOut(ma.Schema):
    """A licensed institution as the public sees it: who it is, its licence, and everything it filed."""

    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    credit_code = ma.fields.String(required=True)
    town = ma.fields.String(required=True)
    address = ma.fields.String(required=True)
    category = ma.fields.String(required=True)
    subject_group = ma.fields.String(required=True)
    legal_representative = ma.fields.String(allow_none=True, required=True, metadata={
        "description": "The legal representative (法定代表人) as registered, printed on the licence; null when "
                       "none was recorded."})
    licence = ma.fields.Nested(PublicLicenceOut, allow_none=True, required=True)
    last_inspected_on = ma.fields.Date(allow_none=True, metadata={"description": "The day of its last inspection, "
                                                                                 "as inspection reported it."})
    filing = ma.fields.Nested(FilingContentOut, required=True)


class BannedOut(ma.Schema):
    """A banned institution: the public must not sign up with it."""

    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    credit_code = ma.fields.String(required=True)
    town = ma.fields.String(required=True)
    address = ma.fields.String(required=True)
    banned_on = ma.fields.Date(required=True)
    reason = ma.fields.String(allow_none=True, required=True)


def search_query(args) -> board.BoardQuery:
    """The board query for the parsed arguments (blank text means no filter)."""
    return board.BoardQuery(name=(args.get("q") or "").strip() or None,
                            subject=(args.get("subject") or "").strip() or None,
                            town=(args.get("town") or "").strip() or None,
                            page=args["page"], page_size=args["page_size"])


@blp.route("/institutions")
class BoardList(MethodView):
    """The board's list."""

    @public
    @blp.arguments(BoardSearchArgs(), location="query")  # an instance: webargs builds a class anew per request
    @blp.response(200, paginate(BoardItemOut), headers=_ETAG)
    @blp.doc(**_CONDITIONAL)
    def get(self, args):
        """Licensed institutions and what they filed; search by name, subject and town."""
        items, total = board.search(current_app.extensions["offcampus.db"].engine, search_query(args))
        for item in items:
            item["filed_at"] = item["filed_at"].isoformat()
        # the board's hottest answer skips a schema dump of what the board built field by field already;
        # the contract test holds it to the documented schema
        body = {"items": items, "total": total, "page": args["page"], "page_size": args["page_size"]}
        return current_app.response_class(current_app.json.dumps(body), mimetype="application/json")


@blp.route("/institutions/<pk:institution_id>")
class BoardEntry(MethodView):
    """One institution on the board."""

    @public
    @blp.response(200, BoardEntryOut, headers=_ETAG)
    @blp.doc(**_CONDITIONAL)
    def get(self, institution_id: int):
        """A licensed institution with its licence, courses, teachers, fees and training times."""
        found = board.entry(request_session(), institution_id)
        if found is None:
            raise NotFound(f"institution {institution_id} is not on the board", code="board.not_listed")
        return found


@blp.route("/banned")
class Banned(MethodView):
    """The black list."""

    @public
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, paginate(BannedOut), headers=_ETAG)
    @blp.doc(**_CONDITIONAL)
    def get(self, args):
        """Banned institutions with the reason and the date, most recent first."""
        items, total = board.banned(request_session(), page=args["page"], page_size=args["page_size"])
        return {"items": items, "total": total, "page": args["page"], "page_size": args["page_size"]}


@blp.after_request
def conditional(response):
    """Tag a successful public answer with an ETag of its body; answer 304 when the client already has it."""
    if request.method in ("GET", "HEAD") and response.status_code == 200:
        response.add_etag()
        response.headers["Cache-Control"] = "public, no-cache"  # keep it, but ask again: bans show at once
        response.make_conditional(request)
    return response


def register(api, app) -> None:
    """Mount the board's JSON API."""
    api.register_blueprint(blp)
