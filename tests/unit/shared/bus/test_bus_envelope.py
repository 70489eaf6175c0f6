"""The envelope: CloudEvents 1.0 structured JSON, validated against the contract before anything is written."""

import json

import pytest
import structlog
from cloudevents.core.formats.json import JSONFormat

from shared.bus import CONTENT_TYPE, Event, MalformedEvent, new_event
from shared.events import InvalidEventData, UnknownEventType
from shared.testing.bus import COUNTER_TYPE, counter_contract


@pytest.fixture(autouse=True)
def contract():
    with counter_contract() as declared:
        yield declared


def test_new_event_carries_every_cloudevents_attribute_and_the_extensions(contract):
    event = new_event(COUNTER_TYPE, subject="c-1", data={"counter_id": "c-1"}, correlation_id="case-7")
    body = json.loads(event.to_json())
    assert body["specversion"] == "1.0"
    assert body["source"] == "/offcampus/test"
    assert body["type"] == COUNTER_TYPE
    assert body["subject"] == "c-1"
    assert body["time"].endswith("Z")
    assert body["datacontenttype"] == "application/json"
    assert body["dataschema"] == contract.dataschema
    assert body["correlationid"] == "case-7"
    assert body["data"] == {"counter_id": "c-1", "poison": False, "payload": ""}
    assert len(body["id"]) == 26  # a ULID
    assert CONTENT_TYPE == "application/cloudevents+json"


def test_subject_defaults_to_the_aggregate_id_in_data():
    assert new_event(COUNTER_TYPE, data={"counter_id": "c-9"}).subject == "c-9"


def test_an_undeclared_type_is_refused():
    with pytest.raises(UnknownEventType):
        new_event("test.nothing.happened", subject="1", data={})


def test_invalid_data_is_refused_with_the_field_named():
    with pytest.raises(InvalidEventData) as refused:
        new_event(COUNTER_TYPE, subject="1", data={"poison": "maybe"})
    assert set(refused.value.errors) == {"counter_id", "poison"}


def test_the_correlation_id_bound_while_handling_is_carried_into_new_events():
    with structlog.contextvars.bound_contextvars(correlation_id="from-the-request"):
        event = new_event(COUNTER_TYPE, data={"counter_id": "c-1"})
    assert event.correlationid == "from-the-request"


def test_an_event_without_context_starts_its_own_correlation():
    event = new_event(COUNTER_TYPE, data={"counter_id": "c-1"})
    assert event.correlationid == event.id


def test_the_body_round_trips_through_the_parser():
    event = new_event(COUNTER_TYPE, data={"counter_id": "c-1"}, correlation_id="x")
    event.sequence = 3
    again = Event.from_json(event.to_json().encode())
    assert again == event


def test_the_cloudevents_sdk_reads_the_body():
    event = new_event(COUNTER_TYPE, data={"counter_id": "c-1"}, correlation_id="case-1")
    event.sequence = 4
    parsed = JSONFormat().read(None, event.to_json().encode())
    attributes = parsed.get_attributes()
    assert attributes["id"] == event.id
    assert attributes["type"] == COUNTER_TYPE
    assert attributes["correlationid"] == "case-1"
    assert attributes["sequence"] == 4
    assert parsed.get_data() == {"counter_id": "c-1", "poison": False, "payload": ""}


@pytest.mark.parametrize("body", [b"not json", b"[]", b'{"specversion": "1.0"}',
                                  b'{"specversion":"0.3","id":"1","source":"s","type":"t","time":"x","data":{}}'])
def test_a_body_that_is_not_a_structured_cloudevent_is_malformed(body):
    with pytest.raises(MalformedEvent):
        Event.from_json(body)
