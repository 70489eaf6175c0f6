"""The consumer: handlers run in one transaction with the inbox; ack after commit; bounded retries."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
import structlog
from sqlalchemy.orm import Session, sessionmaker

from shared.bus import metrics
from shared.bus.envelope import Event, MalformedEvent
from shared.bus.inbox import claim
from shared.bus.outbox import refuse_unwritten_events
from shared.bus.pipelining import pipelined, refuse_failed_transaction
from shared.bus.topology import matches
from shared.bus.transport import Delivery, Settlement, Transport
from shared.bus.unacked import UnackedMark
from shared.events import ContractError, UnknownEventType, contract_for

Handler = Callable[[Event, Session], None]
log = structlog.get_logger("offcampus.bus")
_bind, _reset = structlog.contextvars.bind_contextvars, structlog.contextvars.reset_contextvars
# errors of the database itself, not of the message: wait and try the same batch again, costing no attempt
_TRANSIENT = (sa.exc.OperationalError, sa.exc.InterfaceError, sa.exc.TimeoutError)


class _Unavailable(Exception):
    """The database could not be reached (outside any handler, or the connection died under one)."""


class _HandlerError(Exception):
    """A handler raised; the message (not the database) is at fault, even for a statement timeout."""


class TakesUncontracted:
    """A handler that also takes events no contract declares, their data as it came (an archive of every event).

    Declared in a service's handlers, e.g. `{"#": takes_uncontracted(archive)}`. Without it an event of an
    undeclared type is dead-lettered as invalid, so a typo in a publisher's type is seen, not swallowed.
    Events that have a contract still go through it first, and one that breaks it is still dead-lettered.
    """

    def __init__(self, handler: Handler):
        self.handler = handler
        self.__name__ = getattr(handler, "__name__", "handler")

    def __call__(self, event: Event, session: Session) -> None:
        self.handler(event, session)


def takes_uncontracted(handler: Handler) -> TakesUncontracted:
    """Mark a handler as taking events of undeclared types too (an explicit opt-in; see TakesUncontracted)."""
    return TakesUncontracted(handler)


class _Item:
    __slots__ = ("delivery", "event", "handlers")

    def __init__(self, delivery: Delivery, event: Event, handlers: list[Handler]):
        self.delivery, self.event, self.handlers = delivery, event, handlers


class Consumer:
    """Consumes a service's work queue (or, `interactive`, its interactive queue) with its handlers,
    `{pattern: fn(event, session)}`.

    A worker runs one of each when the contracts give its service interactive types, both with every handler:
    the queue an event arrives on decides only how soon it is handled (a retried or replayed one comes back
    on the work queue), never how.
    """

    def __init__(self, service: str, engine: sa.Engine, transport: Transport, handlers: dict[str, Handler],
                 prefetch: int = 200, max_attempts: int = 5, batch_size: int | None = None,
                 interactive: bool = False):
        self.service, self.engine, self.transport = service, engine, transport
        self.interactive = interactive
        self.handlers, self.prefetch, self.max_attempts = dict(handlers), prefetch, max_attempts
        self.batch_size = batch_size or max(1, min(100, prefetch // 2))
        self.stats: Counter[str] = Counter()
        self._sessions = sessionmaker(bind=engine, expire_on_commit=False)
        self._routes: dict[str, list[Handler]] = {}
        self._counters: dict[tuple[str, str], Any] = {}
        self._histograms: dict[str, tuple[Any, Any]] = {}

    def run(self, stop: threading.Event) -> None:
        """Consume until `stop` is set; survives the broker and the database going away.

        Once stopped it finishes the batch in hand (or, with the database away, leaves it unacked), hands
        over its settlement, and closes the subscription, which performs it and returns every other
        delivery to the queue.
        """
        lane = {"interactive": True} if self.interactive else {}  # a transport without the lane is asked as before
        subscription = self.transport.subscribe(self.service, tuple(self.handlers), self.prefetch, **lane)
        mark = UnackedMark(self.engine, self.service)  # tells /v1/ops/bus that deliveries are in hand
        try:
            while not stop.is_set():
                batch = subscription.get(self.batch_size, timeout=0.2)
                if batch:
                    mark.hold()
                    settlement = self.handle(batch, stop)
                    if settlement is not None:
                        subscription.settle(settlement)
                elif not subscription.unacked:
                    mark.let_go()
        finally:
            subscription.close()
            mark.close()

    def handlers_for(self, event_type: str) -> list[Handler]:
        """Every handler whose pattern matches the type, in declaration order."""
        if event_type not in self._routes:
            self._routes[event_type] = [fn for pattern, fn in self.handlers.items() if matches(pattern, event_type)]
        return self._routes[event_type]

    def handle(self, deliveries: list[Delivery], stop: threading.Event | None = None) -> Settlement | None:
        """Handle a batch and say how to settle it; None when stopped while the database was away."""
        settlement, items = Settlement(), []
        for delivery in deliveries:
            item = self._parse(delivery, settlement)
            if item is not None:
                items.append(item)
        backoff = 0.2
        while items:
            try:
                self._handle(items, settlement)
                break
            except _Unavailable as exc:
                log.warning("bus.database_unavailable", service=self.service, error=repr(exc.__cause__)[:300])
                if stop is not None and stop.wait(backoff):
                    return None
                backoff = min(backoff * 2, 5.0)
        return settlement

    def _parse(self, delivery: Delivery, settlement: Settlement) -> _Item | None:
        try:
            event = Event.from_json(delivery.body)
        except MalformedEvent as exc:
            return self._dead(settlement, delivery, "unparseable", str(exc), delivery.event_type)
        handlers = self.handlers_for(event.type)
        if not handlers:  # a binding left from an older version of this service
            settlement.acks.append(delivery)
            self._count(event.type, "ignored")
            return None
        try:
            contract = contract_for(event.type)
        except UnknownEventType as exc:
            takers = [fn for fn in handlers if isinstance(fn, TakesUncontracted)]
            if not takers:  # retrying cannot fix the message: straight to the dead letters
                return self._dead(settlement, delivery, "invalid", str(exc), event.type, event)
            return _Item(delivery, event, takers)
        try:
            event.data = contract.validate(event.data)
        except ContractError as exc:  # retrying cannot fix the message: straight to the dead letters
            return self._dead(settlement, delivery, "invalid", str(exc), event.type, event)
        except Exception as exc:  # data so odd the schema itself trips over it
            return self._dead(settlement, delivery, "invalid", f"{exc.__class__.__name__}: {exc}", event.type, event)
        return _Item(delivery, event, handlers)

    def _handle(self, items: list[_Item], settlement: Settlement) -> None:
        started = time.perf_counter()
        try:
            done = self._transaction(items)
        except _Unavailable:
            raise
        except Exception:  # one bad message must not fail the others: handle each alone
            done = None
        if done is not None:
            self._settled(items, done, settlement, (time.perf_counter() - started) / len(items))
            return
        for item in items:
            started = time.perf_counter()
            try:
                done = self._transaction([item])
            except _Unavailable:
                raise
            except _HandlerError as exc:
                self._failed(item, exc.__cause__, settlement)
                continue
            except Exception as exc:  # e.g. a constraint the handler broke, found at commit
                self._failed(item, exc, settlement)
                continue
            self._settled([item], done, settlement, time.perf_counter() - started)

    def _transaction(self, items: list[_Item]) -> set[str]:
        """Claim the events in the inbox and run the handlers of the new ones; commit. Returns their ids."""
        try:
            return self._claim_and_run(items)
        except (_HandlerError, _Unavailable):
            raise
        except _TRANSIENT as exc:  # checkout, claim or commit failed: the database, not the message
            raise _Unavailable() from exc

    def _claim_and_run(self, items: list[_Item]) -> set[str]:
        with self._sessions() as session, session.begin():
            # pipelined: a handler's inserts go out without waiting for their answers (see shared.bus.pipelining)
            with pipelined(session):
                fresh = claim(session, [item.event for item in items])
                handled = set()
                for item in items:
                    event = item.event
                    if event.id not in fresh or event.id in handled:
                        continue
                    handled.add(event.id)
                    # bound_contextvars without its context manager: the same binding, restored the same way
                    tokens = _bind(correlation_id=event.correlationid, event_id=event.id, event_type=event.type,
                                   service=self.service)
                    try:
                        for handler in item.handlers:
                            try:
                                handler(event, session)
                            except Exception as exc:
                                if getattr(exc, "connection_invalidated", False):
                                    raise _Unavailable() from exc
                                raise _HandlerError() from exc
                    finally:
                        _reset(**tokens)
            refuse_failed_transaction(session)  # never acknowledge what the database quietly rolled back
            refuse_unwritten_events(session)  # a handler published without its BatchUnitOfWork's commit
        return handled

    def _settled(self, items: list[_Item], handled: set[str], settlement: Settlement, seconds: float) -> None:
        now = datetime.now(UTC)
        if handled:
            # one line per batch, not per event (the bus's throughput): enough to follow one case's journey
            # (its correlation id) through this service's worker
            log.info("bus.handled", service=self.service, events=len(handled), interactive=self.interactive,
                     correlation_ids=sorted({i.event.correlationid for i in items
                                             if i.event.id in handled and i.event.correlationid}))
        for item in items:
            event = item.event
            settlement.acks.append(item.delivery)
            if event.id in handled:
                handled.discard(event.id)  # a second copy in the same batch is a duplicate
                self._count(event.type, "handled")
                handling, lag = self._timers(event.type)
                handling.observe(seconds)
                lag.observe(max(0.0, (now - event.time).total_seconds()))
            else:
                self._count(event.type, "duplicate")

    def _failed(self, item: _Item, exc: Exception, settlement: Settlement) -> None:
        event, delivery = item.event, item.delivery
        error = f"{exc.__class__.__name__}: {exc}"
        with structlog.contextvars.bound_contextvars(correlation_id=event.correlationid, event_id=event.id):
            if delivery.attempt >= self.max_attempts:
                self._dead(settlement, delivery, "handler_failed", error, event.type, event)
                return
            log.warning("bus.handler_failed", service=self.service, event_type=event.type,
                        attempt=delivery.attempt, error=error[:500])
        settlement.retries.append((delivery, error))
        self._count(event.type, "retried")

    def _dead(self, settlement: Settlement, delivery: Delivery, reason: str, error: str, event_type: str,
              event: Event | None = None) -> None:
        log.error("bus.dead_letter", service=self.service, event_type=event_type, reason=reason,
                  attempts=delivery.attempt, error=error[:500],
                  correlation_id=event.correlationid if event else None,
                  event_id=event.id if event else delivery.message_id)
        settlement.deads.append((delivery, reason, error))
        metrics.DEAD_LETTERS.labels(service=self.service, reason=reason).inc()
        self._count(event_type, "dead")
        return None

    def _count(self, event_type: str, outcome: str) -> None:
        self.stats[outcome] += 1
        key = (event_type, outcome)
        if key not in self._counters:  # looking a labelled child up costs more than the increment
            self._counters[key] = metrics.EVENTS_CONSUMED.labels(service=self.service, type=event_type,
                                                                 outcome=outcome)
        self._counters[key].inc()

    def _timers(self, event_type: str) -> tuple[Any, Any]:
        if event_type not in self._histograms:
            self._histograms[event_type] = (
                metrics.EVENT_HANDLING_SECONDS.labels(service=self.service, type=event_type),
                metrics.EVENT_LAG_SECONDS.labels(service=self.service, type=event_type))
        return self._histograms[event_type]

