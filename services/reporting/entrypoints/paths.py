"""What reporting's routes take in their paths: an id as the events carry it (1 to 64 characters), never a NUL or
another control character. A path outside that matches no route, so it is a 404 problem before any query runs
(PostgreSQL refuses a NUL in text with an error, which was a 500)."""

from __future__ import annotations

from werkzeug.routing import BaseConverter

ID_LENGTH = 64  # the contracts' `identifier`, and reporting's id columns


class IdConverter(BaseConverter):
    """`<id:campaign_id>`: 1 to 64 characters, none of them '/' or a control character (C0 or DEL)."""

    regex = f"[^/\x00-\x1f\x7f]{{1,{ID_LENGTH}}}"


def id_schema(_converter: IdConverter) -> dict:
    """How the OpenAPI document describes an `<id:…>` parameter."""
    return {"type": "string", "minLength": 1, "maxLength": ID_LENGTH, "pattern": "^[^/\\u0000-\\u001f\\u007f]+$"}


def register_converters(api, app) -> None:
    """Make `<id:…>` known to the app and to its OpenAPI document; before any blueprint using it is registered."""
    app.url_map.converters["id"] = IdConverter
    api.register_converter(IdConverter, id_schema)
