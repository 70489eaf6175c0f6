"""What the institutions API accepts and answers: marshmallow schemas (unknown fields are refused)."""

from __future__ import annotations

import marshmallow as ma
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from marshmallow import validate

from services.registry.adapters.county_section import registry_rules
from services.registry.domain import action_label, state_label
from services.registry.domain import lifecycle as lc
from services.registry.domain.licence import REGISTRATION_CERTIFICATE, REGISTRATION_KINDS
from shared.pagination import PageArgs

CATEGORIES = ("discipline", "non_discipline")
GRADE_BANDS = tuple(registry_rules().grade_bands)
# a mobile number, or a landline with its area code (and extension), optionally with +86 in front
PHONE = r"^(\+?86[- ]?)?(1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8}(-[0-9]{1,6})?)$"


def _text(max_length: int, **options) -> ma.fields.String:
    return ma.fields.String(validate=[validate.Length(min=1, max=max_length),
                                      validate.Regexp(r"[\s\S]*\S", error=_l("Must not be blank."))], **options)


def _state_label(obj) -> str:
    return state_label(obj["state"], gettext)


# -- institutions -------------------------------------------------------------------------------------------

class InstitutionIn(ma.Schema):
    """An institution to put on the books: on the books before re-examination (`stock`) or a new application."""

    name = _text(200, required=True)
    credit_code = ma.fields.String(required=True, validate=validate.Length(min=1, max=40), metadata={
        "description": "Unified social credit code, 18 characters with its GB 32100-2015 check character "
                       "(spaces and hyphens as typed are removed; letters are capitalised)."})
    division_code = ma.fields.String(required=True, validate=validate.Length(min=1, max=20), metadata={
        "description": "6-digit administrative division code of the county (GB/T 2260), e.g. 610722."})
    town = _text(100, required=True)
    address = _text(300, required=True)
    category = ma.fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    subject_group = _text(100, required=True, metadata={"description": "e.g. `mathematics`, `arts`."})
    audience = ma.fields.List(ma.fields.String(validate=validate.OneOf(GRADE_BANDS)), required=True,
                              validate=validate.Length(min=1, max=len(GRADE_BANDS)),
                              metadata={"description": "Grade bands of the students taught."})
    contact_phone = ma.fields.String(required=True, validate=validate.Regexp(
        PHONE, error=_l("Not a mainland China mobile or landline number.")))
    legal_representative = _text(100, required=True)
    state = ma.fields.String(validate=validate.OneOf(lc.INITIAL_STATES), metadata={
        "description": "`stock` for an institution on the books before re-examination; default `under_review`."})
    occurred_on = ma.fields.Date(metadata={"description": "When it came onto the books (default: today)."})


class InstitutionOut(ma.Schema):
    """An institution as the registry holds it."""

    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    credit_code = ma.fields.String(required=True)
    division_code = ma.fields.String(required=True)
    town = ma.fields.String(required=True)
    address = ma.fields.String(required=True)
    category = ma.fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    subject_group = ma.fields.String(required=True)
    audience = ma.fields.List(ma.fields.String(), allow_none=True)
    contact_phone = ma.fields.String(allow_none=True)
    legal_representative = ma.fields.String(allow_none=True)
    state = ma.fields.String(required=True, validate=validate.OneOf(lc.STATES))
    state_label = ma.fields.Function(_state_label, metadata={"description": "The state in the reader's language."})
    state_since = ma.fields.Date(required=True, metadata={"description": "When the current state was reached."})
    state_reason = ma.fields.String(allow_none=True)
    registered_state = ma.fields.String(required=True, validate=validate.OneOf(lc.INITIAL_STATES))
    rectification_deadline = ma.fields.Date(allow_none=True)
    ban_case_id = ma.fields.String(allow_none=True)
    allowed_actions = ma.fields.List(ma.fields.String(validate=validate.OneOf(lc.ACTIONS)), required=True)
    occurred_on = ma.fields.Date(required=True, metadata={"description": "When it came onto the books."})
    recorded_at = ma.fields.AwareDateTime(required=True)
    updated_at = ma.fields.AwareDateTime(required=True)
    version = ma.fields.Integer(required=True, metadata={"description": "Changes with every change; the ETag."})


