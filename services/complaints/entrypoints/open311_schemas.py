"""What an Open311 client may send: a new request (form or JSON) and the filters of the request list."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import marshmallow as ma
from flask_babel import lazy_gettext as _l
from marshmallow import validate

from services.complaints.domain import Category
from services.complaints.domain.clue import DESCRIPTION_MAX
from services.complaints.service_layer.intake import WINDOW_DAYS
from shared.clock import LOCAL_TZ

GRADES = ("preschool", "primary", "junior_secondary", "senior_secondary", "other")
_ATTRIBUTE_FORM = "attribute["  # Open311's form encoding of attributes: attribute[code]=value


def text(max_length: int, **options) -> ma.fields.String:
    """A text field of at most `max_length` characters."""
    return ma.fields.String(validate=validate.Length(min=1, max=max_length), **options)


class AttributesIn(ma.Schema):
    """The service definition's attributes (services/{code}.json), all optional."""

    institution_name = text(200)
    institution_address = text(500)
    class_time_seen = text(200)
    grade = ma.fields.String(validate=validate.OneOf(GRADES))
    amount_charged_yuan = ma.fields.Integer(validate=validate.Range(min=0, max=100_000_000), strict=False)


class RequestIn(ma.Schema):
    """A new service request: what, where, and, if the reporter wishes, how to reach them."""

    api_key = text(200)
    jurisdiction_id = text(200)
    service_code = ma.fields.String(required=True, validate=validate.OneOf([c.value for c in Category]))
    lat = ma.fields.Float(validate=validate.Range(min=-90, max=90), allow_nan=False)
    long = ma.fields.Float(validate=validate.Range(min=-180, max=180), allow_nan=False)
    address_string = text(500)
    address_id = text(200)
    description = ma.fields.String(validate=validate.Length(max=DESCRIPTION_MAX))
    media_url = ma.fields.Url(schemes={"http", "https"}, validate=validate.Length(max=2000))
    first_name = text(100)
    last_name = text(100)
    phone = ma.fields.String(validate=validate.Regexp(r"^\+?[0-9][0-9 ()-]{4,28}$",
                                                      error=_l("Not a valid phone number.")))
    email = ma.fields.Email(validate=validate.Length(max=254))
    notify = ma.fields.Boolean(metadata={"description": "An extension: tell me of the answer by email or SMS "
                                                        "(needs email or phone)."})
    device_id = text(200)
    account_id = text(200)
    attribute = ma.fields.Nested(AttributesIn)

    @ma.pre_load
    def _attributes_from_form(self, data, **_):
        # a form sends attribute[grade]=primary; JSON sends {"attribute": {"grade": "primary"}}
        if not isinstance(data, Mapping) or not any(str(key).startswith(_ATTRIBUTE_FORM) for key in data):
            return data
        plain = {key: data[key] for key in data if not str(key).startswith(_ATTRIBUTE_FORM)}
        plain["attribute"] = {key[len(_ATTRIBUTE_FORM):-1]: data[key] for key in data
                              if str(key).startswith(_ATTRIBUTE_FORM) and str(key).endswith("]")}
        return plain

    @ma.validates_schema
    def _located(self, data, **_):
        if ("lat" in data) != ("long" in data):
            missing = "long" if "lat" in data else "lat"
            raise ma.ValidationError(_l("Give lat and long together."), field_name=missing)
        if "lat" not in data and "address_string" not in data and "address_id" not in data:
            raise ma.ValidationError(_l("A location is required: address_string, or lat and long."),
                                     field_name="address_string")


def local_time(moment: dt.datetime | None) -> dt.datetime | None:
    """The moment in the county's time when written without an offset."""
    # a reporter or the desk writing a time without an offset means the county's (Asia/Shanghai)
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=LOCAL_TZ)


class RequestListArgs(ma.Schema):
    """Open311's filters: ids (comma-separated), or a category, a status and a window of at most 90 days."""

    api_key = text(200)
    jurisdiction_id = text(200)
    service_request_id = ma.fields.String(validate=[
        validate.Length(min=1, max=2700),
        validate.Regexp(r"^[0-9A-Za-z]{1,26}(,[0-9A-Za-z]{1,26})*$",
                        error=_l("Comma-separated request ids (at most 100)."))])
    service_code = ma.fields.String(validate=validate.OneOf([c.value for c in Category]))
    status = ma.fields.String(validate=validate.OneOf(("open", "closed")))
    start_date = ma.fields.DateTime()
    end_date = ma.fields.DateTime()

    @ma.post_load
    def _window(self, data, **_):
        data["start_date"], data["end_date"] = local_time(data.get("start_date")), local_time(data.get("end_date"))
        return data

    @ma.validates_schema
    def _within_the_window(self, data, **_):
        start, end = local_time(data.get("start_date")), local_time(data.get("end_date"))
        if start and end and end < start:
            raise ma.ValidationError(_l("end_date is before start_date."), field_name="end_date")
        if start and end and end - start > dt.timedelta(days=WINDOW_DAYS):
            raise ma.ValidationError(_l("start_date and end_date are at most %(days)s days apart.", days=WINDOW_DAYS),
                                     field_name="end_date")
        ids = data.get("service_request_id")
        if ids and ids.count(",") >= 100:
            raise ma.ValidationError(_l("At most 100 request ids."), field_name="service_request_id")
