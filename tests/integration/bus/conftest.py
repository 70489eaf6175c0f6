"""Fixtures for the bus against real RabbitMQ and PostgreSQL: a bus per test, the broker under control,
workers in processes of their own."""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

from shared.bus.transport import transport_from_url
from shared.db import make_engine
from shared.testing.bus import counter_contract, create_schema, handled_count, poison_fixed

RETRY_DELAYS = (0.1, 0.3)
BROKER_LOCK = Path(os.environ.get("TMPDIR", "/tmp")) / "offcampus-broker-faults.lock"


@dataclass
class Bus:
    """One test's database, broker namespace and transport."""

    db_url: str
    amqp_url: str
    namespace: str
    engine: sa.Engine
    transport: object

    def handled(self) -> int:
        """How many counters were incremented."""
        return handled_count(self.engine)


@pytest.fixture
def bus(pg_url, amqp_url, bus_namespace):
    """A fresh schema with the bus and counter tables, a namespace on the broker, the counter contract."""
    engine = make_engine(pg_url, pool_size=10)
    create_schema(engine)
    transport = transport_from_url(amqp_url, namespace=bus_namespace, retry_delays=RETRY_DELAYS)
    poison_fixed.clear()
    with counter_contract():
        yield Bus(pg_url, amqp_url, bus_namespace, engine, transport)
    engine.dispose()


def _accepts_connections(url_host: str = "127.0.0.1", port: int = 5672) -> bool:
    from kombu import Connection

    try:
        with socket.create_connection((url_host, port), timeout=0.5):
            pass
        with Connection(f"amqp://guest:guest@{url_host}:{port}//", connect_timeout=2) as conn:
            conn.ensure_connection(max_retries=1)
        return True
    except Exception:
        return False


class Broker:
    """Stops and starts the local RabbitMQ application; always leaves it running."""

    def stop(self) -> None:
        """`rabbitmqctl stop_app`: every connection drops, nothing is accepted."""
        subprocess.run(["rabbitmqctl", "-q", "stop_app"], check=True, capture_output=True, timeout=60)

    def start(self, timeout: float = 60.0) -> None:
        """`rabbitmqctl start_app`, then wait until it accepts AMQP connections."""
        subprocess.run(["rabbitmqctl", "-q", "start_app"], check=True, capture_output=True, timeout=120)
        deadline = time.monotonic() + timeout
        while not _accepts_connections():
            if time.monotonic() > deadline:
                raise AssertionError("RabbitMQ did not come back")
            time.sleep(0.2)


@pytest.fixture
def broker(amqp_url):
    """Control of the local broker, one test at a time across processes, restored in teardown."""
    if not shutil.which("rabbitmqctl") or "127.0.0.1" not in amqp_url and "localhost" not in amqp_url:
        pytest.skip("stopping the broker needs rabbitmqctl for a local RabbitMQ")
    with open(BROKER_LOCK, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        control = Broker()
        try:
            yield control
        finally:
            control.start()


class Worker:
    """A `shared.testing.bus_worker` process."""

    def __init__(self, bus: Bus, role: str, *extra: str):
        self.args = [sys.executable, "-m", "shared.testing.bus_worker", role, "--db", bus.db_url,
                     "--amqp", bus.amqp_url, "--namespace", bus.namespace,
                     "--retry-delays", ",".join(map(str, RETRY_DELAYS)), *extra]
        self.process = subprocess.Popen(self.args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def kill(self) -> None:
        """SIGKILL: no goodbye, no acks, no commits."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> str:
        """SIGTERM and wait; return what it printed."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
        return self.process.stdout.read()


@pytest.fixture
def workers():
    """Start workers with `workers(bus, role, *args)`; every one still running is stopped afterwards."""
    started: list[Worker] = []

    def start(bus: Bus, role: str, *extra: str) -> Worker:
        worker = Worker(bus, role, *extra)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()

