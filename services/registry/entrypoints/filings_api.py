"""Filings over HTTP: a clerk files for a licensed institution; every broken rule comes back in one answer."""

from __future__ import annotations

import math
import re
from decimal import Decimal

import marshmallow as ma
from flask import url_for
from flask.views import MethodView
from flask_babel import gettext
from marshmallow import validate

from services.registry.domain import Violation, render_all
from services.registry.entrypoints.api import within_the_readers_town
from services.registry.service_layer import filings
from shared.api import Blueprint
from shared.app import ProblemSchema
from shared.auth import current_principal, requires
from shared.clock import current_clock
from shared.db import request_session, request_uow
from shared.errors import PROBLEM_MIME
from shared.pagination import PageArgs, paginate

blp = Blueprint("filings", __name__, url_prefix="/v1/institutions",
                description="What a licensed institution files for the public board, checked against every rule")
# the same town boundary as the institution itself (a town officer reads only their town's filings)
blp.before_request(within_the_readers_town)

READERS = ("clerk", "admin", "integrator", "supervisor", "inspector")
# one line of text: no control characters (subjects are stored one a line), something besides spaces. Spelled
# without a lookahead (leading spaces, the first other character, the rest): the same strings, and ones a
# generator can write, so the contract test sends valid courses and teachers (with `(?=.*\S)` Hypothesis found
# none, and schemathesis spent most of the registry's contract test finding that out at each length bound)
_LINE = validate.Regexp(r"^[^\S\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x1f\x7f]*$", error="Invalid value.")
_CLOCK = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$")
_LARGEST = 10**15  # fen: far above any fee, still exact in a JSON number and a bigint


class Amount(ma.fields.Number):
    """A JSON number kept as sent (whole or not, negative or not), so the rules can name what is wrong with it."""

    num_type = Decimal

    def _validated(self, value):
        if value is True or value is False or not isinstance(value, int | float):
            raise self.make_error("invalid", input=value)
        if isinstance(value, float):
            if not math.isfinite(value):
                raise self.make_error("invalid", input=value)
            value = int(value) if value.is_integer() else Decimal(repr(value))
        if abs(value) > _LARGEST:
            raise self.make_error("too_large", input=value)
        return value


class ClockTime(ma.fields.Time):
    """A local time of day, `HH:MM` or `HH:MM:SS`, without an offset (the county's own clock)."""

    def __init__(self, **kwargs):
        super().__init__(metadata={"pattern": _CLOCK.pattern, "example": "16:30"}, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not _CLOCK.match(value):
            raise self.make_error("invalid", input=value, obj_type="time")
        return super()._deserialize(value, attr, data, **kwargs)


class CourseIn(ma.Schema):
    """A course: subject, grade band (the county's codes, e.g. `primary`) and teaching materials."""

    subject = ma.fields.String(required=True, validate=[validate.Length(min=1, max=100), _LINE])
    grade_band = ma.fields.String(required=True, validate=validate.Length(min=1, max=50))
    materials = ma.fields.List(ma.fields.String(validate=validate.Length(min=1, max=200)),
                               load_default=list, validate=validate.Length(max=50))


class TeacherIn(ma.Schema):
    """A teacher, the number of their teacher qualification certificate, and whether they teach in a public school."""

    name = ma.fields.String(required=True, validate=[validate.Length(min=1, max=100), _LINE])
    qualification_certificate_no = ma.fields.String(load_default=None, allow_none=True,
                                                    validate=validate.Length(max=50))
    serving_public_school_teacher = ma.fields.Boolean(load_default=False)


class FeeItemIn(ma.Schema):
    """One way of charging; money in fen (CNY 0.01) as whole numbers."""

    name = ma.fields.String(load_default="", validate=validate.Length(max=100))
    price_per_hour_fen = Amount(required=True)
    grade_band = ma.fields.String(required=True, validate=validate.Length(min=1, max=50))
    class_size_band = ma.fields.String(required=True, validate=validate.Length(min=1, max=50))
    hours_per_collection = Amount(required=True)
    months_per_collection = Amount(required=True)
    amount_per_collection_fen = Amount(required=True)
    paid_through_loan = ma.fields.Boolean(load_default=False, metadata={
        "description": "Whether the fees may be paid through a training loan (refused: the county bans them)."})


class WeeklySlotIn(ma.Schema):
    """A class every week: ISO weekday (1 Monday to 7 Sunday), start and end, offline or online."""

    weekday = ma.fields.Integer(required=True, strict=True, validate=validate.Range(min=-1000, max=1000))
    start = ClockTime(required=True)
    end = ClockTime(required=True)
    mode = ma.fields.String(load_default="offline", validate=validate.Length(min=1, max=20))
    course = ma.fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))


