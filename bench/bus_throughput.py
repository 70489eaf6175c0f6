"""The bus's speed against its raw limits, on the real RabbitMQ and PostgreSQL, in one run.

Run: `.venv/bin/python bench/bus_throughput.py [--events 50000] [--producers 3] [--steady-seconds 20]`
Broker and database: OFFCAMPUS_BENCH_AMQP_URL (default the local guest broker) and OFFCAMPUS_BENCH_DATABASE_URL
(default database `offcampus_bench` on the local server, created if missing); everything the bench makes
(a schema, queues in a namespace of its own) is removed at the end.

Phases:
1. raw publish: py-amqp publishing persistent messages of the events' size to a quorum queue with pipelined
   confirms (a sliding window of unconfirmed messages), nothing else on the path;
2. raw consume: draining those messages with prefetch and acks (one multiple-ack per 100);
3. raw at a steady 500/s: publish and consume at once, latency from publish to consume;
4. bus: `--events` events of a real contract (`registry.institution.registered`, every field filled) written
   concurrently by `--producers` processes through the outbox in transactions of 10, relayed (`--relays`
   processes, default one), consumed (`--consumers` processes, default one) with the inbox and a handler
   that inserts a projection row per event; events/s from the first write to the last handled, and
   latency from event time to handling;
5. bus at a steady 500/s for `--steady-seconds`: latency p50/p99.
`--ablation A,B,...` runs only phases 4 and 5, for each variant in turn, `--rounds` times (bench/bus_ablation.py).
Targets (issues 3 and 8): bus >= 3,000 events/s end to end; at 500/s p50 < 50 ms and p99 < 250 ms. The last line is
one JSON object: raw_publish_confirm_events_per_s, raw_consume_events_per_s, bus_events_per_s, bus_p50_ms,
bus_p99_ms_at_500 (bus_p50_ms also at 500/s).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import statistics
import sys
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness import ensure_database  # noqa: E402

from shared.bus.amqp import connect, message_of  # noqa: E402
from shared.bus.tables import define_bus_tables  # noqa: E402
from shared.db import make_engine  # noqa: E402

AMQP_URL = os.environ.get("OFFCAMPUS_BENCH_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//")
DATABASE_URL = os.environ.get("OFFCAMPUS_BENCH_DATABASE_URL",
                              "postgresql+psycopg://postgres@127.0.0.1:5432/offcampus_bench")
SERVICE = "bench"
# ---- raw limits ------------------------------------------------------------------------------------------
def raw_publish(queue: str, count: int, body: bytes, window: int = 2000, rate: float | None = None) -> float:
    """Publish `count` persistent messages with a sliding window of unconfirmed ones; return messages/s."""
    conn = connect(AMQP_URL)
    channel = conn.channel()
    channel.confirm_select()
    confirmed = [0]
    channel.events["basic_ack"].add(lambda tag, multiple: confirmed.__setitem__(0, max(confirmed[0], tag)))
    started = time.perf_counter()
    for sent in range(1, count + 1):
        while sent - confirmed[0] > window:
            conn.drain_events(timeout=10)
        if rate:
            ahead = sent / rate - (time.perf_counter() - started)
            if ahead > 0:
                time.sleep(ahead)
        channel.basic_publish(message_of(body, {"message_id": str(sent)}, {"sent": time.time()}),
                              exchange="", routing_key=queue)
    while confirmed[0] < count:
        conn.drain_events(timeout=10)
    elapsed = time.perf_counter() - started
    conn.close()
    return count / elapsed


def raw_consume(queue: str, count: int, latencies: list[float] | None = None) -> float:
    """Consume `count` messages with prefetch 200, acking every 100; return messages/s."""
    conn = connect(AMQP_URL)
    channel = conn.channel()
    channel.basic_qos(0, 200, False)
    received, started = [0], [0.0]

    def on_message(message):
        if not started[0]:
            started[0] = time.perf_counter()
        received[0] += 1
        if latencies is not None:
            latencies.append((time.time() - message.headers["sent"]) * 1000)
        if received[0] % 100 == 0 or received[0] == count:
            channel.basic_ack(message.delivery_tag, multiple=True)

    channel.basic_consume(queue, callback=on_message)
    while received[0] < count:
        conn.drain_events(timeout=30)
    elapsed = time.perf_counter() - started[0]
    conn.close()
    return count / elapsed


def raw_phase(namespace: str, count: int, steady_seconds: float, body: bytes) -> dict[str, float]:
    """The raw figures, on a quorum queue like the bus's."""
    queue = f"{namespace}.raw"
    conn = connect(AMQP_URL)
    conn.channel().queue_declare(queue, durable=True, auto_delete=False, arguments={"x-queue-type": "quorum"})
    publish = raw_publish(queue, count, body)
    consume = raw_consume(queue, count)
    steady_count, latencies = int(500 * steady_seconds / 2), []
    consumer = threading.Thread(target=raw_consume, args=(queue, steady_count, latencies))
    consumer.start()
    raw_publish(queue, steady_count, body, rate=500)
    consumer.join()
    conn.channel().queue_delete(queue)
    conn.close()
    return {"publish": publish, "consume": consume, **_percentiles(latencies)}


