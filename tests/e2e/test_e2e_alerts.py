"""Alerts end to end: the four services on PostgreSQL and RabbitMQ, Debian's Prometheus scraping every web,
worker and the broker with the repository's rules, Debian's Alertmanager routing with the repository's
config to a webhook this test listens on. A poison message fills a dead-letter queue: the alert arrives;
the dead letters are taken out: it resolves. Every Grafana panel's query runs on that Prometheus."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import threading
import uuid
from contextlib import ExitStack
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests
import yaml

from shared.bus.amqp import connect, message_of
from shared.testing.fixtures import fresh_schema
from shared.testing.processes import Process, answers, free_port, offcampus, stop_all, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.slow]
REPO = Path(__file__).resolve().parents[2]
SERVICES = ("registry", "inspection", "complaints", "reporting")
SECRET = "alerts-secret-0123456789abcdef0123456789abcdef"  # noqa: S105
BROKER_METRICS = "127.0.0.1:15692"
# The bus's fault tests stop the local broker under an exclusive lock on this file: hold it shared meanwhile.
BROKER_LOCK = Path(os.environ.get("TMPDIR", "/tmp")) / "offcampus-broker-faults.lock"


def _binary(name: str) -> str:
    found = shutil.which(name)
    assert found, f"{name} not found: apt-get install prometheus prometheus-alertmanager (as .ci/run does)"
    return found


class Webhook(ThreadingHTTPServer):
    """Alertmanager's receiver: keeps every alert it is sent, as (status, labels)."""

    def __init__(self):
        self.received: list[tuple[str, dict]] = []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                hook.received += [(alert["status"], alert["labels"]) for alert in body["alerts"]]
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        super().__init__(("127.0.0.1", free_port()), Handler)

    def saw(self, status: str, alertname: str, **labels: str) -> bool:
        """True once an alert of that name and labels arrived with that status."""
        return any(s == status and got.get("alertname") == alertname and labels.items() <= got.items()
                   for s, got in self.received)


def _monitoring_configs(tmp: Path, targets: dict[str, list[tuple[str, str]]], hook_url: str, am_port: int):
    """Prometheus' and Alertmanager's configs: the repository's rules, broker job and routes, 1-second clocks."""
    shipped = yaml.safe_load((REPO / "deploy/prometheus/prometheus.yml").read_text())
    broker_jobs = [dict(job, static_configs=[{"targets": [BROKER_METRICS]}]) for job in shipped["scrape_configs"]
                   if job["job_name"].startswith("rabbitmq")]
    jobs = [{"job_name": job, "honor_labels": True,
             "static_configs": [{"targets": [address], "labels": {"service": svc, "role": job.split("-")[1]}}
                                for svc, address in listed]} for job, listed in targets.items()]
    prometheus = {"global": {"scrape_interval": "1s", "evaluation_interval": "1s", "scrape_timeout": "1s"},
                  "rule_files": [str(path) for path in sorted((REPO / "deploy/prometheus/rules").glob("*.yml"))],
                  "alerting": {"alertmanagers": [{"static_configs": [{"targets": [f"127.0.0.1:{am_port}"]}]}]},
                  "scrape_configs": jobs + broker_jobs}
    alertmanager = yaml.safe_load((REPO / "deploy/alertmanager/alertmanager.yml").read_text())
    for route in [alertmanager["route"], *alertmanager["route"].get("routes", [])]:
        route.update({"group_wait": "1s", "group_interval": "1s"} if route is alertmanager["route"] else {})
    for receiver in alertmanager["receivers"]:
        for webhook in receiver.get("webhook_configs", []):
            webhook["url"] = hook_url
    (tmp / "prometheus.yml").write_text(yaml.safe_dump(prometheus))
    (tmp / "alertmanager.yml").write_text(yaml.safe_dump(alertmanager))


