"""JSON Schema of each contract, derived from its marshmallow schema for integrators and the catalog."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from shared.events.envelope import DATACONTENTTYPE, EXTENSIONS, SPECVERSION

if TYPE_CHECKING:
    from shared.events.contract import EventContract


def data_schema(contract: EventContract) -> dict[str, Any]:
    """The JSON Schema of an event type's `data` (apispec's marshmallow converter, OpenAPI 3.1 dialect)."""
    # OpenAPI 3.1 schemas are JSON Schema: nullable fields come out as `type: [..., "null"]`, which
    # AsyncAPI's draft-07 schema dialect reads the same way.
    # an object nested in the data (a filed teacher) is written out in place: the schema stands alone, no $ref
    plugin = MarshmallowPlugin(schema_name_resolver=lambda schema: None)
    APISpec(title="offcampus events", version="1", openapi_version="3.1.0", plugins=[plugin])
    schema = plugin.converter.schema2jsonschema(contract.schema)
    return {"title": f"{contract.type} v{contract.version} data", "description": contract.summary, **schema}


def message_schema(contract: EventContract, data: dict[str, Any] | None = None) -> dict[str, Any]:
    """The JSON Schema of a whole structured-mode CloudEvents message of this type.

    `data` replaces the inline `data` schema, e.g. with a `$ref` to a shared component.
    """
    string = {"type": "string", "minLength": 1}
    return {
        "type": "object",
        "required": [
            "specversion",
            "id",
            "source",
            "type",
            "subject",
            "time",
            "datacontenttype",
            "dataschema",
            "correlationid",
            "sequence",
            "data",
        ],
        "properties": {
            "specversion": {"type": "string", "const": SPECVERSION},
            "id": {**string, "description": "Unique per event (ULID or UUID); also the AMQP `message_id`. "
                   "A consumer that sees an id again has seen the event."},
            "source": {"type": "string", "const": contract.source},
            "type": {"type": "string", "const": contract.type},
            "subject": {**string, "description": f"The {contract.aggregate}'s id "
                        f"(`data.{contract.subject_field}`)."},
            "time": {"type": "string", "format": "date-time", "description": "When the event was recorded."},
            "datacontenttype": {"type": "string", "const": DATACONTENTTYPE},
            "dataschema": {"type": "string", "const": contract.dataschema},
            "correlationid": {**string, "description": EXTENSIONS["correlationid"]},
            "sequence": {"type": "integer", "minimum": 1, "description": EXTENSIONS["sequence"]},
            "data": data if data is not None else data_schema(contract),
        },
    }


def describe_type(prop: dict[str, Any]) -> str:
    """A short human description of a JSON Schema property, for the Markdown catalog."""
    types = prop.get("type", "any")
    types = [types] if isinstance(types, str) else list(types)
    base = next((kind for kind in types if kind != "null"), "null")
    if "enum" in prop:
        values = [json.dumps(value, ensure_ascii=False).strip('"') for value in prop["enum"] if value is not None]
        described = "one of " + ", ".join(f"`{value}`" for value in values)
        if len(values) == 1:
            described = f"always `{values[0]}`"
    elif base == "array":
        described = f"list of {describe_type(prop.get('items', {}))}"
        if prop.get("minItems"):
            described += f", at least {prop['minItems']}"
    elif base == "object" and prop.get("properties"):
        described = "object with " + ", ".join(f"`{name}`" for name in prop["properties"])
    elif base == "string" and prop.get("format") == "date":
        described = "date `YYYY-MM-DD`"
    elif base == "string" and prop.get("format") == "date-time":
        described = "date-time with offset (RFC 3339)"
    elif base == "string" and "pattern" in prop:
        described = f"string matching `{prop['pattern']}`"
    elif base == "string" and "maxLength" in prop:
        described = f"text, at most {prop['maxLength']} characters"
    elif base == "integer" and "minimum" in prop:
        described = f"integer ≥ {prop['minimum']}"
    else:
        described = base
    return described
