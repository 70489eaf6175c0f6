"""Events cross real RabbitMQ into reporting's own worker: archived, projected, bad ones dead-lettered."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import reporting_support as support
import sqlalchemy as sa
from reporting_support import LEADER, changed, event, registered

from services.reporting.adapters.orm import event_archive
from services.reporting.bootstrap import SERVICE
from shared.bus import Event
from shared.bus.transport import Outgoing, transport_from_url
from shared.config import Settings
from shared.testing.bus import wait_until
from shared.worker import Worker

pytestmark = pytest.mark.integration
database, client = support.database, support.client


def _outgoing(item: Event) -> Outgoing:
    return Outgoing(key=item.id, body=item.to_json().encode(), routing_key=item.type, message_id=item.id,
                    timestamp=item.time, correlation_id=item.correlationid)


def test_events_published_on_rabbitmq_reach_the_figures_through_reportings_worker(client, database, amqp_url,
                                                                                   bus_namespace):
    transport = transport_from_url(amqp_url, namespace=bus_namespace, retry_delays=(0.1,))
    worker = Worker(SERVICE, Settings(), transport, database=database)
    unknown = Event(type="inspection.inspector.rostered", source="/offcampus/inspection", subject="i1",
                    data={"inspector_id": "i1"}, time=datetime(2021, 7, 1, tzinfo=UTC))
    bad = event("inspection.case.opened", 1, case_id="k2", on="2021-07-20")
    bad.data = {**bad.data, "on": "yesterday"}
    good = [registered("a"), changed("a", "banned", occurred_on="2021-09-03", sequence=2, from_state="stock"),
            event("inspection.task.completed", 1, task_id="t1", inspected_on="2021-07-17"),
            event("complaints.clue.received", 1, clue_id="c1")]
    worker.start()
    try:
        transport.declare("reporting", tuple(SERVICE.handlers))  # the worker's own bindings: `#` among them
        publisher = transport.publisher("test")
        failed = publisher.publish([_outgoing(item) for item in [*good, unknown, bad]], timeout=10)
        publisher.close()
        assert not any(failed.values()), failed

        def counted():
            figures = client.get("/v1/summary", headers=LEADER).get_json()
            return figures["institutions_banned"] == 1 and figures["inspections"] == 1 \
                and figures["complaints_received"] == 1 and figures

        figures = wait_until(counted, 30, message="reporting's worker to count the events")
        assert figures["inspector_person_times"] == 2 and figures["institutions_by_state"] == {"banned": 1}
        [letter] = wait_until(lambda: transport.list_dead("reporting"), 30, message="the bad event to be dead-lettered")
        assert letter["id"] == bad.id and letter["reason"] == "invalid" and "'on': " in letter["error"]
    finally:
        worker.stop()
        transport.close()
    with database.engine.connect() as conn:
        kept = dict(conn.execute(sa.select(event_archive.c.event_id, event_archive.c.contracted)).all())
    assert kept == {**{item.id: True for item in good}, unknown.id: False}
