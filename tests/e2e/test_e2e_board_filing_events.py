"""A filing accepted by a real `offcampus serve registry` leaves through the outbox and RabbitMQ, and the board
shows it; the registry's worker relays it as `registry.filing.published` to anyone bound to the exchange."""

from __future__ import annotations

import json
import os
import time
from urllib.parse import urlsplit

import pika
import pytest
import requests

from services.registry.domain.identity import credit_code_check_character
from shared.auth import mint_token
from shared.config import Settings
from shared.testing.fixtures import fresh_schema
from shared.testing.processes import answers, free_port, offcampus, stop_all, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.integration]
SECRET = "e2e-filing-secret-0123456789abcdef0123456789abcdef"  # noqa: S105
FIRST17 = "52610722MJ0000042"
INSTITUTION = {
    "name": "城关镇启明星学科培训学校", "credit_code": FIRST17 + credit_code_check_character(FIRST17),
    "division_code": "610722", "town": "城关镇", "address": "城关镇南大街12号", "category": "discipline",
    "subject_group": "discipline", "audience": ["primary"], "contact_phone": "0916-7212345",
    "legal_representative": "王启明", "occurred_on": "2021-08-01",
}
LICENCE = {"school_running_licence": {"number": "教民161072270000123号", "issued_on": "2021-09-01",
                                      "valid_until": "2027-08-31"},
           "registration": {"kind": "registration_certificate", "number": "52610722MJY1234567",
                            "issued_on": "2021-09-01", "valid_until": "2027-08-31"}}
FILING = {
    "courses": [{"subject": "数学", "grade_band": "primary", "materials": ["人教版数学三年级下册"]},
                {"subject": "英语", "grade_band": "primary", "materials": ["外研版英语三年级"]}],
    "teachers": [{"name": "李老师", "qualification_certificate_no": "20196107221000123"}],
    "fee_items": [{"price_per_hour_fen": 3000, "grade_band": "primary", "class_size_band": "small",
                   "hours_per_collection": 20, "months_per_collection": 1, "amount_per_collection_fen": 60000}],
    "sessions": [{"date": "2025-03-04", "start": "16:30", "end": "17:30", "mode": "offline"},
                 {"date": "2025-03-05", "start": "19:00", "end": "19:30", "mode": "online"}],
}


def _channel(amqp_url: str):
    parts = urlsplit(amqp_url)  # kombu's `//` means vhost "/", which pika's URL parser reads otherwise
    connection = pika.BlockingConnection(pika.ConnectionParameters(
        parts.hostname, parts.port or 5672, "/", pika.PlainCredentials(parts.username, parts.password)))
    return connection, connection.channel()


def _bind_when_declared(amqp_url: str, exchange: str, timeout: float = 60):
    """An exclusive queue bound to the exchange once the worker has declared it."""
    deadline = time.monotonic() + timeout
    while True:
        connection, channel = _channel(amqp_url)
        try:
            channel.exchange_declare(exchange, passive=True)
            queue = channel.queue_declare("", exclusive=True).method.queue
            channel.queue_bind(queue, exchange, routing_key="registry.filing.published")
            return connection, channel, queue
        except pika.exceptions.ChannelClosedByBroker:
            connection.close()
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


@pytest.fixture
def registry(postgres_server_url, amqp_url, bus_namespace, tmp_path):
    """The registry's web process and worker on a fresh schema, with a namespace of their own on RabbitMQ."""
    processes = []
    with fresh_schema(postgres_server_url) as database_url:
        env = {**os.environ, "OFFCAMPUS_ENV": "production", "OFFCAMPUS_JWT_SECRET": SECRET,
               "OFFCAMPUS_AMQP_URL": amqp_url, "OFFCAMPUS_BUS_NAMESPACE": bus_namespace,
               "OFFCAMPUS_REGISTRY_DATABASE_URL": database_url, "OFFCAMPUS_VAR_DIR": str(tmp_path / "var"),
               "OFFCAMPUS_METRICS_PORT": str(free_port())}
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        migrate = offcampus(["migrate", "registry"], env, tmp_path / "migrate.log")
        assert migrate.popen.wait(120) == 0, migrate.output()
        port = free_port()
        try:
            web = offcampus(["serve", "registry", "--bind", f"127.0.0.1:{port}", "--workers", "2"], env,
                            tmp_path / "web.log")
            processes += [web, offcampus(["worker", "registry"], env, tmp_path / "worker.log")]
            wait_until(answers(f"http://127.0.0.1:{port}/readyz"), 60, "the registry to be ready", web)
            yield f"http://127.0.0.1:{port}", f"{bus_namespace}.events", processes[1]
        finally:
            stop_all(processes)


def test_an_accepted_filing_reaches_rabbitmq_and_the_board(registry, amqp_url):
    base, exchange, worker = registry
    connection, channel, queue = _bind_when_declared(amqp_url, exchange)
    clerk = {"Authorization": "Bearer " + mint_token(Settings(jwt_secret=SECRET), sub="e2e-clerk",
                                                     dept="education", roles=["clerk"]),
             "X-Correlation-ID": "e2e-filing-1"}
    try:
        created = requests.post(f"{base}/v1/institutions", json=INSTITUTION, headers=clerk, timeout=10)
        assert created.status_code == 201, created.text
        institution_id = created.json()["id"]
        licensed = requests.post(f"{base}/v1/institutions/{institution_id}/transitions", headers=clerk, timeout=10,
                                 json={"action": "license", "data": {"licence": LICENCE, "occurred_on": "2021-09-01"}})
        assert licensed.status_code == 200, licensed.text
        filed = requests.post(f"{base}/v1/institutions/{institution_id}/filings", json=FILING, headers=clerk,
                              timeout=10)
        assert filed.status_code == 201, filed.text

        received = []

        def delivered() -> bool:
            method, properties, body = channel.basic_get(queue, auto_ack=True)
            if method is not None:
                received.append((method, properties, json.loads(body)))
            return bool(received)

        wait_until(delivered, 30, "the filing event on RabbitMQ", worker)
        [(method, properties, event)] = received
    finally:
        connection.close()
    assert method.routing_key == "registry.filing.published" and properties.type == "registry.filing.published"
    assert event["subject"] == str(institution_id) and event["correlationid"] == "e2e-filing-1"
    assert event["data"] == {"institution_id": str(institution_id), "filing_id": str(filed.json()["id"]),
                             "subjects": ["数学", "英语"], "teacher_count": 1, "max_price_per_hour_fen": 3000,
                             "modes": ["offline", "online"],
                             # the teachers as the public board shows them (inspection matches conflicts on them)
                             "teachers": FILING["teachers"]}
    listed = requests.get(f"{base}/v1/public/institutions", params={"q": "启明星"}, timeout=10).json()
    assert [item["id"] for item in listed["items"]] == [institution_id]
