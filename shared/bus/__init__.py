"""The reliable event bus: envelope, outbox and relay, consumer and inbox, RabbitMQ and in-memory transports.

Publishing (in the unit of work's transaction, `shared.unit_of_work`; nothing leaves unless it commits):
    with database.unit_of_work() as uow:
        uow.publish(new_event(type="registry.institution.registered", subject="42", data={...}))
        uow.commit()  # writes the outbox, commits, wakes the relay

Running (a worker): `Relay(engine, transport, service).run(stop)` and
`Consumer(service, engine, transport, handlers={"registry.institution.*": fn}).run(stop)` with
`transport = transport_from_url(amqp_url_or_None, namespace=...)` from `shared.bus.transport`.
A handler is `fn(event, session)`; it runs in the consumer's transaction with the inbox row, so a
redelivered event is a no-op; one keeping state per aggregate starts with `if is_stale(session, event): return`.
An event of a type no contract declares is dead-lettered, unless a matching handler opts in with
`takes_uncontracted(fn)` (e.g. `{"#": takes_uncontracted(archive)}` to archive every event).
Operating: `shared.bus.dlq.list_dead / replay_dead`, `shared.bus.ops.bus_status`, `shared.bus.metrics`.
"""

from shared.bus.consumer import takes_uncontracted
from shared.bus.envelope import CONTENT_TYPE, Event, MalformedEvent, new_event
from shared.bus.inbox import is_stale

__all__ = ["CONTENT_TYPE", "Event", "MalformedEvent", "is_stale", "new_event", "takes_uncontracted"]
