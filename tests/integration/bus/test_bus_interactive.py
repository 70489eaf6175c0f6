"""Interactive events over real RabbitMQ: a type a contract marks `interactive_for` a service goes to that
service's interactive queue and is handled at once, however long the work queue's backlog; without the mark
it waits behind the backlog. Retries, dead letters and the bus's settled state cover the new queue too."""

from __future__ import annotations

import json
import subprocess
import threading
import time
from contextlib import nullcontext

import pytest
import sqlalchemy as sa
from marshmallow import fields

from services.inspection.bootstrap import SERVICE as INSPECTION
from shared.app import create_app
from shared.auth import mint_token
from shared.bus import new_event
from shared.bus.amqp import connect, message_of
from shared.bus.consumer import Consumer
from shared.bus.ops import bus_status
from shared.bus.relay import Relay
from shared.bus.tables import inbox_table
from shared.bus.transport import Outgoing, transport_from_url
from shared.config import Settings
from shared.events import temporary_contract
from shared.testing.apps import migrated_database
from shared.testing.bus import COUNTER_TYPE, counting_handler, hits, produce, running, wait_until
from shared.unit_of_work import UnitOfWork
from shared.worker import Worker

pytestmark = pytest.mark.integration

CALL = "test.call.placed"  # someone waits for its effect, as the desk waits for a referral's task


def _calls_table(engine):
    calls = sa.Table("bus_test_call", sa.MetaData(), sa.Column("call_id", sa.String(64), nullable=False),
                     sa.Column("counters_done", sa.Integer, nullable=False))
    calls.create(engine)
    return calls


def _place_call(engine):
    with UnitOfWork.on(engine) as uow:
        uow.publish(new_event(CALL, data={"call_id": "c1"}))
        uow.commit()


@pytest.mark.parametrize("interactive", [True, False], ids=["interactive", "work-queue-only"])
def test_an_interactive_event_behind_a_backlog_is_handled_before_the_backlog_drains(bus, interactive):
    calls = _calls_table(bus.engine)
    backlog = 1500
    count = counting_handler(delay=0.003)  # the backlog takes several seconds at the least

    def answer(event, session):  # notes how much of the backlog was handled when the call was
        done = session.scalar(sa.select(sa.func.count()).select_from(inbox_table)
                              .where(inbox_table.c.type == COUNTER_TYPE))
        session.execute(calls.insert().values(call_id=event.data["call_id"], counters_done=done))

    handlers = {COUNTER_TYPE: count, CALL: answer}
    marked = ("test",) if interactive else ()
    with temporary_contract(type=CALL, schema={"call_id": fields.String(required=True)}, consumers=("test",),
                            interactive_for=marked):
        bus.transport.declare("test", tuple(handlers))
        produce(bus.engine, [f"k{i}" for i in range(backlog)], per_transaction=100)
        _place_call(bus.engine)  # published after the whole backlog, through the same outbox and relay
        relay = Relay(bus.engine, bus.transport, "test")
        assert relay.drain_once() == backlog + 1
        depths = bus.transport.depths("test")
        assert depths["interactive_depth"] == (1 if interactive else None)
        assert depths["queue_depth"] == backlog + 1
        work = Consumer("test", bus.engine, bus.transport, handlers)
        lane = Consumer("test", bus.engine, bus.transport, handlers, prefetch=20, interactive=True)
        with running(work.run), running(lane.run) if interactive else nullcontext():
            wait_until(lambda: bus.handled() == backlog, timeout=180, message="the backlog handled")
            status = wait_until(lambda: (s := bus_status(bus.engine, bus.amqp_url, "test", bus.namespace))["settled"]
                                and s, timeout=30, message="the bus to settle")
        with bus.engine.connect() as conn:
            [(call_id, counters_done)] = conn.execute(sa.select(calls)).all()
    assert call_id == "c1" and hits(bus.engine) == {f"k{i}": 1 for i in range(backlog)}
    assert status["interactive_depth"] == (0 if interactive else None) and status["dead_letters"] == 0
    if interactive:
        assert counters_done < backlog, "the call waited for the whole backlog"
        assert lane.stats["handled"] == 1 and work.stats["handled"] == backlog
    else:  # one queue, first in first out: the call comes last, with the backlog's last batch
        assert counters_done == backlog