def _queue_exists(amqp_url: str, queue: str) -> bool:
    """True once the broker has the queue (a passive declare; a missing one is a 404 that closes the channel)."""
    conn = connect(amqp_url)
    try:
        conn.channel().queue_declare(queue, passive=True)
        return True
    except Exception:
        return False
    finally:
        conn.close()


def _delete_namespace(amqp_url: str, namespace: str) -> None:
    """Remove the test's queues and exchanges (namespaced, so a leftover harms nobody)."""
    listed = subprocess.run(["rabbitmqctl", "-q", "list_queues", "name", "--no-table-headers"],
                            capture_output=True, text=True, timeout=60, check=False).stdout.split()
    conn = connect(amqp_url)
    try:
        for name in [q for q in listed if q.startswith(namespace + ".")]:
            conn.channel().queue_delete(name)
        for exchange in ("events", "retry", "dead"):
            conn.channel().exchange_delete(f"{namespace}.{exchange}")
    finally:
        conn.close()


@pytest.fixture(scope="module")
def platform(postgres_server_url, amqp_url, tmp_path_factory):
    """Every web and worker, Prometheus and Alertmanager on them, and the webhook: (prometheus URL, hook, ns)."""
    tmp = tmp_path_factory.mktemp("alerts")
    namespace = f"offcampus_a{uuid.uuid4().hex[:8]}"
    hook = Webhook()
    threading.Thread(target=hook.serve_forever, daemon=True).start()
    processes: list[Process] = []
    with ExitStack() as stack:
        lock = stack.enter_context(BROKER_LOCK.open("a"))
        fcntl.flock(lock, fcntl.LOCK_SH)
        databases = {svc: stack.enter_context(fresh_schema(postgres_server_url)) for svc in SERVICES}
        env = {**os.environ, "OFFCAMPUS_ENV": "production", "OFFCAMPUS_JWT_SECRET": SECRET,
               "OFFCAMPUS_AMQP_URL": amqp_url, "OFFCAMPUS_BUS_NAMESPACE": namespace,
               "OFFCAMPUS_VAR_DIR": str(tmp / "var"),
               "OFFCAMPUS_COMPLAINTS_SEALING_KEY": "a" * 43,
               **{f"OFFCAMPUS_{svc.upper()}_DATABASE_URL": url for svc, url in databases.items()}}
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        targets: dict[str, list[tuple[str, str]]] = {"offcampus-web": [], "offcampus-worker": []}
        try:
            # the four migrations side by side, each service started once its own is done
            migrations = {svc: offcampus(["migrate", svc], env, tmp / f"{svc}-migrate.log") for svc in SERVICES}
            for svc in SERVICES:
                migrate = migrations[svc]
                assert migrate.popen.wait(120) == 0, migrate.output()
                web_port, metrics_port = free_port(), free_port()
                processes.append(offcampus(["serve", svc, "--bind", f"127.0.0.1:{web_port}", "--workers", "1"],
                                           env, tmp / f"{svc}-web.log"))
                processes.append(offcampus(["worker", svc], {**env, "OFFCAMPUS_METRICS_PORT": str(metrics_port)},
                                           tmp / f"{svc}-worker.log"))
                targets["offcampus-web"].append((svc, f"127.0.0.1:{web_port}"))
                targets["offcampus-worker"].append((svc, f"127.0.0.1:{metrics_port}"))
            prom_port, am_port = free_port(), free_port()
            _monitoring_configs(tmp, targets, f"http://127.0.0.1:{hook.server_port}/", am_port)
            processes.append(Process([_binary("prometheus-alertmanager"), f"--config.file={tmp}/alertmanager.yml",
                                      f"--storage.path={tmp}/am", f"--web.listen-address=127.0.0.1:{am_port}",
                                      "--cluster.listen-address="], dict(os.environ), tmp / "alertmanager.log"))
            processes.append(Process([_binary("prometheus"), f"--config.file={tmp}/prometheus.yml",
                                      f"--storage.tsdb.path={tmp}/tsdb", f"--web.listen-address=127.0.0.1:{prom_port}",
                                      "--rules.alert.resend-delay=1s"], dict(os.environ), tmp / "prometheus.log"))
            prometheus = f"http://127.0.0.1:{prom_port}"
            wait_until(answers(f"http://127.0.0.1:{am_port}/-/ready"), 60, "Alertmanager ready", processes[-2])
            wait_until(answers(prometheus + "/-/ready"), 60, "Prometheus ready", processes[-1])

            # every web answers and every worker has started (its metrics port opens before that)
            for (svc, web_address), process in zip(targets["offcampus-web"], processes[0:8:2], strict=True):
                wait_until(answers(f"http://{web_address}/readyz"), 90, f"{svc} ready", process)
            for (svc, _), process in zip(targets["offcampus-worker"], processes[1:8:2], strict=True):
                wait_until(lambda p=process: "worker_started" in p.output(), 90, f"{svc}'s worker started", process)
            expected = {address for listed in targets.values() for _, address in listed} | {BROKER_METRICS}

            def not_up() -> list[str]:
                active = requests.get(prometheus + "/api/v1/targets", timeout=5).json()["data"]["activeTargets"]
                missing = expected - {t["labels"].get("instance") for t in active}
                return [f"{t['scrapeUrl']}: {t['health']} {t['lastError']}" for t in active if t["health"] != "up"] \
                    + [f"{address}: not a target yet" for address in sorted(missing)]

            try:
                wait_until(lambda: not not_up(), 90, "every web, worker and the broker scraped", processes[-1])
            except AssertionError as late:
                raise AssertionError(f"not scraped: {not_up()}") from late
            wait_until(lambda: _queue_exists(amqp_url, f"{namespace}.inspection"), 90, "inspection's queue declared")
            yield prometheus, hook, namespace
        finally:
            stop_all(processes)  # one by one, the eleven graceful stops added up
            hook.shutdown()
            _delete_namespace(amqp_url, namespace)


