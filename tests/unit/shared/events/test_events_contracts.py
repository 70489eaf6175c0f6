"""Every event type of ARCHITECTURE.md has one contract, and each contract refuses what a consumer can't use."""

import datetime as dt
import re

import pytest

from shared.events import EventContract, InvalidEventData, UnknownEventType, all_contracts, contract_for

INSTITUTION_CONSUMERS = ("inspection", "complaints", "reporting")
TRANSITION_FIELDS = {"institution_id", "name", "division_code", "town", "category", "from_state", "to_state",
                     "occurred_on", "reason"}
CASE_FIELDS = {"case_id", "institution_id", "subject_kind", "town", "source_task_id", "source_clue_id", "on"}
HANDLED_FIELDS = {"clue_id", "category", "outcome", "on_time", "at"}

# ARCHITECTURE.md's table of events that cross services (plus issue 4's licence reminder):
# type -> (consumers, the fields its `data` must carry).
TABLE = {
    "registry.institution.registered": (INSTITUTION_CONSUMERS, {
        "institution_id", "name", "credit_code", "division_code", "town", "address", "category",
        "subject_group", "state"}),
    "registry.institution.review_started": (INSTITUTION_CONSUMERS, TRANSITION_FIELDS),
    "registry.institution.licensed": (INSTITUTION_CONSUMERS, TRANSITION_FIELDS | {"licence_valid_until"}),
    "registry.institution.rectification_ordered": (INSTITUTION_CONSUMERS, TRANSITION_FIELDS | {"deadline"}),
    "registry.institution.rectification_overdue": (INSTITUTION_CONSUMERS, TRANSITION_FIELDS | {"deadline"}),
    "registry.institution.banned": (INSTITUTION_CONSUMERS, TRANSITION_FIELDS | {"case_id"}),
    "registry.institution.closed": (INSTITUTION_CONSUMERS, TRANSITION_FIELDS),
    "registry.institution.converted": (INSTITUTION_CONSUMERS, TRANSITION_FIELDS),
    "registry.filing.published": (("inspection", "reporting"), {
        "institution_id", "filing_id", "subjects", "teacher_count", "max_price_per_hour_fen", "modes"}),
    "registry.licence.expiring": (("reporting",), {"institution_id", "name", "town", "kind", "number", "valid_until"}),
    "inspection.campaign.launched": (("reporting",), {
        "campaign_id", "name", "kind", "starts_on", "ends_on", "rounds", "towns", "departments"}),
    "inspection.campaign.reminder_issued": (("registry", "reporting"), {
        "campaign_id", "holiday", "remind_on", "towns"}),
    "inspection.draw.published": (("reporting",), {
        "draw_id", "campaign_id", "round", "seed", "target_count", "team_count"}),
    "inspection.task.completed": (("complaints", "registry", "reporting"), {
        "task_id", "campaign_id", "round", "institution_id", "town", "clue_id", "inspected_on",
        "inspector_ids", "departments", "outcome"}),
    "inspection.case.opened": (("reporting",), CASE_FIELDS),
    "inspection.case.closed": (("reporting",), CASE_FIELDS | {"punished"}),
    "inspection.case.sanction_imposed": (("registry", "reporting"), {
        "case_id", "institution_id", "kind", "amount_fen", "deadline", "decided_on"}),
    "complaints.clue.received": (("reporting",), {
        "clue_id", "category", "channel", "town", "institution_id", "received_at", "due_on"}),
    "complaints.clue.referred": (("inspection", "reporting"), {
        "clue_id", "category", "institution_id", "place", "town", "department", "priority", "due_on"}),
    "complaints.clue.answered": (("reporting",), HANDLED_FIELDS),
    "complaints.clue.closed": (("reporting",), HANDLED_FIELDS),
    "complaints.clue.overdue": (("reporting",), HANDLED_FIELDS),
    # the reporter's rating (issue: "and the reporter's rating — no personal data"), not yet in the table
    "complaints.clue.rated": (("reporting",), {"clue_id", "category", "satisfied", "at"}),
}

# Fields ARCHITECTURE.md marks "(or null)".
NULLABLE = {
    ("inspection.task.completed", "institution_id"), ("inspection.task.completed", "clue_id"),
    ("inspection.case.opened", "institution_id"), ("inspection.case.closed", "institution_id"),
    ("inspection.case.sanction_imposed", "institution_id"), ("complaints.clue.received", "institution_id"),
    ("complaints.clue.referred", "institution_id"),
}

