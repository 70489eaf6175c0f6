"""End to end on real processes: gunicorn web servers and workers on PostgreSQL and RabbitMQ, and `offcampus up`."""

import os
import signal

import pytest
import requests
import sqlalchemy as sa

from shared.auth import mint_token
from shared.config import Settings
from shared.testing.fixtures import fresh_schema
from shared.testing.processes import answers, free_port, free_ports, offcampus, stop_all, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.integration]
SECRET = "e2e-secret-0123456789abcdef0123456789abcdef"  # noqa: S105

INSTITUTION = {
    "name": "城关镇启明星学科培训学校", "credit_code": "52610722MJY123456L", "division_code": "610722",
    "town": "城关镇", "address": "城关镇南大街12号", "category": "discipline", "subject_group": "math",
    "state": "stock", "occurred_on": "2021-08-01", "audience": ["primary"], "contact_phone": "0916-7212345",
    "legal_representative": "王启明",
}


def _token(roles, aud=None):
    return mint_token(Settings(jwt_secret=SECRET), sub="e2e", dept="education", roles=roles, aud=aud)


@pytest.fixture
def stack(postgres_server_url, amqp_url, bus_namespace, tmp_path):
    """Registry and reporting, each a gunicorn web process and a worker, on their own schemas."""
    processes = []
    with fresh_schema(postgres_server_url) as registry_db, fresh_schema(postgres_server_url) as reporting_db:
        env = {**os.environ, "OFFCAMPUS_ENV": "production", "OFFCAMPUS_JWT_SECRET": SECRET,
               "OFFCAMPUS_AMQP_URL": amqp_url, "OFFCAMPUS_BUS_NAMESPACE": bus_namespace,
               "OFFCAMPUS_REGISTRY_DATABASE_URL": registry_db, "OFFCAMPUS_REPORTING_DATABASE_URL": reporting_db,
               "OFFCAMPUS_VAR_DIR": str(tmp_path / "var")}
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        urls = {}
        try:
            for service in ("registry", "reporting"):
                migrate = offcampus(["migrate", service], env, tmp_path / f"{service}-migrate.log")
                assert migrate.popen.wait(120) == 0, migrate.output()
                port = free_port()
                urls[service] = f"http://127.0.0.1:{port}"
                web = offcampus(["serve", service, "--bind", f"127.0.0.1:{port}", "--workers", "2"],
                                env, tmp_path / f"{service}-web.log")
                worker_env = {**env, "OFFCAMPUS_METRICS_PORT": str(free_port())}
                worker = offcampus(["worker", service], worker_env, tmp_path / f"{service}-worker.log")
                processes += [web, worker]
                wait_until(answers(urls[service] + "/readyz"), 60, f"{service} ready", web)
                urls[f"{service}-worker-metrics"] = f"http://127.0.0.1:{worker_env['OFFCAMPUS_METRICS_PORT']}"
            yield urls, registry_db, reporting_db
        finally:
            stop_all(processes)


def test_a_registered_institution_reaches_reportings_figures_through_rabbitmq(stack):
    urls, registry_db, _ = stack
    created = requests.post(urls["registry"] + "/v1/institutions", json=INSTITUTION, timeout=10,
                            headers={"Authorization": f"Bearer {_token(['clerk'])}",
                                     "X-Correlation-ID": "e2e-journey-1"})
    assert created.status_code == 201, created.text
    assert created.headers["X-Correlation-ID"] == "e2e-journey-1"

    leader = {"Authorization": f"Bearer {_token(['leader'])}"}

    def counted():
        figures = requests.get(urls["reporting"] + "/v1/figures/institutions", headers=leader, timeout=5).json()
        return figures["by_category"].get("discipline", {}).get("stock") == 1

    wait_until(counted, 30, "reporting to count the new institution")
    engine = sa.create_engine(registry_db)
    with engine.connect() as conn:
        row = conn.execute(sa.text("SELECT sent_at, correlation_id FROM bus_outbox")).one()
    engine.dispose()
    assert row.sent_at is not None
    assert row.correlation_id == "e2e-journey-1"
    admin = {"Authorization": f"Bearer {_token(['admin'])}"}
    bus = requests.get(urls["registry"] + "/v1/ops/bus", headers=admin, timeout=10).json()
    assert bus["transport"] == "amqp" and bus["outbox_pending"] == 0 and bus["dead_letters"] == 0

    def reporting_settled():
        status = requests.get(urls["reporting"] + "/v1/ops/bus", headers=admin, timeout=10).json()
        return status["queue_depth"] == 0 and status["settled"] is True

    # the figure shows once the handler's transaction commits; the ack, and so the settled bus, follows it
    wait_until(reporting_settled, 30, "reporting's bus to settle")
    metrics = requests.get(urls["registry"] + "/metrics", timeout=5).text
    assert "flask_http_request_total" in metrics
    assert requests.get(urls["reporting-worker-metrics"], timeout=5).status_code == 200


def test_offcampus_up_runs_everything_embedded_and_stops_cleanly(tmp_path):
    base = free_ports(4)
    env = {**os.environ, "OFFCAMPUS_VAR_DIR": str(tmp_path / "var"), "OFFCAMPUS_ENV": "development"}
    for name in ("AMQP_URL", "JWT_SECRET", "REGISTRY_DATABASE_URL", "REPORTING_DATABASE_URL",
                 "INSPECTION_DATABASE_URL", "COMPLAINTS_DATABASE_URL"):
        env.pop(f"OFFCAMPUS_{name}", None)
    up = offcampus(["up", "--base-port", str(base)], env, tmp_path / "up.log")
    try:
        for offset in range(4):
            wait_until(answers(f"http://127.0.0.1:{base + offset}/healthz"), 60, "up to serve", up)
        assert "/docs" in up.output()
        token = mint_token(Settings(), sub="dev", dept="education", roles=["clerk", "leader"])
        headers = {"Authorization": f"Bearer {token}"}
        created = requests.post(f"http://127.0.0.1:{base}/v1/institutions", json=INSTITUTION, headers=headers,
                                timeout=10)
        assert created.status_code == 201, created.text

        def counted():
            figures = requests.get(f"http://127.0.0.1:{base + 3}/v1/figures/institutions", headers=headers,
                                   timeout=5).json()
            return figures["total"] == 1

        wait_until(counted, 20, "the in-memory bus to carry the event to reporting", up)
        assert (tmp_path / "var" / "registry.sqlite3").exists()
    finally:
        code = up.stop(signal.SIGINT)
    assert code == 0, up.output()[-3000:]
    assert "stopped" in up.output()

