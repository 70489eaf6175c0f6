"""The shapes of Open311's answers, for the OpenAPI document (the XML form carries the same fields)."""

from __future__ import annotations

_TEXT = {"type": "string"}
_MAYBE_TEXT = {"type": "string", "nullable": True}
_MAYBE_NUMBER = {"type": "number", "nullable": True}
_MAYBE_TIME = {"type": "string", "format": "date-time", "nullable": True}


def _list_of(properties: dict, required: tuple[str, ...] | None = None) -> dict:
    return {"type": "array", "items": {"type": "object", "properties": properties,
                                       "required": list(required if required is not None else properties)}}


SERVICE_LIST = _list_of({"service_code": _TEXT, "service_name": _TEXT, "description": _TEXT,
                         "metadata": {"type": "boolean"}, "type": _TEXT, "keywords": _TEXT, "group": _TEXT})

_VALUE = {"type": "object", "properties": {"key": _TEXT, "name": _TEXT}, "required": ["key", "name"]}
SERVICE_DEFINITION = {"type": "object", "required": ["service_code", "attributes"], "properties": {
    "service_code": _TEXT,
    "attributes": _list_of({"variable": {"type": "boolean"}, "code": _TEXT, "datatype": _TEXT,
                            "required": {"type": "boolean"}, "datatype_description": _MAYBE_TEXT,
                            "order": {"type": "integer"}, "description": _TEXT,
                            "values": {"type": "array", "items": _VALUE}})}}

FILED = _list_of({"token": _TEXT, "service_notice": _TEXT, "account_id": _MAYBE_TEXT})
TOKEN = _list_of({"service_request_id": _TEXT, "token": _TEXT})
REQUESTS = _list_of({
    "service_request_id": _TEXT, "status": {"type": "string", "enum": ["open", "closed"]},
    "status_notes": _TEXT, "service_name": _TEXT, "service_code": _TEXT, "description": _TEXT,
    "agency_responsible": _MAYBE_TEXT, "service_notice": _MAYBE_TEXT,
    "requested_datetime": {"type": "string", "format": "date-time"},
    "updated_datetime": {"type": "string", "format": "date-time"}, "expected_datetime": _MAYBE_TIME,
    "address": _MAYBE_TEXT, "lat": _MAYBE_NUMBER, "long": _MAYBE_NUMBER, "media_url": _MAYBE_TEXT})