# Enumerations as ARCHITECTURE.md lists them: (type, field) -> allowed values.
ENUMERATIONS = {
    ("registry.institution.registered", "category"): ["discipline", "non_discipline"],
    ("inspection.campaign.launched", "kind"): ["routine", "holiday", "special"],
    ("inspection.task.completed", "outcome"): ["compliant", "rectification_ordered", "violation"],
    ("inspection.case.opened", "subject_kind"): ["institution", "person", "address"],
    ("inspection.case.sanction_imposed", "kind"): ["warning", "rectification_order", "fine", "ban"],
    ("complaints.clue.referred", "department"): [
        "education", "civil_affairs", "market_regulation", "culture_tourism", "fire", "urban_management",
        "public_security"],
}


def _refused(contract: EventContract, data: dict) -> dict:
    with pytest.raises(InvalidEventData) as caught:
        contract.validate(data)
    assert caught.value.type == contract.type
    return caught.value.errors


def test_every_event_type_of_the_architecture_has_exactly_one_contract():
    assert [contract.type for contract in all_contracts()] == sorted(TABLE)


@pytest.mark.parametrize("type", sorted(TABLE))
def test_contract_names_its_publisher_consumers_version_and_dataschema(type):
    contract = contract_for(type)
    consumers, _ = TABLE[type]
    assert contract.type == contract.routing_key == type
    assert contract.version == 1
    assert contract.publisher == type.split(".")[0]
    assert set(contract.consumers) == set(consumers)
    assert contract.dataschema == f"urn:offcampus:events:{type}:1"
    assert contract.source == f"/offcampus/{contract.publisher}"
    assert contract.summary and re.search(r"[\u4e00-\u9fff]", contract.summary_zh)


@pytest.mark.parametrize("type", sorted(TABLE))
def test_contract_carries_every_field_the_architecture_lists(type):
    _, listed = TABLE[type]
    assert listed <= set(contract_for(type).fields)


@pytest.mark.parametrize("type", sorted(TABLE))
def test_example_validates_and_validation_is_a_fixed_point(type):
    contract = contract_for(type)
    once = contract.validate(dict(contract.example))
    assert once == dict(contract.example)
    assert contract.validate(once) == once
    assert contract.subject_of(once) == once[contract.subject_field]


@pytest.mark.parametrize("type", sorted(TABLE))
def test_unknown_and_missing_fields_are_refused_with_field_messages(type):
    contract = contract_for(type)
    errors = _refused(contract, {**contract.example, "surprise": 1})
    assert errors == {"surprise": ["Unknown field."]}
    data = dict(contract.example)
    del data[contract.subject_field]
    assert contract.subject_field in _refused(contract, data)


@pytest.mark.parametrize(("type", "field"), sorted(NULLABLE))
def test_fields_marked_or_null_accept_null(type, field):
    contract = contract_for(type)
    assert contract.validate({**contract.example, field: None})[field] is None


@pytest.mark.parametrize("type", sorted(TABLE))
def test_fields_not_marked_nullable_refuse_null(type):
    contract = contract_for(type)
    for name, field in contract.fields.items():
        if not field.allow_none:
            assert "Field may not be null." in _refused(contract, {**contract.example, name: None})[name]


@pytest.mark.parametrize(("key", "values"), sorted(ENUMERATIONS.items()))
def test_enumerations_are_the_architectures(key, values):
    type, name = key
    contract = contract_for(type)
    field = contract.fields[name]
    assert list(field.validate.choices) == values
    assert name in _refused(contract, {**contract.example, name: "something_else"})


def test_lists_of_departments_and_modes_refuse_unknown_values():
    launched = contract_for("inspection.campaign.launched")
    assert "departments" in _refused(launched, {**launched.example, "departments": ["education", "police"]})
    filing = contract_for("registry.filing.published")
    assert "modes" in _refused(filing, {**filing.example, "modes": ["offline", "hybrid"]})
    assert filing.validate({**filing.example, "modes": ["offline", "online"]})["modes"] == ["offline", "online"]


