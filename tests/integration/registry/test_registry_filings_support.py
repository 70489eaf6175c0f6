"""What the filing and board tests share: an app on a fresh schema, licensed institutions, a filing that passes.

Institutions are made the way a clerk makes them, through the registry's own API (register, then license).
The one test here checks the sample filing itself passes every rule, so a failure elsewhere means what it says.
"""

from __future__ import annotations

import copy
import itertools
from typing import Any

import pytest

from services.registry.bootstrap import SERVICE
from services.registry.domain.identity import credit_code_check_character
from services.registry.service_layer.filings import check, to_filing
from shared.app import create_app
from shared.auth import mint_token
from shared.clock import SYSTEM_CLOCK
from shared.config import Settings
from shared.testing.apps import migrated_database

SETTINGS = Settings(env="test", jwt_secret="registry-filings-secret-0123456789abcdef0123", log_level="WARNING")
PROBLEM = "application/problem+json"
_serial = itertools.count(1)

QIMING = {
    "name": "城关镇启明星学科培训学校", "division_code": "610722", "town": "城关镇", "address": "城关镇南大街12号",
    "category": "discipline", "subject_group": "discipline", "audience": ["primary"],
    "contact_phone": "0916-7212345", "legal_representative": "王启明", "occurred_on": "2021-08-01",
}
LICENCE = {"school_running_licence": {"number": "教民161072270000123号", "issued_on": "2021-09-01",
                                      "valid_until": "2027-08-31"},
           "registration": {"kind": "registration_certificate", "number": "52610722MJY1234567",
                            "issued_on": "2021-09-01", "valid_until": "2027-08-31"}}

# A filing for primary pupils that breaks no rule: CNY 30 an hour, 20 hours and 1 month per collection,
# after school on a Tuesday in term (2025-03-04).
FILING: dict[str, Any] = {
    "courses": [{"subject": "数学", "grade_band": "primary", "materials": ["人教版数学三年级下册"]}],
    "teachers": [{"name": "李老师", "qualification_certificate_no": "20196107221000123",
                  "serving_public_school_teacher": False}],
    "fee_items": [{"name": "小班数学", "price_per_hour_fen": 3000, "grade_band": "primary", "class_size_band": "small",
                   "hours_per_collection": 20, "months_per_collection": 1, "amount_per_collection_fen": 60000}],
    "timetable": [{"weekday": 2, "start": "16:30", "end": "17:30", "mode": "offline", "course": "数学"}],
    "sessions": [{"date": "2025-03-04", "start": "16:30", "end": "17:30", "mode": "offline", "course": "数学"}],
}


def filing(**changes) -> dict[str, Any]:
    """The sample filing with whole parts replaced."""
    body = copy.deepcopy(FILING)
    body.update(changes)
    return body


def with_fee(**changes) -> dict[str, Any]:
    """The sample filing with its fee item changed."""
    return filing(fee_items=[{**FILING["fee_items"][0], **changes}])


def with_session(**changes) -> dict[str, Any]:
    """The sample filing with its dated class changed."""
    return filing(sessions=[{**FILING["sessions"][0], **changes}])


def credit_code(serial: int) -> str:
    """A valid unified social credit code of a private non-enterprise unit in Chenggu County."""
    first17 = f"52610722MJ{serial:07d}"
    return first17 + credit_code_check_character(first17)


def bearer(*roles: str, sub: str = "clerk-li") -> dict[str, str]:
    """Headers with a token holding the roles."""
    return {"Authorization": f"Bearer {mint_token(SETTINGS, sub=sub, dept='education', roles=roles)}"}


CLERK = bearer("clerk")


@pytest.fixture
def database(pg_url):
    """The registry's database on a fresh PostgreSQL schema, migrated."""
    with migrated_database(SERVICE, pg_url) as database:
        yield database


@pytest.fixture
def client(database):
    """A test client of the registry's app."""
    return create_app(SERVICE, settings=SETTINGS, database=database, testing=True).test_client()


def register(client, **changes) -> int:
    """Register an institution (under review) through the API; its id."""
    body = {**QIMING, "credit_code": credit_code(next(_serial)), **changes}
    created = client.post("/v1/institutions", json=body, headers=CLERK)
    assert created.status_code == 201, created.get_json()
    return created.get_json()["id"]


def ban_on_paper(client, institution_id: int, reason: str, occurred_on: str | None = None) -> None:
    """An admin records a ban decided before the platform: the one ban that comes from no inspection case."""
    done = client.post(f"/v1/institutions/{institution_id}/pre-platform-ban", headers=bearer("admin", sub="admin-zhao"),
                       json={"document_number": "城教罚决字〔2021〕3号", "reason": reason,
                             "occurred_on": occurred_on or SYSTEM_CLOCK.today().isoformat()})
    assert done.status_code == 200, done.get_json()


def transition(client, institution_id: int, action: str, **data) -> None:
    """Take a lifecycle action through the API."""
    done = client.post(f"/v1/institutions/{institution_id}/transitions", json={"action": action, "data": data},
                       headers=CLERK)
    assert done.status_code == 200, done.get_json()


def licensed(client, **changes) -> int:
    """A licensed institution's id."""
    institution_id = register(client, **changes)
    transition(client, institution_id, "license", licence=LICENCE, occurred_on="2021-09-01")
    return institution_id


def file(client, institution_id: int, body: dict[str, Any] | None = None, headers: dict[str, str] | None = None):
    """POST a filing (the sample one by default) as a clerk."""
    return client.post(f"/v1/institutions/{institution_id}/filings", json=FILING if body is None else body,
                       headers={**CLERK, **(headers or {})})


def test_the_sample_filing_passes_every_rule_for_the_sample_institution():
    result = check(to_filing(_loaded(FILING)), QIMING)
    assert result.accepted, result.violations


def _loaded(body: dict[str, Any]) -> dict[str, Any]:
    from services.registry.entrypoints.filings_api import FilingIn

    return FilingIn().load(body)