class LicenceHalfOut(ma.Schema):
    """One certificate."""

    number = ma.fields.String(required=True)
    issued_on = ma.fields.Date(required=True)
    valid_until = ma.fields.Date(required=True)


class RegistrationOut(LicenceHalfOut):
    """The registration certificate (civil affairs) or business licence (market regulation)."""

    kind = ma.fields.String(required=True, validate=validate.OneOf(REGISTRATION_KINDS))


class LicenceOut(ma.Schema):
    """The current licence: both halves."""

    school_running_licence = ma.fields.Nested(LicenceHalfOut, required=True)
    registration = ma.fields.Nested(RegistrationOut, required=True)
    valid_until = ma.fields.Date(required=True, metadata={"description": "The earlier of the two halves."})
    recorded_at = ma.fields.AwareDateTime(required=True)


class HistoryEntryOut(ma.Schema):
    """One step: what, when it happened, when it was recorded, who and why."""

    action = ma.fields.String(required=True)
    action_label = ma.fields.Function(lambda entry: action_label(entry["action"], gettext))
    from_state = ma.fields.String(allow_none=True)
    to_state = ma.fields.String(required=True)
    occurred_on = ma.fields.Date(required=True)
    recorded_at = ma.fields.AwareDateTime(required=True)
    actor = ma.fields.String(required=True)
    reason = ma.fields.String(allow_none=True)
    case_id = ma.fields.String(allow_none=True, metadata={"description": "A ban: the inspection case it carries "
                                                                           "out."})
    deadline = ma.fields.Date(allow_none=True)
    document_number = ma.fields.String(allow_none=True, metadata={"description": "A ban decided before the "
                                                                                 "platform: the decision's "
                                                                                 "document number."})


class InstitutionDetailOut(InstitutionOut):
    """An institution with its current licence and its full history."""

    licence = ma.fields.Nested(LicenceOut, allow_none=True)
    history = ma.fields.List(ma.fields.Nested(HistoryEntryOut), required=True)


class InstitutionListArgs(PageArgs):
    """Filters of the institution list (a town officer's token keeps it to their town)."""

    state = ma.fields.String(validate=validate.OneOf(lc.STATES))
    category = ma.fields.String(validate=validate.OneOf(CATEGORIES))
    town = _text(100)
    division_code = ma.fields.String(validate=validate.Regexp(r"^[0-9]{6}$"))
    q = _text(100, metadata={"description": "Part of the name, e.g. `启明`."})


# -- transitions --------------------------------------------------------------------------------------------

class LicenceHalfIn(ma.Schema):
    """One certificate as issued."""

    number = _text(100, required=True)
    issued_on = ma.fields.Date(required=True)
    valid_until = ma.fields.Date(required=True, metadata={"description": "The last day it is valid."})


class RegistrationIn(LicenceHalfIn):
    """The registration half: a certificate (discipline, non-profit) or a business licence (non-discipline)."""

    kind = ma.fields.String(load_default=REGISTRATION_CERTIFICATE, validate=validate.OneOf(REGISTRATION_KINDS))


class LicenceIn(ma.Schema):
    """Both halves of a licence."""

    school_running_licence = ma.fields.Nested(LicenceHalfIn, required=True)
    registration = ma.fields.Nested(RegistrationIn, required=True)


class StartReviewIn(ma.Schema):
    """`start_review`: nothing but when it happened and, if wished, why."""

    occurred_on = ma.fields.Date(metadata={"description": "When it happened (default: today; may be past)."})
    reason = _text(2000)


class LicenceActionIn(StartReviewIn):
    """`license` and `renew_licence`: the licence, both halves."""

    licence = ma.fields.Nested(LicenceIn, required=True)


class OrderRectificationIn(StartReviewIn):
    """`order_rectification`: a deadline after the order, and the reason."""

    deadline = ma.fields.Date(required=True)
    reason = _text(2000, required=True)


class CloseIn(StartReviewIn):
    """`close`: the reason."""

    reason = _text(2000, required=True)