@pytest.mark.parametrize("amount", [-1, 12.5, 4500.0, "4500", True, None])
def test_money_is_a_non_negative_integer_of_fen(amount):
    filing = contract_for("registry.filing.published")
    assert "max_price_per_hour_fen" in _refused(filing, {**filing.example, "max_price_per_hour_fen": amount})


def test_money_of_zero_and_large_amounts_is_accepted():
    filing = contract_for("registry.filing.published")
    for amount in (0, 500_000_00):
        assert filing.validate({**filing.example, "max_price_per_hour_fen": amount})["max_price_per_hour_fen"] \
            == amount


@pytest.mark.parametrize("day", ["2021-7-1", "20210701", "2021-W26-4", "2021-07-01T00:00:00+08:00", 20210701,
                                 dt.datetime(2021, 7, 1, tzinfo=dt.UTC), "2021-02-30", "２０２１-０７-０１"])
def test_dates_are_iso_calendar_dates_only(day):
    task = contract_for("inspection.task.completed")
    assert "inspected_on" in _refused(task, {**task.example, "inspected_on": day})


def test_date_objects_come_back_as_iso_text():
    task = contract_for("inspection.task.completed")
    assert task.validate({**task.example, "inspected_on": dt.date(2021, 7, 1)})["inspected_on"] == "2021-07-01"


@pytest.mark.parametrize("moment", ["2021-07-15T10:24:00", "2021-07-15 10:24:00+08:00", "2021-07-15",
                                    dt.datetime(2021, 7, 15, 10, 24), 1626315840, "٢٠٢١-07-15T10:24:00Z"])
def test_times_need_an_offset(moment):
    received = contract_for("complaints.clue.received")
    assert "received_at" in _refused(received, {**received.example, "received_at": moment})


def test_aware_times_come_back_as_rfc3339_text_with_their_offset():
    received = contract_for("complaints.clue.received")
    shanghai = dt.timezone(dt.timedelta(hours=8))
    for moment, text in [
        (dt.datetime(2021, 7, 15, 10, 24, tzinfo=shanghai), "2021-07-15T10:24:00+08:00"),
        ("2021-07-15T02:24:00Z", "2021-07-15T02:24:00+00:00"),
    ]:
        assert received.validate({**received.example, "received_at": moment})["received_at"] == text


@pytest.mark.parametrize("value", ["true", 1, "yes", None])
def test_booleans_are_json_booleans(value):
    closed = contract_for("inspection.case.closed")
    assert "punished" in _refused(closed, {**closed.example, "punished": value})


@pytest.mark.parametrize("value", ["6", 6.0, True, 0])
def test_counts_are_integers_within_range(value):
    draw = contract_for("inspection.draw.published")
    assert "round" in _refused(draw, {**draw.example, "round": value})


def test_identity_codes_have_their_published_shape():
    registered = contract_for("registry.institution.registered")
    assert "credit_code" in _refused(registered, {**registered.example, "credit_code": "52610722MJ295012"})
    assert "credit_code" in _refused(registered, {**registered.example, "credit_code": "52610722MJ2950121I"})
    assert "division_code" in _refused(registered, {**registered.example, "division_code": "61072"})
    # ASCII digits only: other scripts' digits are digits to `\d`, never to a code
    assert "division_code" in _refused(registered, {**registered.example, "division_code": "٦١٠٧٢٢"})
    assert "credit_code" in _refused(registered, {**registered.example, "credit_code": "52६१०७२२MJ2950121H"})


def test_each_lifecycle_event_reaches_its_own_state():
    licensed = contract_for("registry.institution.licensed")
    assert "to_state" in _refused(licensed, {**licensed.example, "to_state": "banned"})
    assert licensed.validate({**licensed.example, "licence_valid_until": None})["licence_valid_until"] is None
    ordered = contract_for("registry.institution.rectification_ordered")
    assert "deadline" in _refused(ordered, {**ordered.example, "deadline": None})
    banned = contract_for("registry.institution.banned")
    assert banned.validate({**banned.example, "case_id": None})["case_id"] is None