def test_a_dead_letter_raises_an_alert_at_the_webhook_and_taking_it_out_resolves_it(platform, amqp_url):
    prometheus, hook, namespace = platform
    dead = f"{namespace}.inspection.dead"  # inspection takes registry.institution.*; reporting archives anything
    conn = connect(amqp_url)
    try:
        channel = conn.channel()
        channel.basic_publish_confirm(
            message_of(b"{not json", {"message_id": str(uuid.uuid4()), "type": "registry.institution.registered"},
                       {}), exchange=f"{namespace}.events", routing_key="registry.institution.registered")
        wait_until(lambda: hook.saw("firing", "OffcampusDeadLetterQueueNotEmpty", queue=dead), 90,
                   f"the webhook to hear that {dead} is not empty")

        channel.queue_purge(dead)  # the operator's mend once the letters are read (docs/operations.md)
        wait_until(lambda: hook.saw("resolved", "OffcampusDeadLetterQueueNotEmpty", queue=dead), 90,
                   f"the webhook to hear that {dead} is empty again")
    finally:
        conn.close()


def test_every_grafana_panel_query_runs_on_that_prometheus(platform):
    prometheus, _, _ = platform
    dashboard = json.loads((REPO / "deploy/grafana/dashboards/offcampus-overview.json").read_text())
    queries = [target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", [])]
    assert queries
    for query in queries:
        concrete = query.replace("$__rate_interval", "1m").replace("$service", ".*")
        answer = requests.get(prometheus + "/api/v1/query", params={"query": concrete}, timeout=10).json()
        assert answer["status"] == "success", (query, answer)
    up = requests.get(prometheus + "/api/v1/query", params={"query": 'up{job=~"offcampus-.*"}'}, timeout=10).json()
    answering = {(r["metric"]["service"], r["metric"]["role"]): r["value"][1] for r in up["data"]["result"]}
    assert answering == {(svc, role): "1" for svc in SERVICES for role in ("web", "worker")}
