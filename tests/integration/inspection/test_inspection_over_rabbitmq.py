"""Registry events cross real RabbitMQ into inspection's own worker and become targets; a bad one dead-letters."""

from __future__ import annotations

import pytest

from services.inspection.bootstrap import SERVICE
from shared.app import create_app
from shared.auth import mint_token
from shared.bus import new_event
from shared.bus.transport import Outgoing, transport_from_url
from shared.config import Settings
from shared.testing.apps import migrated_database
from shared.testing.bus import wait_until
from shared.worker import Worker

pytestmark = pytest.mark.integration

SETTINGS = Settings(env="test", jwt_secret="inspection-test-secret-0123456789abcdef0123", log_level="WARNING")
QIMING = {"institution_id": "01HW8ZQ3V4N6P2K7T9R5M1X0AB", "name": "城固县启明文化培训学校",
          "credit_code": "52610722MJ2950121R", "division_code": "610722", "town": "博望街道",
          "address": "城固县博望街道文化路12号", "category": "discipline", "subject_group": "mathematics",
          "state": "under_review"}
LIFECYCLE = {k: QIMING[k] for k in ("institution_id", "name", "division_code", "town", "category")}


@pytest.fixture
def database(pg_url):
    with migrated_database(SERVICE, pg_url) as database:
        yield database


def _event(event_type, sequence, **data):
    item = new_event(event_type, subject=QIMING["institution_id"], data=data)
    item.sequence = sequence
    return item


def _outgoing(item) -> Outgoing:
    return Outgoing(key=item.id, body=item.to_json().encode(), routing_key=item.type, message_id=item.id,
                    timestamp=item.time, correlation_id=item.correlationid)


def test_registry_events_on_rabbitmq_become_a_target_with_its_filing_and_tier(database, amqp_url, bus_namespace):
    client = create_app(SERVICE, settings=SETTINGS, database=database, testing=True).test_client()
    headers = {"Authorization": "Bearer " + mint_token(SETTINGS, sub="s", dept="education", roles=["supervisor"]),
               "Accept-Language": "en"}
    transport = transport_from_url(amqp_url, namespace=bus_namespace, retry_delays=(0.1,))
    worker = Worker(SERVICE, Settings(), transport, database=database)
    events = [
        _event("registry.institution.registered", 1, **QIMING),
        _event("registry.institution.licensed", 2, **LIFECYCLE, from_state="under_review", to_state="licensed",
               occurred_on="2021-09-10", reason=None, licence_valid_until="2026-08-31"),
        _event("registry.filing.published", 3, institution_id=QIMING["institution_id"], filing_id="f1",
               subjects=["数学"], teacher_count=6, max_price_per_hour_fen=4500, modes=["offline"]),
    ]
    bad = _event("registry.filing.published", 4, institution_id=QIMING["institution_id"], filing_id="f2",
                 subjects=["语文"], teacher_count=6, max_price_per_hour_fen=4500, modes=["offline"])
    bad.data = {**bad.data, "subjects": []}  # what a broken producer might send: the contract refuses it
    worker.start()
    try:
        transport.declare("inspection", tuple(SERVICE.handlers))
        publisher = transport.publisher("test")
        failed = publisher.publish([_outgoing(item) for item in [*events, bad]], timeout=10)
        publisher.close()
        assert not any(failed.values()), failed

        def kept():
            answer = client.get(f"/v1/targets/{QIMING['institution_id']}", headers=headers)
            body = answer.get_json()
            return answer.status_code == 200 and body["filing"] is not None and body
        target = wait_until(kept, 30, message="inspection's worker to keep the target")
        [letter] = wait_until(lambda: transport.list_dead("inspection"), 30, message="the bad filing dead-lettered")
    finally:
        worker.stop()
        transport.close()
    assert (target["state"], target["licence_valid_until"]) == ("licensed", "2026-08-31")
    assert target["filing"] == {"filing_id": "f1", "subjects": ["数学"], "teacher_count": 6,
                                "max_price_per_hour_fen": 4500, "modes": ["offline"], "teachers": None}
    assert (target["risk"]["tier"], [r["code"] for r in target["risk"]["reasons"]]) == ("C", ["risk.never_inspected"])
    assert letter["id"] == bad.id and letter["reason"] == "invalid" and "subjects" in letter["error"]
