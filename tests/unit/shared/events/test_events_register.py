"""The register: declared once, looked up by type (and version), temporary contracts for tests only."""

import pytest
from marshmallow import Schema, fields

from shared.events import (
    DuplicateContract,
    EventContract,
    InvalidEventData,
    UnknownEventType,
    all_contracts,
    consumed_by,
    contract_for,
    published_by,
    register_contract,
    temporary_contract,
)

COUNTER = {"counter_id": fields.String(required=True), "step": fields.Integer(strict=True, required=True)}


def test_temporary_contract_is_declared_inside_and_gone_after():
    before = [contract.type for contract in all_contracts()]
    with temporary_contract(type="test.counter.incremented", schema=COUNTER, consumers=("reporting",)) as c:
        assert contract_for("test.counter.incremented") is c
        assert c.publisher == "test" and c.aggregate == "counter" and c.subject_field == "counter_id"
        assert c.validate({"counter_id": "c-1", "step": 1}) == {"counter_id": "c-1", "step": 1}
        with pytest.raises(InvalidEventData):
            c.validate({"counter_id": "c-1", "step": "1"})
        assert c in consumed_by("reporting")
    assert [contract.type for contract in all_contracts()] == before
    with pytest.raises(UnknownEventType):
        contract_for("test.counter.incremented")


def test_temporary_contract_is_removed_when_the_test_body_fails():
    with pytest.raises(RuntimeError), temporary_contract(type="test.counter.incremented", schema=COUNTER):
        raise RuntimeError("the test failed")
    with pytest.raises(UnknownEventType):
        contract_for("test.counter.incremented")


def test_temporary_contract_accepts_a_built_contract_and_a_schema_class():
    class CounterSchema(Schema):
        counter_id = fields.String(required=True)

    contract = EventContract(type="test.counter.reset", schema=CounterSchema, example={"counter_id": "c-9"})
    with temporary_contract(contract) as declared:
        assert declared is contract_for("test.counter.reset")
    with pytest.raises(UnknownEventType):
        contract_for("test.counter.reset")


def test_a_type_and_version_is_declared_only_once():
    with pytest.raises(DuplicateContract):
        register_contract(EventContract(type="registry.institution.registered",
                                        schema=contract_for("registry.institution.registered").schema))
    with pytest.raises(DuplicateContract), temporary_contract(
        type="registry.institution.registered", schema=COUNTER, subject_field="counter_id"
    ):
        pass
    assert contract_for("registry.institution.registered").publisher == "registry"


def test_the_latest_version_answers_unless_a_version_is_asked_for():
    v1 = contract_for("registry.institution.registered")
    v2 = EventContract(type="registry.institution.registered", version=2, schema=v1.schema)
    with temporary_contract(v2):
        assert contract_for("registry.institution.registered") is v2
        assert contract_for("registry.institution.registered", version=1) is v1
        assert v2.dataschema.endswith(":2")
    assert contract_for("registry.institution.registered") is v1


@pytest.mark.parametrize("type", ["counter.incremented", "Test.counter.incremented", "test.counter.a.b", ""])
def test_a_type_must_be_service_aggregate_happening(type):
    with pytest.raises(ValueError, match="is not"):
        EventContract(type=type, schema=Schema.from_dict(COUNTER))


def test_the_subject_field_must_be_required_and_never_null():
    with pytest.raises(ValueError, match="subject field"):
        EventContract(type="test.counter.incremented", schema=Schema.from_dict({"step": fields.Integer()}))
    nullable = {"counter_id": fields.String(required=True, allow_none=True)}
    with pytest.raises(ValueError, match="subject field"):
        EventContract(type="test.counter.incremented", schema=Schema.from_dict(nullable))


def test_an_example_that_breaks_its_own_contract_is_refused_at_declaration():
    with pytest.raises(InvalidEventData):
        EventContract(type="test.counter.incremented", schema=Schema.from_dict(COUNTER),
                      example={"counter_id": "c-1", "step": 1.5})


def test_contracts_are_listed_by_publisher_and_by_consumer():
    assert {c.type for c in published_by("complaints")} == {
        "complaints.clue.received", "complaints.clue.referred", "complaints.clue.answered",
        "complaints.clue.closed", "complaints.clue.overdue", "complaints.clue.rated"}
    assert {c.type for c in consumed_by("registry")} == {
        "inspection.campaign.reminder_issued", "inspection.task.completed", "inspection.case.sanction_imposed"}
    assert all(c.type.startswith("registry.") for c in published_by("registry"))
    assert published_by("reporting") == []


def test_a_contract_takes_on_an_interactive_queue_only_services_that_consume_it():
    with temporary_contract(type="test.call.placed", schema={"call_id": fields.String(required=True)},
                            consumers=("inspection", "reporting"), interactive_for=["inspection"]) as contract:
        assert contract.interactive_for == ("inspection",)
    with pytest.raises(ValueError, match="interactive_for names services that do not consume it: registry"):
        EventContract(type="test.call.placed", schema=Schema.from_dict({"call_id": fields.String(required=True)}),
                      consumers=("inspection",), interactive_for=("registry",))


def test_a_referral_is_interactive_for_inspection_alone():
    # the desk waits for inspection's task; reporting's figures can come with the bulk
    assert contract_for("complaints.clue.referred").interactive_for == ("inspection",)
    assert [c.type for c in all_contracts() if c.interactive_for] == ["complaints.clue.referred"]