class SessionIn(WeeklySlotIn):
    """A class on a given date."""

    class Meta:
        exclude = ("weekday",)

    date = ma.fields.Date(required=True)


class FilingIn(ma.Schema):
    """A whole filing; an accepted one replaces the institution's current filing."""

    courses = ma.fields.List(ma.fields.Nested(CourseIn), load_default=list, validate=validate.Length(max=100))
    teachers = ma.fields.List(ma.fields.Nested(TeacherIn), load_default=list, validate=validate.Length(max=500))
    fee_items = ma.fields.List(ma.fields.Nested(FeeItemIn), load_default=list, validate=validate.Length(max=100))
    timetable = ma.fields.List(ma.fields.Nested(WeeklySlotIn), load_default=list,
                               validate=validate.Length(max=200))
    sessions = ma.fields.List(ma.fields.Nested(SessionIn), load_default=list, validate=validate.Length(max=1000))


class ViolationOut(ma.Schema):
    """A broken rule (or a notice): stable code, the item it points at, its figures and a sentence to read."""

    code = ma.fields.String(required=True)
    item = ma.fields.String(allow_none=True, required=True)
    params = ma.fields.Dict(required=True)
    message = ma.fields.String(required=True)


class CourseOut(ma.Schema):
    """A course as filed."""

    subject = ma.fields.String(required=True)
    grade_band = ma.fields.String(required=True)
    materials = ma.fields.List(ma.fields.String(), required=True)


class TeacherOut(ma.Schema):
    """A teacher as filed (an accepted filing holds no serving public-school teacher)."""

    name = ma.fields.String(required=True)
    qualification_certificate_no = ma.fields.String(allow_none=True, required=True)


class FeeItemOut(ma.Schema):
    """A fee item as filed, money in fen."""

    name = ma.fields.String(required=True)
    price_per_hour_fen = ma.fields.Integer(required=True)
    grade_band = ma.fields.String(required=True)
    class_size_band = ma.fields.String(required=True)
    hours_per_collection = ma.fields.Integer(required=True)
    months_per_collection = ma.fields.Integer(required=True)
    amount_per_collection_fen = ma.fields.Integer(required=True)


class SlotOut(ma.Schema):
    """A weekly class as filed; times `HH:MM`."""

    weekday = ma.fields.Integer(required=True)
    start = ma.fields.String(required=True)
    end = ma.fields.String(required=True)
    mode = ma.fields.String(required=True)
    course = ma.fields.String(allow_none=True, required=True)


class SessionOut(SlotOut):
    """A dated class as filed."""

    class Meta:
        exclude = ("weekday",)

    date = ma.fields.String(required=True, metadata={"format": "date"})


class FilingContentOut(ma.Schema):
    """What an institution filed, as the public sees it."""

    id = ma.fields.Integer(required=True)
    filed_at = ma.fields.AwareDateTime(required=True)
    subjects = ma.fields.List(ma.fields.String(), required=True)
    modes = ma.fields.List(ma.fields.String(), required=True)
    teacher_count = ma.fields.Integer(required=True)
    max_price_per_hour_fen = ma.fields.Integer(allow_none=True, required=True)
    courses = ma.fields.List(ma.fields.Nested(CourseOut), required=True)
    teachers = ma.fields.List(ma.fields.Nested(TeacherOut), required=True)
    fee_items = ma.fields.List(ma.fields.Nested(FeeItemOut), required=True)
    timetable = ma.fields.List(ma.fields.Nested(SlotOut), required=True)
    sessions = ma.fields.List(ma.fields.Nested(SessionOut), required=True)


