"""The unit of work: one transaction whose `commit` writes the events it collected to the outbox, visibly.

A use case changes aggregates and lets the unit of work `track` them (or `publish` an event itself); at
`commit` the unit of work collects what the tracked aggregates recorded, writes every event to the outbox
in the same transaction (`shared.bus.outbox.write_outbox`), commits, and wakes the relay. Nothing is
published unless the transaction commits.

Two kinds: `UnitOfWork` owns its session and transaction (an HTTP request, a scheduled check);
`BatchUnitOfWork` works inside the consumer's batch, whose transaction the consumer commits (with its inbox)
after every handler ran, so its `commit` only flushes into the batch.

Guards, so that no event is lost silently: a session holding unwritten events refuses to commit
(`UnwrittenEvents`: someone committed the session itself, not through the unit of work); events published
inside a savepoint that rolls back are dropped with it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from shared.bus.envelope import Event, new_event
from shared.bus.outbox import pending_events, refuse_unwritten_events, wake_relays, write_outbox


class Aggregate(Protocol):
    """What the unit of work collects from: the domain events an aggregate recorded since it was loaded.

    Each has `type` (the bus type), `subject` (the aggregate's id) and `data()` (the contract's `data`).
    """

    events: list[Any]


class _Collecting:
    """Publishing and collecting, shared by both kinds of unit of work."""

    session: Session
    correlation_id: str | None

    def _begin_collecting(self) -> None:
        self._pending = pending_events(self.session)
        self._seen: list[Aggregate] = []

    def publish(self, event: Event) -> Event:
        """Add an event to this transaction; it is written to the outbox on commit, and leaves only then."""
        if self.correlation_id and not event.correlationid:
            event.correlationid = self.correlation_id
        event.sequence = None  # the outbox numbers it when it is written
        self._pending.append((event, self.session.get_nested_transaction()))
        return event

    def track(self, aggregate: Aggregate) -> Aggregate:
        """Collect the events the aggregate records (validated against their contracts) when committing."""
        if not any(seen is aggregate for seen in self._seen):
            self._seen.append(aggregate)
        return aggregate

    def collect_new_events(self) -> Iterator[Event]:
        """The bus events of what the tracked aggregates recorded since the last collection."""
        for aggregate in self._seen:
            while aggregate.events:
                recorded = aggregate.events.pop(0)
                yield new_event(type=recorded.type, subject=recorded.subject, data=recorded.data(),
                                correlation_id=self.correlation_id)

    def _write_outbox(self) -> int:
        for event in self.collect_new_events():
            self.publish(event)
        events = [event for event, _ in self._pending]
        self._pending.clear()
        write_outbox(self.session, events)
        return len(events)


class UnitOfWork(_Collecting):
    """One transaction: the change and the events it publishes commit together, or neither does."""

    def __init__(self, session_factory: Callable[[], Session], on_commit: Callable[[], None] | None = None,
                 correlation_id: str | None = None):
        self._session_factory = session_factory
        self._on_commit = on_commit
        self.correlation_id = correlation_id
        self.session: Session | None = None

    @classmethod
    def on(cls, engine: sa.Engine) -> UnitOfWork:
        """A unit of work on a bare engine (tools, tests, benchmarks; services use `Database.unit_of_work`)."""
        return cls(lambda: Session(engine, expire_on_commit=False))

    def __enter__(self) -> UnitOfWork:
        self.session = self._session_factory()
        self._begin_collecting()
        # this session's own guards (a listener on the Session class would run for every session there is)
        sa_event.listen(self.session, "before_commit", refuse_unwritten_events)
        sa_event.listen(self.session, "after_soft_rollback", self._drop_rolled_back)
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc_type is not None:
                self.rollback()
        finally:
            self._pending.clear()
            self.session.close()

    def commit(self) -> None:
        """Collect the tracked aggregates' events, write every event to the outbox, commit, wake the relay."""
        written = self._write_outbox()
        self.session.commit()
        if written:
            wake_relays()
            if self._on_commit:
                self._on_commit()

    def rollback(self) -> None:
        """Drop the change and its events."""
        self._pending.clear()
        for aggregate in self._seen:
            aggregate.events.clear()
        self.session.rollback()

    def _drop_rolled_back(self, session: Session, previous: Any) -> None:
        if not previous.nested:  # the whole transaction: every event goes
            self._pending.clear()
            return
        # a savepoint: only the events added inside it (or inside savepoints within it) go
        self._pending[:] = [(event, savepoint) for event, savepoint in self._pending
                            if not _within(savepoint, previous)]


class BatchUnitOfWork(_Collecting):
    """A use case's unit of work inside the consumer's batch: `commit` flushes into the batch's transaction.

    The consumer commits every handler's writes together with the batch's inbox rows and acknowledges after
    that, so here `commit` writes the events to the outbox and flushes; the batch commits them or, on a
    failure, rolls the message back to be retried. The consumer refuses to commit a batch whose session still
    holds unwritten events (a handler that published and never committed).
    """

    def __init__(self, session: Session, correlation_id: str | None = None):
        self.session = session
        self.correlation_id = correlation_id
        self._begin_collecting()

    def commit(self) -> None:
        """Write the events to the outbox and flush, in the batch's transaction (the consumer commits it)."""
        self._write_outbox()
        self.session.flush()


def _within(savepoint: Any, ended: Any) -> bool:
    while savepoint is not None:
        if savepoint is ended:
            return True
        savepoint = savepoint.parent
    return False
