"""The event catalog is current, complete, and a valid AsyncAPI 3.0 document with AMQP bindings."""

import copy
import hashlib
import json
from pathlib import Path

import pytest
import yaml
from cloudevents.core.formats.json import JSONFormat
from jsonschema import Draft7Validator, Draft202012Validator
from marshmallow import fields
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from shared.events import all_contracts, temporary_contract
from shared.events.catalog import render_asyncapi, render_markdown, write_catalog
from shared.events.envelope import EXCHANGE, example_message
from shared.events.schemas import data_schema, message_schema

ROOT = Path(__file__).resolve().parents[4]
SPEC = Path(__file__).with_name("asyncapi-spec") / "3.0.0.json"
SPEC_SHA256 = "d4571a420e6ffb7fcc7066c95a6db1202f299a3c51daa103d0706bf30f95e626"
REGENERATE = "run `offcampus events catalog` (shared.events.catalog.write_catalog) and commit docs/"


@pytest.fixture(scope="module")
def asyncapi_validator():
    """The official AsyncAPI 3.0.0 JSON Schema (vendored, see asyncapi-spec/README.md), offline."""
    raw = SPEC.read_bytes()
    assert hashlib.sha256(raw).hexdigest() == SPEC_SHA256, "the vendored AsyncAPI schema changed"
    schema = json.loads(raw)
    # Every definition carries its own $id; registering them all means no $ref ever reaches the network.
    registry = Registry().with_resources(
        [(uri, Resource(contents, DRAFT7)) for uri, contents in schema["definitions"].items()]
    )
    return Draft7Validator(schema, registry=registry)


@pytest.fixture(scope="module")
def document():
    return yaml.safe_load(render_asyncapi())


def test_committed_markdown_catalog_is_current():
    assert (ROOT / "docs" / "events.md").read_text(encoding="utf-8") == render_markdown(), REGENERATE


def test_committed_asyncapi_document_is_current():
    assert (ROOT / "docs" / "asyncapi.yaml").read_text(encoding="utf-8") == render_asyncapi(), REGENERATE


def test_rendering_is_deterministic():
    assert render_markdown() == render_markdown()
    assert render_asyncapi() == render_asyncapi()


def test_write_catalog_writes_both_files(tmp_path):
    paths = write_catalog(tmp_path / "docs")
    assert paths == [tmp_path / "docs" / "events.md", tmp_path / "docs" / "asyncapi.yaml"]
    assert paths[0].read_text(encoding="utf-8") == render_markdown()
    assert paths[1].read_text(encoding="utf-8") == render_asyncapi()


def test_asyncapi_document_validates_against_the_official_schema(asyncapi_validator, document):
    errors = [f"{list(error.absolute_path)}: {error.message}" for error in asyncapi_validator.iter_errors(document)]
    assert errors == []


def test_the_official_schema_catches_a_broken_document(asyncapi_validator, document):
    broken = copy.deepcopy(document)
    operation = next(iter(broken["operations"].values()))
    operation["bindings"]["amqp"]["deliveryMode"] = 3
    assert not asyncapi_validator.is_valid(broken)


def test_asyncapi_has_a_channel_operation_and_message_per_event_type(document):
    assert document["asyncapi"] == "3.0.0"
    for contract in all_contracts():
        channel = document["channels"][contract.type]
        assert channel["address"] == contract.routing_key
        exchange = channel["bindings"]["amqp"]["exchange"]
        assert exchange == {"name": EXCHANGE, "type": "topic", "durable": True, "autoDelete": False, "vhost": "/"}
        operation = document["operations"][f"publish.{contract.type}"]
        assert operation["action"] == "send"
        assert operation["bindings"]["amqp"]["deliveryMode"] == 2
        assert operation["x-consumers"] == list(contract.consumers)
        assert operation.get("x-interactive-for", []) == list(contract.interactive_for)
        message = document["components"]["messages"][f"{contract.type}.v{contract.version}"]
        assert message["payload"]["properties"]["dataschema"]["const"] == contract.dataschema
        assert document["components"]["schemas"][f"{contract.type}.v{contract.version}"] == data_schema(contract)


@pytest.mark.parametrize("contract", all_contracts(), ids=lambda contract: contract.type)
def test_example_message_fits_the_published_json_schema(contract):
    # The JSON Schema integrators read is derived from the marshmallow schema the services validate with:
    # the example both accept ties the two together.
    message = example_message(contract)
    Draft202012Validator(message_schema(contract)).validate(message)
    broken = {**message, "data": {**message["data"], "surprise": 1}}
    assert not Draft202012Validator(message_schema(contract)).is_valid(broken)


@pytest.mark.parametrize("contract", all_contracts(), ids=lambda contract: contract.type)
def test_example_message_is_read_by_the_cloudevents_sdk(contract):
    event = JSONFormat().read(None, json.dumps(example_message(contract), ensure_ascii=False).encode())
    assert event.get_type() == contract.type
    assert event.get_source() == f"/offcampus/{contract.publisher}"
    assert event.get_dataschema() == contract.dataschema
    assert event.get_extension("sequence") == 1
    assert contract.validate(event.get_data()) == dict(contract.example)


def test_markdown_lists_every_type_with_its_routing_key_fields_and_example():
    text = render_markdown()
    for contract in all_contracts():
        assert f"### `{contract.type}` (v{contract.version})" in text
        assert f"| dataschema | `{contract.dataschema}` |" in text
        for name in contract.fields:
            assert f"| `{name}` |" in text
        assert f'"type": "{contract.type}"' in text
    assert "| `amount_fen` | integer ≥ 0 | yes | yes |" in text


def test_the_catalog_shows_a_temporary_contract_only_while_it_exists():
    with temporary_contract(type="test.counter.incremented", schema={"counter_id": fields.String(required=True)},
                            example={"counter_id": "c-1"}):
        assert "test.counter.incremented" in render_markdown()
        assert "test.counter.incremented" in render_asyncapi()
    assert "test.counter.incremented" not in render_markdown()
