"""The four services as real processes for end-to-end tests: each a gunicorn web and a worker, on its own
PostgreSQL schema, all on one RabbitMQ namespace. One service can be stopped and started again (same port,
same database, same queue), and every process's JSON log lines are kept in files that a test searches."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import requests

from shared.bus.amqp import connect
from shared.bus.topology import Topology, interactive_types
from shared.testing.fixtures import delete_bus_namespace, fresh_schema
from shared.testing.processes import Process, answers, free_port, offcampus, stop_all, wait_until

SERVICES = ("registry", "inspection", "complaints", "reporting")


class Platform:
    """Every service's web and worker; `start`/`stop` one service; `urls`; `logged` searches the logs."""

    def __init__(self, workdir: Path, env: dict[str, str], amqp_url: str, namespace: str, web_workers: int = 1):
        self.amqp_url, self.topology = amqp_url, Topology(namespace=namespace)
        self.web_workers = web_workers  # gunicorn processes per service's web (`offcampus serve --workers`)
        self.urls = {svc: f"http://127.0.0.1:{free_port()}" for svc in SERVICES}
        # a service that asks another over HTTP finds it where it runs here
        self.workdir, self.env = workdir, {**env, **{f"OFFCAMPUS_{s.upper()}_URL": u for s, u in self.urls.items()}}
        self._running: dict[str, list[Process]] = {}
        self._logs: dict[str, list[Path]] = {svc: [] for svc in SERVICES}
        self._starts: dict[str, int] = dict.fromkeys(SERVICES, 0)

    def migrate(self, *services: str) -> None:
        """Run `offcampus migrate` for the services and fail with its output if one fails: all four in one
        process (`migrate all`: one interpreter's start-up instead of four), or each named one side by side."""
        if set(services) == set(SERVICES):
            services = ("all",)
        running = [offcampus(["migrate", svc], self.env, self.workdir / f"{svc}-migrate.log") for svc in services]
        for migrate in running:
            code = migrate.popen.wait(180)
            assert code == 0, migrate.output()

    def start(self, *services: str, timeout: float = 120) -> None:
        """Start each service's web (gunicorn) and worker; wait until every web answers `/readyz` and every
        worker has started."""
        for service in services:
            self._spawn(service)
        for service in services:
            web, worker = self._running[service]
            wait_until(answers(self.urls[service] + "/readyz"), timeout, f"{service} ready", web)
            wait_until(lambda w=worker: "worker_started" in w.output(), timeout, f"{service}'s worker started",
                       worker)

    def _spawn(self, service: str) -> None:
        assert service not in self._running, f"{service} is running already"
        self._starts[service] += 1
        n = self._starts[service]
        port = self.urls[service].rsplit(":", 1)[1]
        web_log, worker_log = self.workdir / f"{service}-web-{n}.log", self.workdir / f"{service}-worker-{n}.log"
        self._logs[service] += [web_log, worker_log]
        web = offcampus(["serve", service, "--bind", f"127.0.0.1:{port}", "--workers",
                                 str(self.web_workers)], self.env, web_log)
        worker = offcampus(["worker", service], {**self.env, "OFFCAMPUS_METRICS_PORT": str(free_port())}, worker_log)
        self._running[service] = [web, worker]

    def stop(self, service: str) -> None:
        """Stop the service's web and worker (SIGTERM: the worker finishes its batch and hands the rest back)."""
        for process in self._running.pop(service, []):
            process.stop()

    def running(self, service: str) -> bool:
        """True while the service's processes are up."""
        return service in self._running

    def close(self) -> None:
        """Stop everything (signalled all at once, then waited for one by one)."""
        stop_all([process for processes in self._running.values() for process in processes])
        self._running.clear()

    def log_records(self, service: str) -> list[dict[str, Any]]:
        """Every JSON log line the service's processes printed so far (web and worker, every start)."""
        records = []
        for path in self._logs[service]:
            if not path.exists():
                continue
            for line in path.read_text(errors="replace").splitlines():
                if line.startswith("{"):
                    try:
                        records.append(json.loads(line))
                    except ValueError:
                        continue
        return records

    def logged(self, service: str, correlation_id: str) -> list[dict[str, Any]]:
        """The service's log records that carry this correlation id (a request's, or a handled batch's)."""
        return [r for r in self.log_records(service)
                if r.get("correlation_id") == correlation_id or correlation_id in r.get("correlation_ids", ())]

    def output(self, service: str) -> str:
        """The tail of the service's logs, to show when a test fails."""
        return "\n".join(path.read_text(errors="replace")[-3000:] for path in self._logs[service] if path.exists())

    def waiting(self, service: str) -> int:
        """How many messages wait in the service's queues on the broker (whether or not it runs): its work
        queue and, if the contracts give it one, its interactive queue."""
        names = [self.topology.queue(service)]
        if interactive_types(service):
            names.append(self.topology.interactive_queue(service))
        conn = connect(self.amqp_url)
        try:
            return sum(conn.channel().queue_declare(name, passive=True).message_count for name in names)
        finally:
            conn.close()

    def settled(self, admin_headers: dict[str, str]) -> bool:
        """True when every running service's bus shows nothing pending, queued or in hand."""
        for service in self._running:
            bus = requests.get(self.urls[service] + "/v1/ops/bus", headers=admin_headers, timeout=10).json()
            if bus.get("outbox_pending") or bus.get("queue_depth") or not bus.get("settled"):
                return False
        return True


@contextmanager
def running_platform(postgres_server_url: str, amqp_url: str, workdir: Path, namespace: str,
                     env: dict[str, str], web_workers: int = 1) -> Iterator[Platform]:
    """All four services migrated and started on fresh schemas; stopped, and the namespace deleted, after.
    `web_workers`: gunicorn processes per web (the deployments run two; a test needs one)."""
    with ExitStack() as stack:
        databases = {svc: stack.enter_context(fresh_schema(postgres_server_url)) for svc in SERVICES}
        full_env = {**os.environ, "OFFCAMPUS_AMQP_URL": amqp_url, "OFFCAMPUS_BUS_NAMESPACE": namespace,
                    "OFFCAMPUS_VAR_DIR": str(workdir / "var"), "OFFCAMPUS_LOG_FORMAT": "json",
                    **{f"OFFCAMPUS_{svc.upper()}_DATABASE_URL": url for svc, url in databases.items()}, **env}
        full_env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        platform = Platform(workdir, full_env, amqp_url, namespace, web_workers)
        stack.callback(delete_bus_namespace, amqp_url, namespace)
        stack.callback(platform.close)
        platform.migrate(*SERVICES)
        platform.start(*SERVICES)
        yield platform
