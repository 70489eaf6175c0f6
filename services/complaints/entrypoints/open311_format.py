"""Open311's two formats: the same list of records as JSON or as XML, and its errors in either."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any
from xml.etree import ElementTree as ET

from flask import Response, json, request
from werkzeug.routing import BaseConverter

from shared.clock import LOCAL_TZ
from shared.errors import PROBLEM_MIME
from shared.refusals import N_, NotFound

PREFIX = "/open311/v2"
FORMATS = "open311_format"
XML_MIME = "text/xml"


class FormatConverter(BaseConverter):
    """An Open311 path's extension (`requests.json`); the view answers 404 for one other than json or xml.

    Any extension matches the route, so that a path with another one is still the route's (its methods, its
    OPTIONS) and is refused in Open311's form by `format_of`."""

    regex = "[A-Za-z0-9]{1,10}"


def format_of(extension: str) -> str:
    """`json` or `xml`; any other extension is not found."""
    if extension not in ("json", "xml"):
        raise NotFound(N_("Open311 answers in json or xml, not %(format)s."), code="format.not_found",
                       format=extension)
    return extension


def format_parameter(_converter: FormatConverter) -> dict:
    """The extension as documented in the OpenAPI document."""
    return {"type": "string", "enum": ["json", "xml"]}


_ERROR_LIST = {"type": "array", "items": {"type": "object", "required": ["code", "description"], "properties": {
    "code": {"type": "integer"}, "description": {"type": "string"}}}}
# Open311 answers errors as a list of {code, description} (or <errors><error>), not problem+json.
ERRORS = {"description": "Error, in Open311's own form (the extension chooses JSON or XML)",
          "content": {"application/json": {"schema": _ERROR_LIST}, XML_MIME: {"schema": {"type": "string"}}}}


def documented(status: int, description: str, json_schema: dict) -> dict:
    """OpenAPI responses of an Open311 operation: its answer in JSON or XML, and errors in Open311's form."""
    answer = {"description": description, "content": {"application/json": {"schema": json_schema},
                                                      XML_MIME: {"schema": {"type": "string"}}}}
    return {str(status): answer, "400": ERRORS, "403": ERRORS, "404": ERRORS, "413": ERRORS, "415": ERRORS,
            "422": ERRORS, "429": ERRORS, "default": ERRORS}


def shown(value: Any) -> Any:
    """A value as Open311 writes it: times in W3C form in the county's offset, dates ISO."""
    if isinstance(value, dt.datetime):
        return value.astimezone(LOCAL_TZ).isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _xml_value(parent: ET.Element, tag: str, value: Any) -> None:
    element = ET.SubElement(parent, tag)
    if isinstance(value, Mapping):
        for key, inner in value.items():
            _xml_value(element, key, inner)
    elif isinstance(value, list):
        # Open311's XML names a list's items by the singular of the list (attributes/attribute, values/value)
        for inner in value:
            _xml_value(element, tag[:-1] if tag.endswith("s") else tag, inner)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = str(shown(value))


def render(fmt: str, root: str, item: str, records: Iterable[Mapping[str, Any]], status: int = 200) -> Response:
    """The records as Open311 answers them: a JSON array, or `<root><item>…</item></root>`."""
    records = [{key: shown(value) for key, value in record.items()} for record in records]
    if fmt == "json":
        return Response(json.dumps(records, ensure_ascii=False), status=status, mimetype="application/json")
    element = ET.Element(root)
    for record in records:
        child = ET.SubElement(element, item)
        for key, value in record.items():
            _xml_value(child, key, value)
    body = ET.tostring(element, encoding="utf-8", xml_declaration=True)
    return Response(body, status=status, content_type=f"{XML_MIME}; charset=utf-8")


def render_one(fmt: str, item: str, record: Mapping[str, Any], status: int = 200) -> Response:
    """One record: a JSON object, or a single XML element (a service definition)."""
    if fmt == "json":
        return Response(json.dumps({key: shown(v) for key, v in record.items()}, ensure_ascii=False),
                        status=status, mimetype="application/json")
    element = ET.Element(item)
    for key, value in record.items():
        _xml_value(element, key, value)
    return Response(ET.tostring(element, encoding="utf-8", xml_declaration=True), status=status,
                    content_type=f"{XML_MIME}; charset=utf-8")


def open311_errors(response: Response) -> Response:
    """Turn a problem+json answer under the Open311 prefix into Open311's error list (JSON or XML)."""
    if response.mimetype != PROBLEM_MIME or not request.path.startswith(PREFIX + "/"):
        return response
    problem = response.get_json(silent=True) or {}
    status = response.status_code
    # each bad field is one Open311 error; the problem's summary only when there are none
    errors = [{"code": status, "description": f"{e['field']}: {'; '.join(e['messages'])}"}
              for e in problem.get("errors") or ()]
    errors = errors or [{"code": status, "description": problem.get("detail") or problem.get("title", "")}]
    answer = render("xml" if request.path.endswith(".xml") else "json", "errors", "error", errors, status)
    response.set_data(answer.get_data())
    response.content_type = answer.content_type
    return response
