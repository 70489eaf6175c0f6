"""Refuse text no database can store: NUL characters and lone UTF-16 surrogates, named per field."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import marshmallow as ma
from flask_babel import lazy_gettext as _l
from webargs.flaskparser import FlaskParser

UNSTORABLE = _l("Text must not contain NUL characters or invalid Unicode.")


def _storable(text: str) -> bool:
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate from a `\ud800`-style JSON escape
        return False
    return True


def unstorable_fields(value: Any, path: str = "") -> list[str]:
    """Dotted paths of every string (key or value) in `value` that a database would refuse."""
    found: list[str] = []
    if isinstance(value, str):
        if not _storable(value):
            found.append(path or "_schema")
    elif isinstance(value, Mapping):
        for key, item in value.items():
            name = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and not _storable(key):
                found.append(path or "_schema")
            found.extend(unstorable_fields(item, name))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            found.extend(unstorable_fields(item, f"{path}.{index}" if path else str(index)))
    return found


class TextGuardParser(FlaskParser):
    """webargs' Flask parser that refuses unstorable text before the schema sees it (a 422, never a 500)."""

    def _load_location_data(self, *, schema, req, location):
        data = super()._load_location_data(schema=schema, req=req, location=location)
        bad = unstorable_fields(data)
        if bad:
            raise ma.ValidationError({name: [str(UNSTORABLE)] for name in bad})
        return data
