"""Field helpers and schemas the inspection API's modules share."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from shared.clock import LOCAL_TZ


def text(max_length: int, **options) -> ma.fields.String:
    """A non-empty text; PostgreSQL text cannot hold NUL, so it is refused as bad input rather than failing."""
    return ma.fields.String(validate=[validate.Length(min=1, max=max_length),
                                      validate.Regexp(r"^[^\x00]*$", error="Text cannot contain NUL.")],
                            **options)


def positive(maximum: int, **options) -> ma.fields.Integer:
    """A strict positive integer: `"3"`, `2.9` and `true` are refused, never coerced or truncated."""
    return ma.fields.Integer(strict=True, validate=validate.Range(min=1, max=maximum), **options)


def happened_at(what: str) -> ma.fields.AwareDateTime:
    """When a supervisor's act happened, for a paper record entered late (no offset: Asia/Shanghai)."""
    return ma.fields.AwareDateTime(default_timezone=LOCAL_TZ, load_default=None, metadata={
        "description": f"When it was {what}: past allowed for a paper record, never ahead, never before what it "
                       "follows; no offset means Asia/Shanghai. Default: now."})


def external_ref() -> ma.fields.String:
    """The optional id of a paper record: importing it twice finds the record already made."""
    return text(100, load_default=None, metadata={"description": "Unique id of the paper record this was "
                                                                 "imported from; posting it again answers the "
                                                                 "record already made (200)."})


class InspectableInstitutionOut(ma.Schema):
    """An institution as inspection knows it from the registry's events."""

    institution_id = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    credit_code = ma.fields.String(allow_none=True)
    division_code = ma.fields.String(required=True)
    town = ma.fields.String(required=True)
    address = ma.fields.String(allow_none=True)
    category = ma.fields.String(required=True)
    subject_group = ma.fields.String(allow_none=True)
    state = ma.fields.String(required=True)
    state_since = ma.fields.Date(allow_none=True)
