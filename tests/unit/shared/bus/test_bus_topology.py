"""Topology by code: names, queue arguments, topic matching, and the committed RabbitMQ definitions."""

import json
from pathlib import Path

import pytest

from shared.bus.topology import Topology, contract_bindings, matches

DEFINITIONS = Path(__file__).resolve().parents[4] / "deploy" / "rabbitmq" / "definitions.json"


@pytest.mark.parametrize(("pattern", "key", "expected"), [
    ("registry.institution.licensed", "registry.institution.licensed", True),
    ("registry.institution.*", "registry.institution.licensed", True),
    ("registry.*", "registry.institution.licensed", False),
    ("registry.#", "registry.institution.licensed", True),
    ("#", "complaints.clue.referred", True),
    ("#.referred", "complaints.clue.referred", True),
    ("complaints.#.referred", "complaints.referred", True),
    ("complaints.clue.*", "complaints.clue", False),
])
def test_patterns_match_like_an_amqp_topic_exchange(pattern, key, expected):
    assert matches(pattern, key) is expected


def test_a_service_has_a_quorum_queue_retry_queues_of_growing_delay_and_a_dead_letter_queue():
    topology = Topology("offcampus", retry_delays=(1, 5, 30))
    main, *retries, dead = topology.queues("reporting")
    assert main.name == "offcampus.reporting" and main.arguments["x-queue-type"] == "quorum"
    assert main.arguments["x-dead-letter-routing-key"] == "offcampus.reporting.dead"
    assert [q.name for q in retries] == [f"offcampus.reporting.retry.{d}s" for d in (1, 5, 30)]
    assert [q.arguments["x-message-ttl"] for q in retries] == [1000, 5000, 30000]
    assert {q.arguments["x-dead-letter-routing-key"] for q in retries} == {"offcampus.reporting"}
    assert dead.name == "offcampus.reporting.dead" and dead.arguments == {"x-queue-type": "quorum"}
    assert [topology.retry_level(attempt) for attempt in (1, 2, 3, 4, 9)] == [0, 1, 2, 2, 2]


def test_the_bindings_follow_the_event_contracts():
    bindings = contract_bindings()
    assert "registry.institution.registered" in bindings["reporting"]
    assert "complaints.clue.referred" in bindings["inspection"]
    assert set(bindings) <= {"registry", "inspection", "complaints", "reporting"}


def test_the_committed_rabbitmq_definitions_are_current():
    expected = Topology().export_definitions()
    assert json.loads(DEFINITIONS.read_text(encoding="utf-8")) == expected, \
        "deploy/rabbitmq/definitions.json is stale: run `offcampus events topology`"


def test_a_service_with_interactive_types_has_an_interactive_work_queue_that_their_bindings_fill():
    topology = Topology("offcampus")
    names = [q.name for q in topology.queues("inspection")]
    assert names[:2] == ["offcampus.inspection", "offcampus.inspection.interactive"]
    work, interactive = topology.queues("inspection")[:2]
    assert interactive.arguments == work.arguments  # quorum, delivery limit, dead letters with the work queue's
    assert "offcampus.reporting.interactive" not in [q.name for q in topology.queues("reporting")]
    assert topology.destination("inspection", "complaints.clue.referred") == "offcampus.inspection.interactive"
    assert topology.destination("inspection", "registry.institution.registered") == "offcampus.inspection"
    assert topology.destination("reporting", "complaints.clue.referred") == "offcampus.reporting"
    bindings = {(b["destination"], b["routing_key"]) for b in topology.export_definitions()["bindings"]}
    assert ("offcampus.inspection.interactive", "complaints.clue.referred") in bindings
    assert ("offcampus.inspection", "complaints.clue.referred") not in bindings
    assert ("offcampus.reporting", "complaints.clue.referred") in bindings