class FilingOut(FilingContentOut):
    """A filing as the registry keeps it: current or superseded, who filed it, against which rules."""

    institution_id = ma.fields.Integer(required=True)
    current = ma.fields.Boolean(required=True)
    supersedes_id = ma.fields.Integer(allow_none=True, required=True)
    superseded_at = ma.fields.AwareDateTime(allow_none=True, required=True)
    filed_by = ma.fields.String(required=True)
    config_version = ma.fields.String(required=True)
    notices = ma.fields.List(ma.fields.Nested(ViolationOut), required=True,
                             metadata={"description": "Things to know that did not refuse the filing, e.g. "
                                                      "`notice.holiday_check_provisional`."})


class RefusedViolationOut(ViolationOut):
    """A broken rule of a refused request, with the request field it is about."""

    field = ma.fields.String(required=True)


class FilingRefusalSchema(ProblemSchema):
    """A refused filing: every broken rule, each with its code, item and a sentence a clerk understands."""

    # present when `code` is `filing.rejected` (with `errors` naming the same items); a malformed body
    # lists its fields in `errors` only
    violations = ma.fields.List(ma.fields.Nested(RefusedViolationOut))
    notices = ma.fields.List(ma.fields.Nested(ViolationOut))
    config_version = ma.fields.String()


def _with_messages(found: dict) -> dict:
    notices = [Violation(n["code"], n.get("item"), n.get("params") or {}) for n in found["notices"]]
    return {**found, "notices": render_all(notices, gettext)}


@blp.route("/<pk:institution_id>/filings")
class Filings(MethodView):
    """An institution's filings: file a new one, or read them all."""

    @requires("clerk")
    @blp.arguments(FilingIn)
    @blp.response(201, FilingOut, headers={"Location": {"description": "The new filing",
                                                        "schema": {"type": "string"}}})
    @blp.alt_response(422, schema=FilingRefusalSchema, content_type=PROBLEM_MIME,
                      description="Refused: the body is malformed (`errors`) or the filing breaks rules "
                                  "(`violations`, code `filing.rejected`)")
    def post(self, payload, institution_id: int):
        """File for a licensed institution; accepted, it replaces the current filing and is announced."""
        principal = current_principal()
        with request_uow() as uow:
            filed = filings.publish_filing(uow, institution_id, payload, principal.sub if principal else "",
                                           current_clock())
        location = url_for("filings.OneFiling", institution_id=institution_id, filing_id=filed["id"])
        return _with_messages(filed), 201, {"Location": location}

    @requires(*READERS)
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, paginate(FilingOut))
    def get(self, args, institution_id: int):
        """Every filing of the institution, newest first (the history)."""
        items, total = filings.filing_history(request_session(), institution_id, page=args["page"],
                                              page_size=args["page_size"])
        return {"items": [_with_messages(f) for f in items], "total": total, "page": args["page"],
                "page_size": args["page_size"]}


@blp.route("/<pk:institution_id>/filings/current")
class CurrentFiling(MethodView):
    """The filing now on the public board."""

    @requires(*READERS)
    @blp.response(200, FilingOut)
    def get(self, institution_id: int):
        """The institution's current filing."""
        return _with_messages(filings.current_filing(request_session(), institution_id))


@blp.route("/<pk:institution_id>/filings/<pk:filing_id>")
class OneFiling(MethodView):
    """One filing, current or superseded."""

    @requires(*READERS)
    @blp.response(200, FilingOut)
    def get(self, institution_id: int, filing_id: int):
        """Read one filing of the institution."""
        return _with_messages(filings.get_filing(request_session(), institution_id, filing_id))


def register(api, app) -> None:
    """Mount the filings API (the kit answers a refused filing, `filing.rejected`, with every violation)."""
    api.register_blueprint(blp)
