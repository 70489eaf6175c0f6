"""The relay: publishes the outbox's unsent rows with confirms, marks them sent, retries the rest later."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
import structlog
from sqlalchemy.orm import Session

from shared.bus import metrics
from shared.bus.ops import export_outbox_gauges, outbox_counts
from shared.bus.outbox import NOTIFY_CHANNEL, register_waker
from shared.bus.tables import outbox_table
from shared.bus.transport import Outgoing, Transport

log = structlog.get_logger("offcampus.bus")
_cols = outbox_table.c
# an IN list of literal ids is a new statement for each batch size, parsed and planned every time
_PG_MARK_SENT = sa.text("UPDATE bus_outbox SET sent_at = :now, last_error = NULL "
                        "WHERE id = ANY(CAST(:ids AS bigint[]))")


def _backoff(attempts: int, ceiling: float) -> float:
    # exponential with jitter, so rows that failed together do not all come back together
    return min(ceiling, 0.5 * 2 ** attempts) * random.uniform(0.8, 1.2)


class Relay:
    """Moves a service's committed outbox rows to the broker; several replicas may run on PostgreSQL."""

    def __init__(self, engine: sa.Engine, transport: Transport, service: str, batch_size: int = 500,
                 confirm_timeout: float = 10.0, poll_interval: float = 1.0, max_backoff: float = 60.0,
                 linger: float = 0.01):
        self.engine, self.transport, self.service = engine, transport, service
        self.batch_size, self.confirm_timeout = batch_size, confirm_timeout
        self.poll_interval, self.max_backoff, self.linger = poll_interval, max_backoff, linger
        self.published = 0
        self._wake = threading.Event()
        self._publisher: Any = None
        register_waker(self._wake)

    def wake(self) -> None:
        """Look at the outbox now (the unit of work calls this after committing events)."""
        self._wake.set()

    def drain_once(self) -> int:
        """Publish every row ready now, batch after batch; return how many were confirmed."""
        total = 0
        while True:
            confirmed, full = self._relay_batch()
            total += confirmed
            if not full:
                return total

    def _relay_batch(self) -> tuple[int, bool]:
        now = datetime.now(UTC)
        with Session(self.engine) as session, session.begin():
            # rows another relay holds are skipped, not waited for; the lock lasts until marked
            rows = session.execute(
                sa.select(_cols.id, _cols.event_id, _cols.type, _cols.payload, _cols.correlation_id,
                          _cols.created_at, _cols.attempts)
                .where(_cols.sent_at.is_(None),
                       sa.or_(_cols.next_attempt_at.is_(None), _cols.next_attempt_at <= now))
                .order_by(_cols.id).limit(self.batch_size).with_for_update(skip_locked=True)
            ).all()
            if not rows:
                return 0, False
            messages = [Outgoing(key=row.id, body=row.payload.encode(), routing_key=row.type,
                                 message_id=row.event_id, timestamp=row.created_at,
                                 correlation_id=row.correlation_id) for row in rows]
            results = self._publish(messages)
            confirmed = self._record(session, rows, results)
        self.published += confirmed
        return confirmed, len(rows) == self.batch_size

    def _publish(self, messages: list[Outgoing]) -> dict[Any, str | None]:
        if self._publisher is None:
            self._publisher = self.transport.publisher(self.service)
        return self._publisher.publish(messages, self.confirm_timeout)

    def _record(self, session: Session, rows: list[Any], results: dict[Any, str | None]) -> int:
        """Mark confirmed rows sent; give the others a later attempt and their error."""
        now = datetime.now(UTC)
        sent = [row for row in rows if results.get(row.id, "not published") is None]
        if sent:
            if session.bind.dialect.name == "postgresql":  # one prepared statement whatever the count
                session.execute(_PG_MARK_SENT, {"now": now, "ids": [row.id for row in sent]})
            else:
                session.execute(outbox_table.update().where(_cols.id.in_([row.id for row in sent]))
                                .values(sent_at=now, last_error=None))
        failed = [row for row in rows if results.get(row.id, "not published") is not None]
        if failed:
            session.execute(
                outbox_table.update().where(_cols.id == sa.bindparam("row_id"))
                .values(attempts=_cols.attempts + 1, next_attempt_at=sa.bindparam("retry_at"),
                        last_error=sa.bindparam("error")),
                [{"row_id": row.id, "error": results.get(row.id) or "not published",
                  "retry_at": now + timedelta(seconds=_backoff(row.attempts, self.max_backoff))}
                 for row in failed])
            log.warning("bus.relay_retry_later", service=self.service, rows=len(failed),
                        error=results.get(failed[0].id))
        for event_type, count in Counter(row.type for row in sent).items():
            metrics.EVENTS_PUBLISHED.labels(type=event_type).inc(count)
        return len(sent)

    def pending(self) -> int:
        """Rows not yet sent."""
        with self.engine.connect() as conn:
            return conn.scalar(sa.select(sa.func.count()).select_from(outbox_table)
                               .where(_cols.sent_at.is_(None)))

    def run(self, stop: threading.Event) -> None:
        """Relay until `stop` is set: drain, then sleep until woken (NOTIFY, a local commit) or the poll."""
        listener = _Listener(self.engine, self._wake, stop) if self.engine.dialect.name == "postgresql" \
            else None
        backoff, gauge_at = 0.2, 0.0
        try:
            while not stop.is_set():
                # the outbox gauges every 5 s, also while publishing fails (when rows pile up and age)
                if time.monotonic() - gauge_at > 5:
                    gauge_at = time.monotonic()
                    with suppress(Exception):
                        export_outbox_gauges(self.service, outbox_counts(self.engine))
                self._wake.clear()
                try:
                    self.drain_once()
                    backoff = 0.2
                except Exception as exc:  # broker or database away: keep the rows, try again later
                    log.warning("bus.relay_failed", service=self.service, error=repr(exc)[:300])
                    self._close_publisher()
                    stop.wait(backoff)
                    backoff = min(backoff * 2, 5.0)
                    continue
                self._idle(stop)
        finally:
            self._close_publisher()
            if listener is not None:
                listener.join()

    def _idle(self, stop: threading.Event) -> None:
        deadline = time.monotonic() + self.poll_interval
        while not stop.is_set() and not self._wake.is_set() and time.monotonic() < deadline:
            self._wake.wait(0.05)
        if self._publisher is not None:
            self._publisher.keepalive()
        if self._wake.is_set() and self.linger:
            # under load every commit wakes us: gathering a few milliseconds' worth of rows per batch
            # costs that much latency and saves a transaction and a confirm round per handful of rows
            time.sleep(self.linger)

    def _close_publisher(self) -> None:
        publisher, self._publisher = self._publisher, None
        if publisher is not None:
            publisher.close()


class _Listener:
    """LISTENs for the outbox's NOTIFY on a connection of its own and wakes the relay."""

    def __init__(self, engine: sa.Engine, wake: threading.Event, stop: threading.Event):
        self._engine, self._wake, self._stop = engine, wake, stop
        self._thread = threading.Thread(target=self._run, name="bus-outbox-listener", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            raw = None
            try:
                raw = self._engine.raw_connection()
                conn = raw.driver_connection
                conn.autocommit = True
                conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
                while not self._stop.is_set():
                    for _ in conn.notifies(timeout=0.5, stop_after=1):
                        self._wake.set()
            except Exception as exc:  # the poll still covers us while the database is away
                log.warning("bus.listen_failed", error=repr(exc)[:200])
                self._stop.wait(1.0)
            finally:
                if raw is not None:
                    with suppress(Exception):
                        raw.invalidate()

    def join(self) -> None:
        self._thread.join(timeout=5)
