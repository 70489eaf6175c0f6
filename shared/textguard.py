"""Refuse input no one should store: NUL characters, lone UTF-16 surrogates, text with nothing visible in it,
JSON nested beyond reason, and a body in a media type the endpoint does not read — each named per field."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any

import marshmallow as ma
from flask import abort
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from webargs.core import is_json
from webargs.flaskparser import FlaskParser

UNSTORABLE = _l("Text must not contain NUL characters or invalid Unicode.")
INVISIBLE = _l("Text must contain at least one visible character.")
TOO_DEEP = _l("The JSON body is nested too deeply.")
# No schema of the platform nests more than a few levels; a body nested deeper than this is refused before
# anything walks it recursively (the JSON decoder itself fails near 1,000 levels with a RecursionError).
MAX_DEPTH = 32
_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


def _storable(text: str) -> bool:
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate from a `\ud800`-style JSON escape
        return False
    return True


def _visible(text: str) -> bool:
    """False for text made only of spaces, controls and format characters (zero-width, BOM, bidi overrides)."""
    # categories C* (control, format, private, unassigned) and Z* (separators) draw nothing on their own;
    # ordinary text returns at its first character
    return any(unicodedata.category(char)[0] not in "CZ" for char in text)


def _walk(value: Any):
    """Every node of `value` with its dotted path and depth (its text for strings and keys), without recursion."""
    stack = [(value, "", 0)]
    while stack:
        item, path, depth = stack.pop()
        if isinstance(item, str):
            yield path or "_schema", item, depth
            continue
        yield path or "_schema", None, depth
        if isinstance(item, Mapping):
            for key, inner in item.items():
                if isinstance(key, str):
                    yield path or "_schema", key, depth
                stack.append((inner, f"{path}.{key}" if path else str(key), depth + 1))
        elif isinstance(item, list | tuple):
            for index, inner in enumerate(item):
                stack.append((inner, f"{path}.{index}" if path else str(index), depth + 1))


def unstorable_fields(value: Any) -> list[str]:
    """Dotted paths of every string (key or value) in `value` that a database would refuse."""
    return [path for path, text, _depth in _walk(value) if text is not None and not _storable(text)]


def refused_fields(value: Any, *, visible: bool = True) -> dict[str, list[str]]:
    """Each field whose text cannot be stored (or, with `visible`, shows nothing), and why; a body nested
    deeper than MAX_DEPTH is refused as a whole."""
    refused: dict[str, list[str]] = {}
    for path, text, depth in _walk(value):
        if depth > MAX_DEPTH:
            return {"_schema": [str(TOO_DEEP)]}
        if text is None:
            continue
        if not _storable(text):
            refused.setdefault(path, []).append(str(UNSTORABLE))
        elif visible and text and not _visible(text):
            refused.setdefault(path, []).append(str(INVISIBLE))
    return refused


def _guard(data: Any, *, visible: bool) -> Any:
    refused = refused_fields(data, visible=visible)
    if refused:
        raise ma.ValidationError(refused)
    return data


class TextGuardParser(FlaskParser):
    """webargs' Flask parser that refuses unstorable or invisible text, deep JSON and foreign media types
    (a 4xx naming the field, never a 500), through webargs' public `load_*` location loaders."""

    def load_json(self, req, schema):
        """The JSON body, guarded; 415 when the request sends a body in another media type."""
        if not is_json(req.mimetype) and (req.mimetype or req.content_length):
            abort(415, description=_("This endpoint reads JSON: send Content-Type: application/json."))
        try:
            data = super().load_json(req, schema)
        except RecursionError:  # nested too deep for the decoder itself
            raise ma.ValidationError({"_schema": [str(TOO_DEEP)]}) from None
        return _guard(data, visible=True)

    def load_form(self, req, schema):
        """Form fields, guarded."""
        return _guard(super().load_form(req, schema), visible=True)

    def load_json_or_form(self, req, schema):
        """A JSON body or a form (endpoints that declare form input accept both); 415 for anything else."""
        if req.mimetype in _FORMS:
            return self.load_form(req, schema)
        return self.load_json(req, schema)

    def load_querystring(self, req, schema):
        """Query parameters, guarded against unstorable text (a blank search is a search, not an error)."""
        return _guard(super().load_querystring(req, schema), visible=False)