def _bindings(namespace: str) -> set[tuple[str, str]]:
    out = subprocess.run(["rabbitmqctl", "-q", "list_bindings", "destination_name", "routing_key",
                          "--no-table-headers"], capture_output=True, text=True, check=True, timeout=60).stdout
    return {tuple(line.split("\t")) for line in out.splitlines() if line.startswith(namespace)}


def test_an_older_binding_of_an_interactive_type_to_the_work_queue_is_taken_off_so_it_arrives_once(bus):
    topology = bus.transport.topology
    with temporary_contract(type=CALL, schema={"call_id": fields.String(required=True)}, consumers=("test",),
                            interactive_for=("test",)):
        # as a version before the interactive queue left it: the type bound to the work queue
        conn = connect(bus.amqp_url)
        channel = conn.channel()
        channel.exchange_declare(topology.exchange, "topic", durable=True, auto_delete=False)
        channel.queue_declare(topology.queue("test"), durable=True, auto_delete=False,
                              arguments=topology.queues("test")[0].arguments)
        channel.queue_bind(topology.queue("test"), topology.exchange, routing_key=CALL)
        conn.close()
        bus.transport.declare("test", (COUNTER_TYPE, CALL))
        assert {(name, key) for name, key in _bindings(bus.namespace) if key in (CALL, COUNTER_TYPE)} == {
            (topology.interactive_queue("test"), CALL), (topology.queue("test"), COUNTER_TYPE)}
        _place_call(bus.engine)
        assert Relay(bus.engine, bus.transport, "test").drain_once() == 1
        depths = bus.transport.depths("test")
    assert (depths["queue_depth"], depths["interactive_depth"]) == (1, 1)  # the one copy, in its own queue


def test_a_failing_interactive_event_is_retried_on_the_work_queue_then_dead_lettered_with_its_reason(bus):
    def refuse(event, session):
        raise RuntimeError("the call cannot be answered")

    with temporary_contract(type=CALL, schema={"call_id": fields.String(required=True)}, consumers=("test",),
                            interactive_for=("test",)):
        handlers = {CALL: refuse}
        bus.transport.declare("test", tuple(handlers))
        work = Consumer("test", bus.engine, bus.transport, handlers, max_attempts=2)
        lane = Consumer("test", bus.engine, bus.transport, handlers, prefetch=20, max_attempts=2, interactive=True)
        _place_call(bus.engine)
        Relay(bus.engine, bus.transport, "test").drain_once()
        with running(work.run), running(lane.run):
            [letter] = wait_until(lambda: bus.transport.list_dead("test"), timeout=60, message="a dead letter")
    assert letter["type"] == CALL and letter["reason"] == "handler_failed" and letter["attempts"] == 2
    assert "the call cannot be answered" in letter["error"]
    # the first attempt was the interactive queue's, the retry came back through the work queue
    assert (lane.stats["retried"], work.stats["dead"]) == (1, 1)


# -- the real thing: inspection's worker, registry's bulk, a complaint's referral ---------------------------

SETTINGS = Settings(env="test", jwt_secret="inspection-test-secret-0123456789abcdef0123", log_level="WARNING")
REFERRAL = {"clue_id": "clue-behind-the-bulk", "category": "hidden_tutoring", "institution_id": None,
            "place": "龙头镇锦绣花园小区3号楼", "town": "龙头镇", "department": "education", "priority": "normal",
            "due_on": "2022-07-20"}


def _registered(n: int) -> dict:
    return {"institution_id": f"01HW8ZQ3V4N6P2K7T9R5M{n:05d}", "name": f"城固县第{n}培训学校",
            "credit_code": f"52610722MJ{n:07d}R", "division_code": "610722", "town": "博望街道",
            "address": "城固县博望街道文化路12号", "category": "discipline", "subject_group": "mathematics",
            "state": "under_review"}


def _outgoing(event) -> Outgoing:
    return Outgoing(key=event.id, body=event.to_json().encode(), routing_key=event.type, message_id=event.id,
                    timestamp=event.time, correlation_id=event.correlationid)


