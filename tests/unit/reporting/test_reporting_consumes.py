"""Reporting's subscriptions agree with the event catalog integrators read (docs/events.md, AsyncAPI x-consumers)."""

from services.reporting.entrypoints.consumer import PROJECTIONS
from shared.events import all_contracts, contract_for


def test_every_event_type_reporting_projects_has_a_contract_naming_reporting_a_consumer():
    for event_type in PROJECTIONS:
        assert "reporting" in contract_for(event_type).consumers, event_type


def test_every_contract_naming_reporting_is_projected_by_it():
    named = {contract.type for contract in all_contracts() if "reporting" in contract.consumers}
    assert named == set(PROJECTIONS)
