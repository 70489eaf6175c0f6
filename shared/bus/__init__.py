"""The reliable event bus: envelope, outbox and relay, consumer and inbox, RabbitMQ and in-memory transports.

    from shared.bus import new_event
    uow.publish(new_event(type="registry.institution.registered", subject="42", data={...}))
"""

from shared.bus.envelope import CONTENT_TYPE, Event, MalformedEvent, new_event
from shared.bus.inbox import is_stale

__all__ = ["CONTENT_TYPE", "Event", "MalformedEvent", "is_stale", "new_event"]
