"""The reporter's privacy, end to end on PostgreSQL and RabbitMQ: a phone number given as contact and typed
into the description is shown to the desk (the positive control) and found nowhere else — not in the log
output, not in any message on the bus, not in clear in any of complaints' tables, not in any table of
reporting's database (its real worker archiving and projecting every event); erased after closing."""

import datetime as dt
import json
from urllib.parse import urlsplit

import complaints_support as support
import pika
import pytest
import sqlalchemy as sa

from services.complaints.adapters.orm import clues, metadata
from services.complaints.bootstrap import SERVICE
from shared.app import create_app
from shared.bus import new_event
from shared.bus.ops import outbox_counts
from shared.bus.transport import Outgoing, transport_from_url
from shared.clock import FixedClock
from shared.config import Settings
from shared.service import load_service
from shared.testing.apps import migrated_database
from shared.testing.bus import wait_until
from shared.testing.fixtures import fresh_schema
from shared.worker import Worker

pytestmark = pytest.mark.integration

SETTINGS = Settings(env="test", jwt_secret="complaints-test-secret-0123456789abcdef0123", log_level="INFO")
# every way the number could leak: as typed, its digits run together, its last eight, as hex in a bytea
LEAKS = ("13812345678", "138 1234 5678", "138-1234-5678", "12345678", b"13812345678".hex(), "王小明")
REPORTING = load_service("reporting")  # another service: loaded by name, as the CLI does


database = support.database


@pytest.fixture
def clock():
    return FixedClock(dt.datetime.now(dt.UTC).replace(microsecond=0))


desk = support.desk_headers


def spy_on(amqp_url, namespace):
    """A queue of our own bound to every event on the namespace's exchange."""
    parts = urlsplit(amqp_url)  # kombu's `//` means vhost "/", which pika's URL parser reads otherwise
    connection = pika.BlockingConnection(pika.ConnectionParameters(
        parts.hostname, parts.port or 5672, "/", pika.PlainCredentials(parts.username, parts.password)))
    channel = connection.channel()
    channel.exchange_declare(f"{namespace}.events", exchange_type="topic", durable=True)
    queue = channel.queue_declare("", exclusive=True).method.queue
    channel.queue_bind(queue, f"{namespace}.events", routing_key="#")
    return connection, channel, queue


def drain(channel, queue, seen):
    while (message := channel.basic_get(queue, auto_ack=True))[0] is not None:
        method, properties, body = message
        seen.append({"routing_key": method.routing_key, "headers": repr(properties), "body": body.decode()})
    return seen


def tables_as_text(database, tables=metadata):
    """Every row of every table of a service as PostgreSQL writes it out (bytea as hex)."""
    rows = []
    with database.engine.connect() as conn:
        for table in tables.sorted_tables:  # the services' own table names, not input
            query = f'SELECT CAST(t AS text) FROM "{table.name}" t'  # noqa: S608
            rows.extend(str(row) for row in conn.execute(sa.text(query)))
    return "\n".join(rows)


@pytest.fixture
def reporting(postgres_server_url):
    """Reporting's own database, migrated, in a schema of its own (as in production: one database per service)."""
    with fresh_schema(postgres_server_url) as url, migrated_database(REPORTING, url) as reporting_database:
        yield reporting_database


def archived(reporting_database):
    with reporting_database.engine.connect() as conn:
        return set(conn.scalars(sa.text("SELECT type FROM event_archive")))