# ---- the bus, in processes of its own ----------------------------------------------------------------------
EVENT_TYPE = "registry.institution.registered"  # a real contract, every field filled
INSTITUTION = {"name": "城固县启明文化培训学校", "credit_code": "52610722MJ2950121R", "division_code": "610722",
               "town": "博望街道", "address": "城固县博望街道文化路12号", "category": "discipline",
               "subject_group": "mathematics", "state": "stock", "occurred_on": "2021-08-02"}
metadata = sa.MetaData()
define_bus_tables(metadata)
# what the handler writes: the institution as a projection keeps it, plus when it was handled (for latency)
projection = sa.Table(
    "bench_institution", metadata,
    sa.Column("institution_id", sa.String(64), primary_key=True), sa.Column("name", sa.String(200)),
    sa.Column("division_code", sa.String(6)), sa.Column("town", sa.String(100)), sa.Column("category", sa.String(20)),
    sa.Column("state", sa.String(20)), sa.Column("phase", sa.String(40), nullable=False, index=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("handled_at", sa.DateTime(timezone=True), nullable=False))


def _project(event, session) -> None:
    """The bench's handler, shaped like a reporting projection: one row per institution registered."""
    data = event.data
    session.execute(projection.insert(), {
        "institution_id": data["institution_id"], "name": data["name"], "division_code": data["division_code"],
        "town": data["town"], "category": data["category"], "state": data["state"],
        "phase": data["institution_id"].rsplit("-", 1)[0], "created_at": event.time,
        "handled_at": datetime.now(UTC)})


def _worker(role: str, db_url: str, namespace: str, stop, ready) -> None:
    from shared.bus.consumer import Consumer
    from shared.bus.relay import Relay
    from shared.bus.transport import transport_from_url
    from shared.observability import configure_logging

    # the consumer's line per handled batch (INFO) would interleave with the figures printed; a worker at INFO
    # pays one line per batch of up to 150 events
    configure_logging("WARNING")
    engine = make_engine(db_url)
    transport = transport_from_url(AMQP_URL, namespace=namespace)
    halt = threading.Event()
    threading.Thread(target=lambda: (stop.wait(), halt.set()), daemon=True).start()
    transport.declare(SERVICE, (EVENT_TYPE,))
    ready.set()
    if role == "relay":
        # "bench" publishes nothing by contract, so the relay declares no other service's queue
        Relay(engine, transport, SERVICE, batch_size=500).run(halt)
    else:
        Consumer(SERVICE, engine, transport, {EVENT_TYPE: _project}, prefetch=300, batch_size=150).run(halt)
    engine.dispose()


def _producer(db_url: str, phase: str, first: int, count: int, rate: float | None, go) -> None:
    from shared.bus import new_event
    from shared.unit_of_work import UnitOfWork

    engine = make_engine(db_url)
    go.wait()
    started = time.perf_counter()
    for start in range(first, first + count, 10):
        with UnitOfWork.on(engine) as uow:
            for n in range(start, min(start + 10, first + count)):
                uow.publish(new_event(EVENT_TYPE, data={"institution_id": f"{phase}-{n}", **INSTITUTION}))
            uow.commit()
        if rate:
            ahead = (start + 10 - first) / rate - (time.perf_counter() - started)
            if ahead > 0:
                time.sleep(ahead)
    engine.dispose()


def bus_phase(db_url: str, engine: sa.Engine, phase: str, total: int, producers: int,
              rate: float | None = None) -> dict[str, float]:
    """Write `total` events from `producers` processes; wait until all are handled; figures from the effects."""
    ctx = mp.get_context("spawn")
    go = ctx.Event()
    shares = [total // producers + (1 if i < total % producers else 0) for i in range(producers)]
    starts = [sum(shares[:i]) for i in range(producers)]
    procs = [ctx.Process(target=_producer, args=(db_url, phase, starts[i], shares[i],
                                                 rate / producers if rate else None, go)) for i in range(producers)]
    for proc in procs:
        proc.start()
    time.sleep(2.0)  # let them import and connect
    go.set()
    started = datetime.now(UTC)
    deadline = time.monotonic() + 600
    while _handled(engine, phase) < total:
        if time.monotonic() > deadline:
            raise SystemExit(f"{phase}: not every event was handled within 10 minutes")
        time.sleep(0.2)
    for proc in procs:
        proc.join()
    with engine.connect() as conn:
        rows = conn.execute(sa.select(projection.c.created_at, projection.c.handled_at)
                            .where(projection.c.phase == phase)).all()
    finished = max(row.handled_at for row in rows)
    latencies = [(row.handled_at - row.created_at).total_seconds() * 1000 for row in rows]
    return {"events": len(rows), "events_per_s": len(rows) / (finished - started).total_seconds(),
            **_percentiles(latencies)}


def _handled(engine: sa.Engine, phase: str) -> int:
    with engine.connect() as conn:
        return conn.scalar(sa.select(sa.func.count()).select_from(projection).where(projection.c.phase == phase))


def _percentiles(latencies: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return {"p50_ms": cuts[49], "p99_ms": cuts[98]}


def _database(namespace: str) -> tuple[str, sa.Engine, sa.Engine]:
    url = sa.engine.make_url(DATABASE_URL)
    ensure_database(DATABASE_URL)
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{namespace}"'))
    db_url = url.update_query_dict({"options": f"-csearch_path={namespace}"}).render_as_string(hide_password=False)
    engine = make_engine(db_url)
    metadata.create_all(engine)
    return db_url, engine, admin


def _clean_broker(namespace: str) -> None:
    from shared.bus.topology import Topology

    conn = connect(AMQP_URL)
    for spec in Topology(namespace).queues(SERVICE):
        conn.channel().queue_delete(spec.name)
    conn.channel().exchange_delete(f"{namespace}.events")
    conn.close()


def run_bus(db_url: str, engine: sa.Engine, namespace: str, label: str, events: int, producers: int,
            steady_seconds: float, consumers: int = 1, relays: int = 1) -> tuple[dict, dict]:
    """Start the workers, run the bus at full speed then at a steady 500/s, stop them; both phases' figures."""
    ctx = mp.get_context("spawn")
    stop = ctx.Event()
    workers = []
    try:
        for role in ["consume"] * consumers + ["relay"] * relays:
            ready = ctx.Event()
            workers.append(ctx.Process(target=_worker, args=(role, db_url, namespace, stop, ready)))
            workers[-1].start()
            ready.wait(60)
        time.sleep(1.0)
        bus = bus_phase(db_url, engine, f"{label}-throughput", events, producers)
        steady = bus_phase(db_url, engine, f"{label}-steady", int(500 * steady_seconds), 2, rate=500)
    finally:
        stop.set()
        for worker in workers:
            worker.join(30)
    return bus, steady


def clear_tables(engine: sa.Engine) -> None:
    """Empty the outbox, the inbox and the projection, so every run starts from the same tables."""
    with engine.begin() as conn:
        conn.execute(sa.text("TRUNCATE bus_outbox, bus_inbox, bench_institution"))


def main() -> None:
    """Run every phase and print the figures, their ratios, and one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--producers", type=int, default=3)
    parser.add_argument("--steady-seconds", type=float, default=20.0)
    parser.add_argument("--consumers", type=int, default=1, help="worker replicas consuming the queue")
    parser.add_argument("--relays", type=int, default=1, help="relays sharing the outbox (SKIP LOCKED)")
    parser.add_argument("--ablation", metavar="VARIANTS",
                        help="comma-separated variants (see bench/bus_ablation.py), run in turn --rounds times")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    namespace = f"bench_{uuid.uuid4().hex[:8]}"
    # the figures depend on what else the machine runs: say so next to them
    print(f"cores {os.cpu_count()}, load average at start {os.getloadavg()[0]:.2f}", flush=True)
    db_url, engine, admin = _database(namespace)
    try:
        if args.ablation:
            from bus_ablation import ablation

            ablation(args, db_url, engine, namespace)
        else:
            measure(args, db_url, engine, namespace)
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{namespace}" CASCADE'))
        admin.dispose()
        _clean_broker(namespace)


def event_body() -> bytes:
    """A real event's envelope, as the relay publishes it (for the raw phases' message size)."""
    from shared.bus import new_event

    data = {"institution_id": "01HW8ZQ3V4N6P2K7T9R5M1X0AB", **INSTITUTION}
    return new_event(EVENT_TYPE, data=data).to_json().encode()


def measure(args: argparse.Namespace, db_url: str, engine: sa.Engine, namespace: str) -> None:
    """The raw limits, then the bus; ends with the JSON line of the issue's figures."""
    raw = raw_phase(namespace, args.events, args.steady_seconds, event_body())
    print(f"raw publish, pipelined confirms: {raw['publish']:8.0f} msg/s")
    print(f"raw consume with acks:           {raw['consume']:8.0f} msg/s")
    print(f"raw at 500/s:                    p50 {raw['p50_ms']:6.1f} ms  p99 {raw['p99_ms']:6.1f} ms")
    bus, steady = run_bus(db_url, engine, namespace, "bus", args.events, args.producers, args.steady_seconds,
                          args.consumers, args.relays)
    print(f"bus end to end ({bus['events']} events, {args.producers} producers, transactions of 10, "
          f"{args.relays} relay(s), {args.consumers} consumer(s)): "
          f"{bus['events_per_s']:8.0f} events/s  p50 {bus['p50_ms']:.0f} ms  p99 {bus['p99_ms']:.0f} ms")
    print(f"bus at 500/s ({steady['events']} events): p50 {steady['p50_ms']:6.1f} ms  "
          f"p99 {steady['p99_ms']:6.1f} ms   (targets: < 50 ms, < 250 ms)")
    print(f"load average at end {os.getloadavg()[0]:.2f}")
    print(f"bus / raw publish: {bus['events_per_s'] / raw['publish']:.2f}   "
          f"bus / raw consume: {bus['events_per_s'] / raw['consume']:.2f}   "
          f"target >= 3000 events/s: {'met' if bus['events_per_s'] >= 3000 else 'MISSED'}")
    print(json.dumps({"raw_publish_confirm_events_per_s": round(raw["publish"]),
                      "raw_consume_events_per_s": round(raw["consume"]),
                      "bus_events_per_s": round(bus["events_per_s"]),
                      "bus_p50_ms": round(steady["p50_ms"], 1),
                      "bus_p99_ms_at_500": round(steady["p99_ms"], 1)}))


if __name__ == "__main__":
    main()
