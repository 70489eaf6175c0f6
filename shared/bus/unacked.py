"""Whether a service's consumers hold deliveries they have not acked yet, for `/v1/ops/bus`.

RabbitMQ tells an AMQP client how many of a queue's messages are ready, not how many are delivered and not
yet acked: only its management plugin or `rabbitmqctl` would, and neither can be assumed. The consumer
knows, so it tells, through the database every service already has: while it holds unacked deliveries it
holds a shared PostgreSQL advisory lock named after its schema and service, on a connection of its own,
and it lets go once everything it was given is acked. `holders` counts the processes holding that lock.

A worker that dies loses the lock with its database connection, just as its unacked messages go back to
the queue with its AMQP connection, so nothing stale is left behind (a table of counts would need expiry).
The lock is taken when a batch reaches the consumer, a few milliseconds after the broker handed it out;
within that gap a message is in neither figure, so a caller waiting for the bus to settle should see
`settled` twice in a row. Other databases than PostgreSQL (SQLite under `offcampus up`) run with the
in-memory broker, which counts its unacked messages itself.
"""

from __future__ import annotations

from contextlib import suppress

import sqlalchemy as sa
import structlog

log = structlog.get_logger("offcampus.bus")
# The two-key advisory lock: 4092 ("unacked deliveries of the bus"), then the schema and service's hash.
_HOLD = sa.text("SELECT pg_advisory_lock_shared(4092, hashtext(current_schema() || '/' || :service))")
_LET_GO = sa.text("SELECT pg_advisory_unlock_shared(4092, hashtext(current_schema() || '/' || :service))")
# such a lock shows in pg_locks as classid = the first key, objid = the second, objsubid = 2
_HOLDERS = sa.text("""
SELECT count(*) FROM pg_locks
WHERE locktype = 'advisory' AND granted AND objsubid = 2 AND classid = 4092
  AND objid = hashtext(current_schema() || '/' || :service)::oid
  AND database = (SELECT oid FROM pg_database WHERE datname = current_database())""")


def _on_postgresql(engine: sa.Engine) -> bool:
    return engine.dialect.name == "postgresql"


def holders(engine: sa.Engine, service: str) -> int | None:
    """How many consumer processes of `service` hold unacked deliveries (None where this is not known)."""
    if not _on_postgresql(engine):
        return None
    with engine.connect() as conn:
        return conn.scalar(_HOLDERS, {"service": service})


class UnackedMark:
    """A consumer's sign that it holds unacked deliveries: `hold()` before handling, `let_go()` once all are acked."""

    def __init__(self, engine: sa.Engine, service: str):
        self.engine, self.service = engine, service
        self.held = False
        self._conn: sa.Connection | None = None

    def hold(self) -> None:
        """Show that deliveries are in hand (a no-op when already shown or not on PostgreSQL)."""
        if not self.held and _on_postgresql(self.engine):
            self.held = self._execute(_HOLD)

    def let_go(self) -> None:
        """Show that nothing is in hand any more."""
        if self.held:
            self._execute(_LET_GO)
            self.held = False

    def close(self) -> None:
        """Let go and close the lock's connection (closing it alone would let go too)."""
        with suppress(Exception):
            self.let_go()
        conn, self._conn = self._conn, None
        if conn is not None:
            with suppress(Exception):
                conn.close()

    def _execute(self, statement: sa.TextClause) -> bool:
        try:
            if self._conn is None:
                self._conn = self.engine.connect()
            self._conn.execute(statement, {"service": self.service})
            self._conn.commit()  # a session-level lock outlives the transaction; do not sit idle in one
            return True
        except Exception as exc:  # the database away: consuming goes on; a lost connection lost its lock too
            log.warning("bus.unacked_mark_failed", service=self.service, error=repr(exc)[:200])
            conn, self._conn = self._conn, None
            if conn is not None:
                with suppress(Exception):
                    conn.invalidate()
            return False