def test_a_fine_has_a_positive_amount_and_only_a_fine_has_one():
    sanction = contract_for("inspection.case.sanction_imposed")
    assert _refused(sanction, {**sanction.example, "amount_fen": None}) == {
        "amount_fen": ["A fine needs a positive amount."]}
    assert _refused(sanction, {**sanction.example, "amount_fen": 0})["amount_fen"]
    assert _refused(sanction, {**sanction.example, "kind": "warning"}) == {
        "amount_fen": ["Only a fine has an amount."]}
    warning = {**sanction.example, "kind": "warning", "amount_fen": None}
    assert sanction.validate(warning)["kind"] == "warning"
    order = {**warning, "kind": "rectification_order"}
    assert "deadline" in _refused(sanction, order)
    assert sanction.validate({**order, "deadline": "2021-09-10"})["deadline"] == "2021-09-10"


def test_a_ban_may_name_no_institution():
    sanction = contract_for("inspection.case.sanction_imposed")
    ban = {**sanction.example, "kind": "ban", "amount_fen": None, "institution_id": None}
    assert sanction.validate(ban)["institution_id"] is None


def test_a_campaign_cannot_end_before_it_starts():
    launched = contract_for("inspection.campaign.launched")
    errors = _refused(launched, {**launched.example, "ends_on": "2021-07-09"})
    assert errors == {"ends_on": ["A campaign cannot end before it starts."]}


def test_an_overdue_clue_is_never_on_time():
    overdue = contract_for("complaints.clue.overdue")
    assert "on_time" in _refused(overdue, {**overdue.example, "on_time": True})
    answered = contract_for("complaints.clue.answered")
    assert answered.validate({**answered.example, "on_time": False})["on_time"] is False


def test_a_task_completed_needs_at_least_one_inspector():
    task = contract_for("inspection.task.completed")
    assert "inspector_ids" in _refused(task, {**task.example, "inspector_ids": []})
    assert "inspector_ids" in _refused(task, {**task.example, "inspector_ids": "01HV0A7Q2R3S4T5V6W7X8Y9Z0A"})


@pytest.mark.parametrize("data", [None, [], "{}", 42])
def test_data_that_is_not_an_object_is_refused(data):
    assert _refused(contract_for("complaints.clue.received"), data) == {
        "_schema": ["Event data must be a JSON object."]}


def test_an_undeclared_type_is_named_in_the_error():
    with pytest.raises(UnknownEventType) as caught:
        contract_for("registry.institution.teleported")
    assert caught.value.type == "registry.institution.teleported"
    with pytest.raises(UnknownEventType):
        contract_for("registry.institution.registered", version=2)
    assert contract_for("registry.institution.registered", version=1) is contract_for(
        "registry.institution.registered")


def test_invalid_event_data_is_a_value_error_and_unknown_type_a_lookup_error():
    assert issubclass(InvalidEventData, ValueError)
    assert issubclass(UnknownEventType, LookupError)


def test_a_ban_names_its_case_or_its_paper_decision():
    banned = contract_for("registry.institution.banned")
    paper = {**banned.example, "case_id": None, "document_number": "城教罚决字〔2021〕3号"}
    assert banned.validate(paper)["document_number"] == "城教罚决字〔2021〕3号"
    assert banned.validate({**banned.example, "document_number": None})["document_number"] is None
    # a ban published before the field, without it, still validates
    assert "document_number" not in banned.validate({k: v for k, v in banned.example.items()
                                                     if k != "document_number"})
    assert "document_number" in _refused(banned, {**paper, "document_number": ""})
    assert "document_number" in _refused(banned, {**paper, "document_number": "号" * 101})


def test_a_filing_names_its_teachers_as_the_board_shows_them_and_nothing_more():
    filing = contract_for("registry.filing.published")
    teachers = filing.validate(dict(filing.example))["teachers"]
    assert teachers == [{"name": "李明", "qualification_certificate_no": "20196107222000123"},
                        {"name": "王芳", "qualification_certificate_no": None}]
    # an event published before the field, without it, still validates
    assert "teachers" not in filing.validate({k: v for k, v in filing.example.items() if k != "teachers"})
    errors = _refused(filing, {**filing.example, "teachers": [
        {"name": "", "qualification_certificate_no": None},
        {"name": "李明", "qualification_certificate_no": "1", "id_number": "x"}]})
    assert errors == {"teachers": {0: {"name": ["Length must be between 1 and 100."]},
                                   1: {"id_number": ["Unknown field."]}}}
