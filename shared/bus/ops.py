"""`GET /v1/ops/bus`: how far the bus is from settled, for a service."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from shared.bus import metrics
from shared.bus.dlq import _transport
from shared.bus.tables import inbox_table, outbox_table
from shared.bus.transport import Transport
from shared.bus.unacked import holders

_cols = outbox_table.c


def outbox_counts(engine: sa.Engine) -> dict[str, Any]:
    """Unsent rows, how many of them failed at least once, and the age in seconds of the oldest."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(
            sa.func.count(), sa.func.count().filter(_cols.attempts > 0), sa.func.min(_cols.created_at),
        ).where(_cols.sent_at.is_(None))).one()
    pending, failing, oldest = row
    age = None
    if oldest is not None:
        oldest = oldest if oldest.tzinfo else oldest.replace(tzinfo=UTC)  # SQLite drops the zone
        age = round((datetime.now(UTC) - oldest).total_seconds(), 3)
    return {"outbox_pending": pending, "outbox_failing": failing, "outbox_oldest_age_s": age}


def export_outbox_gauges(service: str, counts: dict[str, Any]) -> None:
    """Set the outbox gauges (rows pending, age of the oldest) from `outbox_counts`."""
    metrics.OUTBOX_PENDING.labels(service=service).set(counts["outbox_pending"])
    metrics.OUTBOX_OLDEST_AGE_SECONDS.labels(service=service).set(counts["outbox_oldest_age_s"] or 0)


def bus_status(engine: sa.Engine, transport_or_url: Transport | str | None, service: str,
               namespace: str = "offcampus") -> dict[str, Any]:
    """Outbox pending, queue depth, unacked deliveries, retrying and dead letters; `settled` when nothing is
    in flight.

    `queue_depth` counts ready messages. Delivered ones not acked yet count as `unacked` where the broker
    tells (the in-memory one), and as `consumers_holding_unacked` where the consumers tell (PostgreSQL, see
    `shared.bus.unacked`); either keeps `settled` false. A message is in neither figure for the few
    milliseconds between the broker handing it out and the consumer showing it, so a caller waiting for
    the bus to settle should see `settled` twice in a row.
    """
    status: dict[str, Any] = {"service": service, **outbox_counts(engine)}
    export_outbox_gauges(service, status)
    transport = _transport(transport_or_url, namespace)
    status["transport"] = transport.kind
    try:
        depths = transport.depths(service)
        status.update({"queue_depth": depths.get("queue_depth"), "interactive_depth": depths.get("interactive_depth"),
                       "unacked": depths.get("unacked"),
                       "retrying": depths.get("retrying"), "dead_letters": depths.get("dead_letters"),
                       "broker": "ok"})
    except Exception as exc:  # the answer must still come when the broker is away
        status.update({"queue_depth": None, "interactive_depth": None, "unacked": None, "retrying": None,
                       "dead_letters": None,
                       "broker": f"down: {exc.__class__.__name__}"})
    status["consumers_holding_unacked"] = holders(engine, service)
    in_flight = [status["outbox_pending"], status["queue_depth"] or 0, status["unacked"] or 0,
                 status["consumers_holding_unacked"] or 0, status["retrying"] or 0]
    status["settled"] = status["broker"] == "ok" and not any(in_flight)
    return status


def prune_bus_tables(engine: sa.Engine, sent_older_than: timedelta = timedelta(days=7),
                     handled_older_than: timedelta = timedelta(days=30)) -> dict[str, int]:
    """Delete outbox rows sent and inbox rows handled long ago (a scheduled check of the worker can call it).

    The inbox keeps ids longer: a redelivery older than its horizon would be handled again.
    """
    now = datetime.now(UTC)
    with engine.begin() as conn:
        sent = conn.execute(outbox_table.delete().where(_cols.sent_at < now - sent_older_than)).rowcount
        handled = conn.execute(inbox_table.delete().where(inbox_table.c.handled_at < now - handled_older_than)).rowcount
    return {"outbox_deleted": sent, "inbox_deleted": handled}