class ConvertIn(StartReviewIn):
    """`convert`: the non-discipline subject group the institution turns to."""

    subject_group = _text(100, required=True)


# each action's data: a field another action takes is unknown to this one, and each missing one is named.
# A ban is not among them: it comes from an inspection case (a clerk resolves an unmatched ban sanction) or,
# decided before the platform, is recorded by an admin with its document number.
ACTION_DATA: dict[str, type[ma.Schema]] = {
    lc.START_REVIEW: StartReviewIn, lc.LICENSE: LicenceActionIn, lc.RENEW_LICENCE: LicenceActionIn,
    lc.ORDER_RECTIFICATION: OrderRectificationIn, lc.CLOSE: CloseIn, lc.CONVERT: ConvertIn,
}
NO_BAN_HERE = _l("A ban is not taken here: it comes from an inspection case. A clerk bans by resolving an unmatched "
                 "row of /v1/ban-sanctions; an admin records a ban decided before the platform, with its document "
                 "number, at /v1/institutions/<id>/pre-platform-ban.")


class AnyActionDataIn(LicenceActionIn, OrderRectificationIn, ConvertIn):
    """Every field some action takes: what the data of an unknown action is checked against."""

    licence = ma.fields.Nested(LicenceIn)
    deadline = ma.fields.Date()
    reason = _text(2000)
    subject_group = _text(100)


class TransitionIn(ma.Schema):
    """A lifecycle action and its data, checked against that action's own fields."""

    action = ma.fields.String(required=True, validate=[validate.OneOf(lc.ACTIONS),
                                                       validate.NoneOf([lc.BAN], error=NO_BAN_HERE)])
    data = ma.fields.Dict(load_default=dict, metadata={"anyOf": [
        {"$ref": f"#/components/schemas/{schema.__name__}"} for schema in dict.fromkeys(ACTION_DATA.values())],
        "description": (
        "What the action takes: `license`/`renew_licence` a `licence` (both halves); `order_rectification` a "
        "`deadline` and a `reason`; `close` a `reason`; `convert` the new `subject_group`. `ban` is refused "
        "here: a clerk bans by resolving an unmatched ban sanction (`POST /v1/ban-sanctions/{id}/resolution`), "
        "an admin records a ban decided before the platform (`POST /v1/institutions/{id}/pre-platform-ban`). "
        "Every action takes `occurred_on` (default today) and an optional `reason`. "
        "A field the action does not take is refused.")})

    @ma.validates_schema(pass_original=True, skip_on_field_errors=False)
    def _data_fits_the_action(self, body, original, **kwargs):
        if not isinstance(original, dict) or not isinstance(original.get("data", {}), dict):
            return  # the body or `data` is not an object: its own field error says so
        schema = ACTION_DATA.get(body.get("action"), AnyActionDataIn)()
        errors = schema.validate(original.get("data", {}))
        if errors:
            raise ma.ValidationError(errors, field_name="data")

    @ma.post_load
    def _load_data(self, body, **kwargs):
        body["data"] = ACTION_DATA[body["action"]]().load(body["data"])
        return body


class PrePlatformBanIn(ma.Schema):
    """A ban decided on paper before the platform existed: its document number, date and reason."""

    document_number = _text(100, required=True, metadata={"description": "The decision's document number, e.g. "
                                                                        "`城教罚决字〔2021〕3号`."})
    occurred_on = ma.fields.Date(required=True, metadata={"description": "The decision's date: not before the "
                                                                        "institution's last recorded step."})
    reason = _text(2000, required=True)


# -- notices ------------------------------------------------------------------------------------------------

class NoticeOut(ma.Schema):
    """A notice sent to an institution."""

    id = ma.fields.Integer(required=True)
    kind = ma.fields.String(required=True)
    campaign_id = ma.fields.String(required=True)
    holiday = ma.fields.String(required=True)
    remind_on = ma.fields.Date(required=True)
    recorded_at = ma.fields.AwareDateTime(required=True)
    message = ma.fields.String(required=True, metadata={"description": "The text to send, in the reader's "
                                                                       "language."})
