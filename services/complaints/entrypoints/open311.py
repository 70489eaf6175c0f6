"""Open311 GeoReport v2: the public list of what a complaint can be about, in the reader's language."""

from __future__ import annotations

import marshmallow as ma
from flask import Response, json, request
from flask.views import MethodView
from flask_babel import lazy_gettext as _l

from services.complaints.domain import GROUP_OF, Category, CategoryGroup
from shared.api import Blueprint
from shared.auth import public
from shared.errors import PROBLEM_MIME

PREFIX = "/open311/v2"

blp = Blueprint("open311", __name__, url_prefix=PREFIX,
                description="Open311 GeoReport v2 complaint intake (public, no token)")

# (name, description, keywords): text a person reads. Keywords are Open311 tags: ASCII commas in every
# language, so a client can split them.
_TEXT = {
    Category.UNLICENSED_TRAINING: (
        _l("Unlicensed training"),
        _l("Training offered without a school-running licence or a business licence."),
        _l("unlicensed,no licence,illegal school")),
    Category.HIDDEN_TUTORING: (
        _l("Disguised or hidden tutoring"),
        _l("School-subject tutoring disguised as housekeeping, crowdfunded private lessons or study "
           "tours, in homes, hotels or rented rooms."),
        _l("hidden tutoring,crowdfunded lessons,housekeeping tutor,one-to-one")),
    Category.HOLIDAY_TUTORING: (
        _l("Holiday or weekend tutoring"),
        _l("School-subject tutoring for compulsory-education pupils on public holidays, weekends or "
           "during the winter and summer vacations."),
        _l("holiday,weekend,vacation,school subjects")),
    Category.EXCESSIVE_FEES: (
        _l("Fees above the cap or prepaid beyond the limit"),
        _l("Prices above the government-guided price, or fees collected for more than 3 months or 60 "
           "class hours, or more than CNY 5,000 at once."),
        _l("fees,price,prepayment")),
    Category.PUBLIC_SCHOOL_TEACHER: (
        _l("Public-school teacher in paid tutoring"),
        _l("A serving primary or secondary school teacher giving paid classes or working for a "
           "training institution."),
        _l("teacher,paid tutoring")),
    Category.REFUND_DISPUTE: (
        _l("Refund dispute"),
        _l("A training institution refuses or delays refunding fees."),
        _l("refund,fees")),
    Category.SAFETY_HAZARD: (
        _l("Safety hazard"),
        _l("Fire, premises or other safety hazards at a training site."),
        _l("fire safety,premises")),
    Category.OTHER: (
        _l("Other"),
        _l("Anything else about off-campus training."),
        _l("other")),
}

_GROUPS = {
    CategoryGroup.UNLICENSED: _l("Unlicensed or hidden training"),
    CategoryGroup.TRAINING_RULES: _l("Training rules"),
    CategoryGroup.FEES: _l("Fees and refunds"),
    CategoryGroup.SAFETY: _l("Safety"),
    CategoryGroup.OTHER: _l("Other"),
}


class ServiceOut(ma.Schema):
    """One Open311 service: a category of complaint."""

    service_code = ma.fields.String(required=True)
    service_name = ma.fields.String(required=True)
    description = ma.fields.String(required=True)
    metadata = ma.fields.Boolean(required=True, metadata={"description": "Whether it has extra attributes."})
    type = ma.fields.String(required=True, metadata={"description": "`realtime`: handled as it arrives."})
    keywords = ma.fields.String(required=True, metadata={"description": "Comma-separated tags."})
    group = ma.fields.String(required=True)


class ServiceListArgs(ma.Schema):
    """Open311's optional jurisdiction (one county per deployment, so any value lists the same services)."""

    jurisdiction_id = ma.fields.String(validate=ma.validate.Length(max=200))


# Open311 answers errors as a list of {code, description}, not problem+json.
_OPEN311_ERRORS = {"description": "Error, in Open311's own form", "content": {"application/json": {"schema": {
    "type": "array", "items": {"type": "object", "required": ["code", "description"], "properties": {
        "code": {"type": "integer"}, "description": {"type": "string"}}}}}}}


@blp.route("/services.json")
class Services(MethodView):
    """What a complaint can be about."""

    @public
    @blp.arguments(ServiceListArgs, location="query")
    @blp.response(200, ServiceOut(many=True))
    @blp.doc(responses={"422": _OPEN311_ERRORS, "default": _OPEN311_ERRORS})
    def get(self, _args):
        """List the complaint categories (Chinese by default, English with `Accept-Language: en`)."""
        return [{"service_code": category.value, "service_name": str(name), "description": str(description),
                 "metadata": False, "type": "realtime", "keywords": str(keywords),
                 "group": str(_GROUPS[GROUP_OF[category]])}
                for category, (name, description, keywords) in _TEXT.items()]


def open311_errors(response: Response) -> Response:
    """Turn a problem+json answer under the Open311 prefix into Open311's error list."""
    if response.mimetype != PROBLEM_MIME or not request.path.startswith(PREFIX + "/"):
        return response
    problem = response.get_json(silent=True) or {}
    status = response.status_code
    # each bad field is one Open311 error; the problem's summary only when there are none
    errors = [{"code": status, "description": f"{e['field']}: {'; '.join(e['messages'])}"}
              for e in problem.get("errors") or ()]
    errors = errors or [{"code": status, "description": problem.get("detail") or problem.get("title", "")}]
    response.set_data(json.dumps(errors, ensure_ascii=False))
    response.mimetype = "application/json"
    return response
