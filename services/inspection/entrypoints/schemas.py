"""Field helpers the inspection API's schemas share."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate


def text(max_length: int, **options) -> ma.fields.String:
    """A non-empty text; PostgreSQL text cannot hold NUL, so it is refused as bad input rather than failing."""
    return ma.fields.String(validate=[validate.Length(min=1, max=max_length),
                                      validate.Regexp(r"^[^\x00]*$", error="Text cannot contain NUL.")],
                            **options)


def positive(maximum: int, **options) -> ma.fields.Integer:
    """A strict positive integer: `"3"`, `2.9` and `true` are refused, never coerced or truncated."""
    return ma.fields.Integer(strict=True, validate=validate.Range(min=1, max=maximum), **options)


def external_ref() -> ma.fields.String:
    """The optional id of a paper record: importing it twice finds the record already made."""
    return text(100, load_default=None, metadata={"description": "Unique id of the paper record this was "
                                                                 "imported from; posting it again answers the "
                                                                 "record already made (200)."})
