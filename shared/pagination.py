"""Page arguments and page envelopes shared by every list endpoint."""

from __future__ import annotations

from functools import cache

import marshmallow as ma
from marshmallow import validate

MAX_PAGE_SIZE = 200


class PageArgs(ma.Schema):
    """`page` (from 1) and `page_size` (1–200) query arguments."""

    page = ma.fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    page_size = ma.fields.Integer(load_default=20, validate=validate.Range(min=1, max=MAX_PAGE_SIZE))


@cache
def paginate(item_schema: type[ma.Schema]) -> type[ma.Schema]:
    """A page envelope schema around `item_schema`: items, total, page, page_size."""
    return type(f"{item_schema.__name__.removesuffix('Out')}Page", (ma.Schema,), {
        "__doc__": f"A page of {item_schema.__name__}.",
        "items": ma.fields.List(ma.fields.Nested(item_schema), required=True),
        "total": ma.fields.Integer(required=True),
        "page": ma.fields.Integer(required=True),
        "page_size": ma.fields.Integer(required=True),
    })
