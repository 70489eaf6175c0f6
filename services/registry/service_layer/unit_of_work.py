"""The consumer's transaction as a unit of work, and publishing what an aggregate recorded."""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy.orm import Session

from shared.bus import new_event
from shared.bus.outbox import add_to_outbox


class UnitOfWorkLike(Protocol):
    """What a use case needs: a session, a way to publish in its transaction, and a commit."""

    session: Session
    correlation_id: str | None

    def publish(self, event: Any) -> None: ...

    def commit(self) -> None: ...


class MessageUnitOfWork:
    """The consumer's open transaction as a unit of work: events go to the outbox; the consumer commits.

    The consumer commits the handler's writes together with its inbox row and acks afterwards, so `commit`
    here only flushes; a failure rolls the whole message back and it is retried.
    """

    def __init__(self, session: Session, correlation_id: str | None = None):
        self.session = session
        self.correlation_id = correlation_id

    def publish(self, event: Any) -> None:
        """Write an event to the outbox in the consumer's transaction."""
        if self.correlation_id and not event.correlationid:
            event.correlationid = self.correlation_id
        add_to_outbox(self.session, event)

    def commit(self) -> None:
        """Flush; the consumer commits after every handler of the message has run."""
        self.session.flush()


def publish_recorded(uow: UnitOfWorkLike, aggregate: Any) -> None:
    """Publish every domain event the aggregate recorded (validated against its contract), then forget them."""
    for event in aggregate.events:
        uow.publish(new_event(type=event.type, subject=event.subject, data=event.data(),
                              correlation_id=uow.correlation_id))
    aggregate.events.clear()