def test_a_referral_behind_the_registry_bulk_becomes_a_task_before_inspection_drains_the_bulk(
        pg_url, amqp_url, bus_namespace):
    backlog = 2000
    with migrated_database(INSPECTION, pg_url) as database:
        client = create_app(INSPECTION, settings=SETTINGS, database=database, testing=True).test_client()
        headers = {"Authorization": "Bearer " + mint_token(SETTINGS, sub="s", dept="education", roles=["supervisor"])}
        transport = transport_from_url(amqp_url, namespace=bus_namespace)
        transport.declare("inspection", tuple(INSPECTION.handlers))
        bulk = []
        for n in range(backlog):
            event = new_event("registry.institution.registered", data=_registered(n))
            event.sequence = 1
            bulk.append(event)
        referral = new_event("complaints.clue.referred", data=REFERRAL)
        referral.sequence = 1
        publisher = transport.publisher("registry")
        for start in range(0, backlog, 500):
            assert not any(publisher.publish([_outgoing(e) for e in bulk[start:start + 500]], timeout=30).values())
        assert not any(publisher.publish([_outgoing(referral)], timeout=30).values())  # after all of them
        publisher.close()
        assert transport.depths("inspection")["queue_depth"] == backlog + 1

        def registered() -> int:
            with database.engine.connect() as conn:
                return conn.scalar(sa.select(sa.func.count()).select_from(inbox_table)
                                   .where(inbox_table.c.type == "registry.institution.registered"))

        def task_listed() -> bool:
            tasks = client.get("/v1/tasks", headers=headers, query_string={"kind": "clue"}).get_json()["items"]
            return any(task["clue_id"] == REFERRAL["clue_id"] for task in tasks)

        worker = Worker(INSPECTION, Settings(), transport, database=database)
        assert worker.interactive_consumer is not None  # the contract marks referrals interactive for inspection
        seen = threading.Event()
        handled_when_seen = []

        def watch(stop):
            while not stop.is_set() and not seen.is_set():
                if task_listed():
                    handled_when_seen.append(registered())
                    seen.set()
                time.sleep(0.02)

        worker.start()
        try:
            with running(watch):
                assert seen.wait(120), "the referral's task never showed"
                wait_until(lambda: registered() == backlog, timeout=300, message="the registry's bulk handled")
        finally:
            worker.stop()
            transport.close()
    assert handled_when_seen[0] < backlog, "the referral waited for the whole bulk"


def test_the_exported_definitions_give_inspection_its_interactive_queue_and_import_into_rabbitmq(bus):
    topology = bus.transport.topology
    definitions = topology.export_definitions({"inspection": ["complaints.clue.referred",
                                                              "registry.institution.registered"]})
    queues = {q["name"]: q["arguments"] for q in definitions["queues"]}
    assert queues[topology.interactive_queue("inspection")] == queues[topology.queue("inspection")]
    assert {(b["routing_key"], b["destination"]) for b in definitions["bindings"]} == {
        ("complaints.clue.referred", topology.interactive_queue("inspection")),
        ("registry.institution.registered", topology.queue("inspection"))}
    imported = subprocess.run(["rabbitmqctl", "-q", "import_definitions"], input=json.dumps(definitions),
                              capture_output=True, text=True, timeout=60)
    assert imported.returncode == 0, imported.stdout + imported.stderr
    wait_until(lambda: (topology.interactive_queue("inspection"), "complaints.clue.referred")
               in _bindings(bus.namespace), timeout=30, message="the import")  # asynchronous
    # declaring by code over the imported queues would fail on any differing argument
    bus.transport.declare("inspection", ("complaints.clue.referred", "registry.institution.registered"))
    conn = connect(bus.amqp_url)
    conn.channel().basic_publish(message_of(b"{}", {"message_id": "x"}, {}), exchange=topology.exchange,
                                 routing_key="complaints.clue.referred")
    conn.close()
    wait_until(lambda: bus.transport.depths("inspection")["interactive_depth"] == 1, timeout=30,
               message="the referral in inspection's interactive queue")
