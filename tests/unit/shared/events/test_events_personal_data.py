"""No event carries a reporter's name, phone, email or ID number, ever (ARCHITECTURE.md)."""

import json
import re

import pytest

from shared.events import all_contracts
from shared.events.envelope import example_message

# Any field whose name could hold a person's contact or identity.
PERSONAL = re.compile(r"reporter|complainant|whistle|phone|mobile|tel|email|mail|wechat|qq|id_?card|"
                      r"id_?number|identity|passport|contact|person_name|full_name|(^|_)name_of")
# Values shaped like a mainland mobile number, an email address or a resident ID number.
MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
RESIDENT_ID = re.compile(r"(?<![0-9A-Z])\d{17}[\dXx](?![0-9A-Z])")


@pytest.mark.parametrize("contract", all_contracts(), ids=lambda contract: contract.type)
def test_no_field_could_carry_a_reporters_personal_data(contract):
    for name in contract.fields:
        assert not PERSONAL.search(name), f"{contract.type}.{name} could carry personal data"


def test_no_complaints_event_names_anybody():
    # Institutions and campaigns have names; a clue's only person is its reporter.
    for contract in all_contracts():
        if contract.publisher == "complaints":
            assert not [name for name in contract.fields if "name" in name], contract.type


@pytest.mark.parametrize("contract", all_contracts(), ids=lambda contract: contract.type)
def test_no_example_looks_like_a_phone_email_or_id_number(contract):
    text = json.dumps(example_message(contract), ensure_ascii=False)
    assert not MOBILE.search(text) and not EMAIL.search(text) and not RESIDENT_ID.search(text)


def test_the_check_recognises_what_it_guards_against():
    assert all(PERSONAL.search(name) for name in ("reporter_phone", "email", "id_number", "contact_mobile"))
    assert not any(PERSONAL.search(name) for name in ("institution_id", "town", "place", "name", "address"))
    assert MOBILE.search("13812345678") and EMAIL.search("a.b@example.cn")
    assert RESIDENT_ID.search("61072219900101123X")
