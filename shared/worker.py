"""A service's worker: relays its outbox, consumes its queue, runs its scheduled checks, serves metrics."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable

import structlog

from shared.clock import Clock, clock_in_use, configured_clock
from shared.config import Settings
from shared.county import configured_county
from shared.db import Database
from shared.observability import configure_logging
from shared.service import ScheduledCheck, ServiceSpec

log = structlog.get_logger("offcampus.worker")
# deliveries in hand on the interactive queue: a few, so one slow batch of them is short (batches of half)
INTERACTIVE_PREFETCH = 20


def _prune(database: Database, _clock: Clock) -> None:
    from shared.bus.ops import prune_bus_tables

    removed = prune_bus_tables(database.engine)
    if any(removed.values()):
        log.info("bus_tables_pruned", **removed)


# sent outbox rows and old inbox ids would otherwise grow without bound in every service's database
_PRUNE_BUS_TABLES = ScheduledCheck(name="prune_bus_tables", every_seconds=6 * 3600, run=_prune)


class Worker:
    """The background half of one service; start() runs it on threads, stop() ends them cleanly."""

    def __init__(self, spec: ServiceSpec, settings: Settings, transport, database: Database | None = None,
                 clock: Clock | None = None):
        from shared.bus.consumer import Consumer
        from shared.bus.relay import Relay
        from shared.bus.topology import interactive_types

        self.spec = spec
        self.database = database or Database(settings.database_url(spec.name))
        self.transport = transport
        self.clock = clock or configured_clock(settings)  # what scheduled checks read "today" from; tests set it
        self.checks_every = settings.checks_every_seconds
        self.county = configured_county(settings.county_config, spec)
        self.stopping = threading.Event()
        self.relay = Relay(self.database.engine, transport, service=spec.name)
        self.database.relay_wakeup = getattr(self.relay, "wake", None)
        self.consumer = (Consumer(service=spec.name, engine=self.database.engine, transport=transport,
                                  handlers=spec.handlers) if spec.handlers else None)
        # the event types someone waits on, on a small queue of their own: never behind the work queue's bulk
        # (docs/bus.md, "Interactive events"); the same handlers, its own prefetch and batches
        interactive = interactive_types(spec.name) & set(spec.handlers)
        self.interactive_consumer = (Consumer(service=spec.name, engine=self.database.engine, transport=transport,
                                              handlers=spec.handlers, prefetch=INTERACTIVE_PREFETCH,
                                              interactive=True) if interactive else None)
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        """Start relay, consumer and scheduled checks on their own threads."""
        self._spawn("relay", lambda: self.relay.run(self.stopping))
        if self.consumer is not None:
            self._spawn("consumer", lambda: self.consumer.run(self.stopping))
        if self.interactive_consumer is not None:
            self._spawn("consumer:interactive", lambda: self.interactive_consumer.run(self.stopping))
        for check in (*self.spec.scheduled, _PRUNE_BUS_TABLES):
            every = min(check.every_seconds, self.checks_every) if self.checks_every else check.every_seconds
            self._spawn(f"check:{check.name}", self._every(every, check.name,
                                                            lambda c=check: c.run(self.database, self.clock)))
        log.info("worker_started", service=self.spec.name, handlers=sorted(self.spec.handlers),
                 checks=[c.name for c in self.spec.scheduled] + [_PRUNE_BUS_TABLES.name])

    def stop(self, timeout: float = 30.0) -> None:
        """Ask every thread to finish its current step (the consumer its batch), then wait for them."""
        self.stopping.set()
        wake = getattr(self.relay, "wake", None)
        if wake:
            wake()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        # a thread still running dies with the process: its transaction rolls back, its deliveries return
        unfinished = [thread.name for thread in self._threads if thread.is_alive()]
        log.info("worker_stopped", service=self.spec.name, unfinished=unfinished)

    def _spawn(self, name: str, target: Callable[[], None]) -> None:
        thread = threading.Thread(target=self._guard(name, target), name=f"{self.spec.name}-{name}", daemon=True)
        thread.start()
        self._threads.append(thread)

    def _guard(self, name: str, target: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                with clock_in_use(self.clock):  # event handlers read the worker's clock as checks do
                    target()
            except Exception:
                log.exception("worker_thread_failed", thread=name, service=self.spec.name)
                self.stopping.set()  # a dead part means a sick worker: stop, let the supervisor restart it
        return run

    def _every(self, seconds: float, name: str, step: Callable[[], None]) -> Callable[[], None]:
        def loop() -> None:
            while not self.stopping.is_set():
                try:
                    step()
                except Exception:  # one failed round of a check must not end the check
                    log.exception("scheduled_check_failed", check=name, service=self.spec.name)
                self.stopping.wait(seconds)
        return loop


def run_worker(spec: ServiceSpec, settings: Settings) -> None:
    """Run the worker process until SIGTERM or SIGINT."""
    from prometheus_client import start_http_server

    from shared.bus.transport import transport_from_url

    configure_logging(settings.log_level, settings.log_format)
    if settings.metrics_port:
        start_http_server(settings.metrics_port)
    transport = transport_from_url(settings.amqp_url, namespace=settings.bus_namespace)
    serve_until_signalled(Worker(spec, settings, transport))


def serve_until_signalled(worker: Worker) -> None:
    """Run `worker` until SIGTERM or SIGINT, then stop it: the consumer finishes the batch in hand and acks
    it, and every delivery it had not started goes back to the queue before the process exits."""
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: worker.stopping.set())
    worker.start()
    while not worker.stopping.wait(1.0):
        pass
    worker.stop()
