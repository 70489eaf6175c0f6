"""Test helpers for the bus: a counting event, its effect table, producers and waiting without sleeping.

The effect is a counter per event in a table with no unique key, so a duplicate effect shows as 2.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from marshmallow import fields
from sqlalchemy.orm import Session

from shared.bus.envelope import Event, new_event
from shared.bus.tables import define_bus_tables
from shared.unit_of_work import UnitOfWork

COUNTER_TYPE = "test.counter.incremented"
metadata = sa.MetaData()
define_bus_tables(metadata)
counters = sa.Table(
    "bus_test_counter", metadata,
    sa.Column("counter_id", sa.String(64), nullable=False, index=True),  # deliberately not unique
    sa.Column("hits", sa.Integer, nullable=False),
    sa.Column("worker", sa.Integer),  # the pid of the process that last handled it
)
records = sa.Table(
    "bus_test_record", metadata,
    sa.Column("counter_id", sa.String(64), nullable=False, index=True),  # no key at all: a repeat is a 2nd row
    sa.Column("worker", sa.Integer),
)
# poison events fail until a test "fixes" the handler; lives in the process that runs the handler
poison_fixed = threading.Event()


@contextmanager
def counter_contract(consumers: tuple[str, ...] = ("test",)) -> Iterator[Any]:
    """Declare the test-only `test.counter.incremented` contract for the duration."""
    from shared.events import temporary_contract

    schema = {"counter_id": fields.String(required=True), "poison": fields.Boolean(load_default=False),
              "payload": fields.String(load_default="")}
    with temporary_contract(type=COUNTER_TYPE, schema=schema, consumers=consumers) as contract:
        yield contract


def create_schema(engine: sa.Engine) -> None:
    """Create the bus tables and the counters table."""
    metadata.create_all(engine)


def counting_handler(delay: float = 0.0) -> Callable[[Event, Session], None]:
    """A handler that adds 1 to its event's counter (after `delay` seconds), failing on poison events."""

    def handle(event: Event, session: Session) -> None:
        if delay:
            time.sleep(delay)
        if event.data.get("poison") and not poison_fixed.is_set():
            raise RuntimeError(f"poison event {event.data['counter_id']}")
        session.execute(counters.update().where(counters.c.counter_id == event.data["counter_id"])
                        .values(hits=counters.c.hits + 1, worker=os.getpid()))

    return handle


def recording_handler(delay: float = 0.0) -> Callable[[Event, Session], None]:
    """A handler that inserts one row per event: an INSERT returning nothing, pipelined on PostgreSQL."""

    def handle(event: Event, session: Session) -> None:
        if delay:
            time.sleep(delay)
        session.execute(records.insert(), {"counter_id": event.data["counter_id"], "worker": os.getpid()})

    return handle


def records_per_key(engine: sa.Engine) -> dict[str, int]:
    """How many rows the recording handler inserted for each counter."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(records.c.counter_id, sa.func.count()).group_by(records.c.counter_id))
        return {key: int(n) for key, n in rows}


def produce(engine: sa.Engine, keys: list[str], per_transaction: int = 10, rate: float | None = None,
            poison: set[str] = frozenset(), stop: threading.Event | None = None) -> list[Event]:
    """Create a counter (at 0) and its event in the same transaction, `per_transaction` at a time."""
    events, started = [], time.monotonic()
    for start in range(0, len(keys), per_transaction):
        if stop is not None and stop.is_set():
            break
        with UnitOfWork.on(engine) as uow:
            chunk = keys[start:start + per_transaction]
            uow.session.execute(counters.insert(), [{"counter_id": key, "hits": 0} for key in chunk])
            for key in chunk:
                event = new_event(COUNTER_TYPE, subject=key, data={"counter_id": key, "poison": key in poison})
                events.append(uow.publish(event))
            uow.commit()
        if rate:  # keep a steady pace: the n-th event is due n/rate seconds after the start
            ahead = (start + per_transaction) / rate - (time.monotonic() - started)
            if ahead > 0:
                time.sleep(ahead)
    return events


def hits(engine: sa.Engine) -> dict[str, int]:
    """Each counter's total (summed over rows, in case a duplicate row ever appeared)."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(counters.c.counter_id, sa.func.sum(counters.c.hits))
                            .group_by(counters.c.counter_id))
        return {key: int(total) for key, total in rows}


def handled_count(engine: sa.Engine) -> int:
    """How many counters were incremented at least once."""
    with engine.connect() as conn:
        return conn.scalar(sa.select(sa.func.count()).select_from(counters).where(counters.c.hits > 0))


def workers_seen(engine: sa.Engine) -> set[int]:
    """The pids of the processes that handled events."""
    with engine.connect() as conn:
        return set(conn.scalars(sa.select(counters.c.worker).where(counters.c.worker.is_not(None)).distinct()))


def assert_struck_midway(handled: int, total: int) -> None:
    """The fault hit while between 10% and 90% of the events had been handled."""
    assert 0.1 * total <= handled <= 0.9 * total, f"the fault struck at {handled}/{total} handled"


def wait_until(predicate: Callable[[], Any], timeout: float = 30.0, interval: float = 0.05,
               message: str = "condition") -> Any:
    """Poll until predicate() is truthy and return its value; raise AssertionError after timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g}s waiting for {message}")
        time.sleep(interval)


@contextmanager
def running(target: Callable[[threading.Event], None], name: str = "bus") -> Iterator[threading.Event]:
    """Run `target(stop)` in a thread for the duration; stop and join it on exit."""
    stop = threading.Event()
    thread = threading.Thread(target=target, args=(stop,), name=name, daemon=True)
    thread.start()
    try:
        yield stop
    finally:
        stop.set()
        thread.join(timeout=30)
