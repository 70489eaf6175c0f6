"""A consumer or relay of the test counter event in a process of its own, for fault tests that kill it.

    python -m shared.testing.bus_worker consume --db URL --amqp URL --namespace NS [--delay-ms 1] [--effect insert]
    python -m shared.testing.bus_worker relay --db URL --amqp URL --namespace NS [--die-before-marking 3]
    python -m shared.testing.bus_worker worker --db URL --amqp URL --namespace NS [--delay-ms 3]

`worker` runs the service worker itself (`shared.worker`, as `offcampus worker` does) with the counter handler.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time

from shared.bus.consumer import Consumer
from shared.bus.relay import Relay
from shared.bus.transport import transport_from_url
from shared.db import make_engine
from shared.testing.bus import COUNTER_TYPE, counter_contract, counting_handler, recording_handler


class _RelayThatDiesBeforeMarking(Relay):
    """Publishes (and gets confirms for) `batches` batches, then is SIGKILLed before marking the last sent."""

    def __init__(self, *args, batches: int, pause: float, **kwargs):
        super().__init__(*args, **kwargs)
        self._batches_left, self._pause = batches, pause

    def _record(self, session, rows, results):
        self._batches_left -= 1
        if self._batches_left <= 0:
            sys.stdout.write(f"dying with {len(rows)} rows published but not marked\n")
            sys.stdout.flush()
            os.kill(os.getpid(), signal.SIGKILL)
        time.sleep(self._pause)  # let the consumer keep pace, so the death comes mid-stream
        return super()._record(session, rows, results)


def _serve_worker(args: argparse.Namespace, transport) -> None:
    from pathlib import Path

    from shared.config import Settings
    from shared.db import Database
    from shared.service import ServiceSpec
    from shared.testing.bus import metadata
    from shared.worker import Worker, serve_until_signalled

    handler = counting_handler(delay=args.delay_ms / 1000)
    spec = ServiceSpec(name=args.service, port=0, title=args.service, metadata=metadata, migrations=Path("."),
                       register_api=lambda api, app: None, handlers={COUNTER_TYPE: handler})
    database = Database(args.db)
    serve_until_signalled(Worker(spec, Settings(), transport, database=database))
    database.engine.dispose()


def main(argv: list[str] | None = None) -> None:
    """Run until SIGTERM or SIGINT."""
    parser = argparse.ArgumentParser(prog="python -m shared.testing.bus_worker")
    parser.add_argument("role", choices=("consume", "relay", "worker"))
    parser.add_argument("--db", required=True)
    parser.add_argument("--amqp", required=True)
    parser.add_argument("--namespace", required=True)
    parser.add_argument("--service", default="test")
    parser.add_argument("--retry-delays", default="0.1,0.3")
    parser.add_argument("--delay-ms", type=float, default=0.0, help="time the handler takes per event")
    parser.add_argument("--effect", choices=("count", "insert"), default="count",
                        help="consume: increment the event's counter, or insert a row per event")
    parser.add_argument("--prefetch", type=int, default=200)
    parser.add_argument("--batch-size", type=int, default=100, help="relay batch size")
    parser.add_argument("--die-before-marking", type=int, default=0, help="relay: SIGKILL itself at batch N")
    parser.add_argument("--batch-pause", type=float, default=0.0, help="dying relay: seconds between batches")
    args = parser.parse_args(argv)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    engine = make_engine(args.db)
    delays = tuple(float(d) for d in args.retry_delays.split(","))
    transport = transport_from_url(args.amqp, namespace=args.namespace, retry_delays=delays)
    with counter_contract(consumers=(args.service,)):
        if args.role == "worker":
            _serve_worker(args, transport)
        elif args.role == "consume":
            make = counting_handler if args.effect == "count" else recording_handler
            handler = make(delay=args.delay_ms / 1000)
            Consumer(args.service, engine, transport, {COUNTER_TYPE: handler}, prefetch=args.prefetch).run(stop)
        elif args.die_before_marking:
            _RelayThatDiesBeforeMarking(engine, transport, args.service, batch_size=args.batch_size,
                                        poll_interval=0.2, batches=args.die_before_marking,
                                        pause=args.batch_pause).run(stop)
        else:
            Relay(engine, transport, args.service, batch_size=args.batch_size, poll_interval=0.2).run(stop)
    engine.dispose()


if __name__ == "__main__":
    main()
