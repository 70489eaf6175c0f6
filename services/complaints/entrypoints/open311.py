"""Open311 GeoReport v2: what a complaint can be about (services and their attributes), in the reader's language."""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView
from flask_babel import lazy_gettext as _l

from services.complaints.domain import GROUP_OF, Category, CategoryGroup
from services.complaints.entrypoints import open311_docs as docs
from services.complaints.entrypoints.open311_format import FORMATS, PREFIX, documented, format_of, render, render_one
from services.complaints.entrypoints.open311_schemas import GRADES
from shared.api import Blueprint
from shared.auth import public
from shared.departments import OFFICE_NAMES
from shared.refusals import N_, NotFound

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


SERVICE_NAMES = {category.value: name for category, (name, _d, _k) in _TEXT.items()}

DEPARTMENT_NAMES = OFFICE_NAMES  # the responsible agency of a request, as Open311 names it

_GRADE_NAMES = {
    "preschool": _l("Preschool"),
    "primary": _l("Primary school"),
    "junior_secondary": _l("Junior secondary school"),
    "senior_secondary": _l("Senior secondary school"),
    "other": _l("Other"),
}

# (code, datatype, required, description): what a reporter may add to any complaint; the same for every
# category, as the desk asks the same questions whatever the complaint is about.
_ATTRIBUTES = (
    ("institution_name", "string", _l("The institution's name, as you know it.")),
    ("institution_address", "string", _l("Where the classes are held.")),
    ("class_time_seen", "string", _l("When you saw classes held (e.g. Saturday afternoons).")),
    ("grade", "singlevaluelist", _l("The pupils' grade.")),
    ("amount_charged_yuan", "number", _l("How much was charged, in whole yuan.")),
)


class ServiceListArgs(ma.Schema):
    """Open311's optional jurisdiction (one county per deployment, so any value lists the same services)."""

    jurisdiction_id = ma.fields.String(validate=ma.validate.Length(max=200))


def _service(category: Category) -> dict:
    name, description, keywords = _TEXT[category]
    return {"service_code": category.value, "service_name": str(name), "description": str(description),
            "metadata": True, "type": "realtime", "keywords": str(keywords),
            "group": str(_GROUPS[GROUP_OF[category]])}


@blp.route(f"/services.<{FORMATS}:fmt>")
class Services(MethodView):
    """What a complaint can be about."""

    @public
    @blp.arguments(ServiceListArgs, location="query")
    @blp.doc(responses=documented(200, "One service per category.", docs.SERVICE_LIST))
    def get(self, _args, fmt):
        """List the complaint categories (Chinese by default, English with `Accept-Language: en`)."""
        fmt = format_of(fmt)
        return render(fmt, "services", "service", [_service(category) for category in _TEXT])


@blp.route(f"/services/<string(maxlength=40):service_code>.<{FORMATS}:fmt>")
class ServiceDefinition(MethodView):
    """The attributes a complaint of one category may carry."""

    @public
    @blp.arguments(ServiceListArgs, location="query")
    @blp.doc(responses=documented(200, "The category's attributes.", docs.SERVICE_DEFINITION))
    def get(self, _args, service_code, fmt):
        """A category's attributes (institution name, address, class time seen, grade, amount charged)."""
        fmt = format_of(fmt)
        if service_code not in SERVICE_NAMES:
            raise NotFound(N_("There is no service %(service_code)s."), code="service.not_found",
                           service_code=service_code)
        attributes = [
            {"variable": True, "code": code, "datatype": datatype, "required": False,
             "datatype_description": None, "order": order, "description": str(description),
             "values": [{"key": grade, "name": str(_GRADE_NAMES[grade])} for grade in GRADES]
             if datatype == "singlevaluelist" else []}
            for order, (code, datatype, description) in enumerate(_ATTRIBUTES, start=1)]
        return render_one(fmt, "service_definition", {"service_code": service_code, "attributes": attributes})