def test_the_phone_number_reaches_the_desk_and_nowhere_else(database, reporting, clock, amqp_url, bus_namespace,
                                                             capfd):
    app = create_app(SERVICE, settings=SETTINGS, database=database, clock=clock, testing=True)
    client = app.test_client()
    transport = transport_from_url(amqp_url, namespace=bus_namespace, retry_delays=(0.1,))
    worker = Worker(SERVICE, SETTINGS, transport, database=database, clock=clock)
    reporting_transport = transport_from_url(amqp_url, namespace=bus_namespace, retry_delays=(0.1,))
    reporting_worker = Worker(REPORTING, SETTINGS, reporting_transport, database=reporting, clock=clock)
    connection, channel, spy = spy_on(amqp_url, bus_namespace)
    seen = []
    worker.start()
    reporting_worker.start()
    try:
        transport.declare("complaints", tuple(SERVICE.handlers))
        reporting_transport.declare("reporting", tuple(REPORTING.handlers))  # before anything is published
        body = {"service_code": "hidden_tutoring", "address_string": "城固县博望街道文化路12号",
                "first_name": "王小明", "phone": "+86 138 1234 5678", "email": "parent@example.cn", "notify": True,
                "description": "补课老师电话 +86 138 1234 5678，也可打 138-1234-5678"}
        filed = client.post("/open311/v2/requests.json", json=body, headers={"Idempotency-Key": "privacy-1"})
        assert client.post("/open311/v2/requests.json", json=body, headers={"Idempotency-Key": "privacy-1"}
                           ).headers["Idempotent-Replayed"] == "true"
        [token] = [answer["token"] for answer in filed.get_json()]
        [found] = client.get(f"/open311/v2/tokens/{token}.json").get_json()
        clue_id = found["service_request_id"]
        assert client.post(f"/v1/clues/{clue_id}/register", json={}, headers=desk(clock)).status_code == 200
        assert client.post(f"/v1/clues/{clue_id}/triage", json={
            "category": "hidden_tutoring", "institution_id": None, "department": "education"},
            headers=desk(clock)).status_code == 200
        assert client.post(f"/v1/clues/{clue_id}/refer", json={"priority": "urgent", "reason": "需现场核查"},
                           headers=desk(clock)).status_code == 200

        # positive control: the desk sees the number, as contact and in the description
        shown = client.get(f"/v1/clues/{clue_id}", headers=desk(clock)).get_json()
        assert shown["reporter"]["phone"] == "+86 138 1234 5678" and "138-1234-5678" in shown["description"]
        [public] = client.get(f"/open311/v2/requests/{clue_id}.json").get_json()
        assert "138****5678" in public["description"]

        # the inspection answers over RabbitMQ; complaints' worker records it and publishes the answer
        task = new_event("inspection.task.completed", subject="t1", data={
            "task_id": "t1", "campaign_id": "c1", "round": 1, "institution_id": None, "town": "博望街道",
            "clue_id": clue_id, "inspected_on": clock.today().isoformat(), "inspector_ids": ["i1"],
            "departments": ["education"], "outcome": "compliant"})
        publisher = transport.publisher("test")
        publisher.publish([Outgoing(key=task.id, body=task.to_json().encode(), routing_key=task.type,
                                    message_id=task.id, timestamp=task.time, correlation_id=task.correlationid)],
                          timeout=10)
        publisher.close()
        wait_until(lambda: client.get(f"/v1/clues/{clue_id}", headers=desk(clock)).get_json()["status"] == "answered",
                   30, message="the inspection's answer to reach the clue")
        # the reporter rates the answer by token, and writes their number again (the 回访 note)
        rated = client.post(f"/v1/ratings/{token}", json={"satisfied": False, "note": "请回电 138-1234-5678"})
        assert rated.status_code == 204, rated.get_json()
        wanted = {"complaints.clue.received", "complaints.clue.referred", "complaints.clue.answered",
                  "complaints.clue.rated", "inspection.task.completed"}
        wait_until(lambda: wanted <= {m["routing_key"] for m in drain(channel, spy, seen)}, 30,
                   message="the clue's events on RabbitMQ")
        wait_until(lambda: outbox_counts(database.engine)["outbox_pending"] == 0, 30,
                   message="the outbox to drain")
        wait_until(lambda: wanted <= archived(reporting), 30, message="reporting's worker to archive every event")
    finally:
        connection.close()
        reporting_worker.stop()
        worker.stop()
        reporting_transport.close()
        transport.close()

    logs = "".join(capfd.readouterr())
    assert clue_id in logs or "open311" in logs  # the log output was captured
    messages = json.dumps(seen, ensure_ascii=False)
    stored = tables_as_text(database)
    assert clue_id in stored and "138****5678" in stored  # the dump holds the rows, masked where public
    reported = tables_as_text(reporting, REPORTING.metadata)
    assert clue_id in reported and "hidden_tutoring" in reported  # reporting holds the clue's events
    for leak in (*LEAKS, "parent@example.cn"):
        assert leak not in logs, leak
        assert leak not in messages, leak
        assert leak not in stored, leak
        assert leak not in reported, leak


def test_a_closed_clues_reporter_is_erased_after_the_configured_days(database, clock):
    app = create_app(SERVICE, settings=SETTINGS, database=database, clock=clock, testing=True)
    client = app.test_client()
    clue_id = client.post("/v1/clues", headers=desk(clock), json={
        "channel": "hotline", "category": "other", "description": "电话13812345678", "town": "龙头镇",
        "reporter": {"phone": "13812345678"}}).get_json()["id"]
    assert client.post(f"/v1/clues/{clue_id}/close", headers=desk(clock),
                       json={"outcome": "withdrawn", "note": "举报人撤回"}).status_code == 200
    # the worker's check, with the county file's erase_reporter_after_days (180 in the tests' file)
    [check] = [check for check in SERVICE.scheduled if check.name == "reporters_erased"]
    clock.advance(dt.timedelta(days=179))
    assert check.run(database, clock) == 0
    clock.advance(dt.timedelta(days=2))
    assert check.run(database, clock) == 1
    shown = client.get(f"/v1/clues/{clue_id}", headers=desk(clock)).get_json()
    assert shown["reporter"] is None and shown["description"] == "电话138****5678"
    with database.engine.connect() as conn:
        assert conn.scalar(sa.select(clues.c.sealed).where(clues.c.id == clue_id)) is None
