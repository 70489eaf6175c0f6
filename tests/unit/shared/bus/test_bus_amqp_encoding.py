"""The relay's lean publishing writes exactly the bytes py-amqp's own `basic_publish` would."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

from amqp import spec
from amqp.method_framing import frame_writer
from amqp.serialization import dumps
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.bus.amqp import _Encoded, event_properties, message_of

texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=60)


def _frames(args: bytes, content, frame_max: int = 4096) -> bytes:
    """Everything py-amqp's frame writer sends for one basic.publish on channel 1."""
    written = []
    connection = SimpleNamespace(frame_max=frame_max, bytes_sent=0)
    write = frame_writer(connection, SimpleNamespace(write=lambda data: written.append(bytes(data))))
    write(1, 1, spec.Basic.Publish, args, content)
    return b"".join(written)


def _py_amqp(body: bytes, message_id: str, event_type: str, timestamp: int, correlation_id: str | None,
             exchange: str, frame_max: int = 4096) -> bytes:
    """What the relay sent before: a py-amqp Message through basic_publish's encoding, mandatory."""
    properties = {"message_id": message_id, "type": event_type, "timestamp": timestamp,
                  "correlation_id": correlation_id}
    args = dumps("Bssbb", (0, exchange, event_type, True, False))
    return _frames(args, message_of(body, properties, {}), frame_max)


def _lean(body: bytes, message_id: str, event_type: str, timestamp: int, correlation_id: str | None,
          exchange: str, frame_max: int = 4096) -> bytes:
    args = dumps("Bssbb", (0, exchange, event_type, True, False))
    return _frames(args, _Encoded(body, event_properties(message_id, event_type, timestamp, correlation_id)),
                   frame_max)


@settings(max_examples=200, deadline=None)
@given(body=st.binary(max_size=9000), message_id=texts, event_type=texts,
       timestamp=st.integers(min_value=0, max_value=2**63 - 1), correlation_id=st.none() | texts,
       frame_max=st.sampled_from([4096, 131072]))
def test_lean_frames_equal_py_amqps_for_any_event(body, message_id, event_type, timestamp, correlation_id,
                                                  frame_max):
    expected = _py_amqp(body, message_id, event_type, timestamp, correlation_id, "offcampus.events", frame_max)
    assert _lean(body, message_id, event_type, timestamp, correlation_id, "offcampus.events", frame_max) == expected


def test_a_real_event_encodes_as_before_with_and_without_a_correlation_id():
    stamp = int(datetime(2026, 11, 29, 8, 30, tzinfo=UTC).timestamp())
    body = '{"specversion":"1.0","type":"registry.institution.registered","data":{"name":"启明星"}}'.encode()
    for correlation_id in ("01JDZ6Q4WJ7V3K2M5N8P9R0S1T", None, ""):
        assert _lean(body, "01JDZ6Q4WJ7V3K2M5N8P9R0S1T", "registry.institution.registered", stamp, correlation_id,
                     "offcampus.events") == _py_amqp(body, "01JDZ6Q4WJ7V3K2M5N8P9R0S1T",
                                                     "registry.institution.registered", stamp, correlation_id,
                                                     "offcampus.events")
