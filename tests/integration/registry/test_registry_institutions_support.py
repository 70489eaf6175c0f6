"""What the institution tests share: the registry's app on a fresh PostgreSQL schema, clerks, institutions.

Institutions are made as a clerk makes them, through the API. Events are read back from the outbox, where
the registry writes them in the same transaction as the change.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest
import sqlalchemy as sa

from services.registry.bootstrap import SERVICE
from services.registry.domain.identity import credit_code_check_character
from shared.app import create_app
from shared.auth import mint_token
from shared.bus.tables import outbox_table
from shared.clock import SYSTEM_CLOCK
from shared.config import Settings
from shared.db import Database
from shared.events import contract_for
from shared.migrations import upgrade
from shared.testing.apps import refusing_client as refusing_app_client

pytestmark = pytest.mark.integration

SETTINGS = Settings(env="test", jwt_secret="registry-institutions-secret-0123456789abcdef", log_level="WARNING")
PROBLEM = "application/problem+json"
_serial = itertools.count(1)

QIMING = {
    "name": "城关镇启明星学科培训学校", "division_code": "610722", "town": "城关镇", "address": "城关镇南大街12号",
    "category": "discipline", "subject_group": "mathematics", "audience": ["primary", "junior_secondary"],
    "contact_phone": "13912345678", "legal_representative": "王启明", "state": "stock", "occurred_on": "2021-08-02",
}


def licence(valid_until: str = "2026-08-31", kind: str = "registration_certificate",
            registration_until: str = "2027-08-31") -> dict[str, Any]:
    """Both halves of a licence issued on 2021-09-01."""
    return {"school_running_licence": {"number": "教民161072270000123号", "issued_on": "2021-09-01",
                                       "valid_until": valid_until},
            "registration": {"kind": kind, "number": "52610722MJY1234567", "issued_on": "2021-09-01",
                             "valid_until": registration_until}}


def credit_code(serial: int | None = None) -> str:
    """A valid unified social credit code of a private non-enterprise unit in Chenggu County."""
    first17 = f"52610722MJ{serial or next(_serial):07d}"
    return first17 + credit_code_check_character(first17)


def bearer(*roles: str, sub: str = "clerk-li", town: str | None = None) -> dict[str, str]:
    """Headers with a token holding the roles."""
    return {"Authorization": f"Bearer {mint_token(SETTINGS, sub=sub, dept='education', roles=roles, town=town)}"}


CLERK = bearer("clerk")


@pytest.fixture
def database(pg_url):
    """The registry's database on a fresh schema, migrated."""
    upgrade(SERVICE, pg_url)
    database = Database(pg_url, pool_size=20)
    yield database
    database.dispose()


@pytest.fixture
def app(database):
    """The registry's app on that database."""
    return create_app(SERVICE, settings=SETTINGS, database=database, testing=True)


@pytest.fixture
def client(app):
    """A test client of the app."""
    return app.test_client()


@pytest.fixture(scope="module")
def refusing_client(pg_module_url):
    """The registry's app for requests that are all refused (`shared.testing.apps.refusing_client`)."""
    with refusing_app_client(SERVICE, pg_module_url, SETTINGS) as client:
        yield client


def register(client, **changes: Any) -> dict[str, Any]:
    """Register an institution (on the books before re-examination unless told otherwise) and return it."""
    body = {**QIMING, "credit_code": credit_code(), **changes}
    created = client.post("/v1/institutions", json=body, headers=CLERK)
    assert created.status_code == 201, created.get_json()
    return created.get_json()


def act(client, institution_id: int, action: str, headers: dict[str, str] | None = None, **data: Any):
    """Post a lifecycle action with its data."""
    return client.post(f"/v1/institutions/{institution_id}/transitions", json={"action": action, "data": data},
                       headers={**CLERK, **(headers or {})})


def ban_on_paper(client, institution_id: int, reason: str, occurred_on: str | None = None,
                 document_number: str = "城教罚决字〔2021〕3号", headers: dict[str, str] | None = None):
    """An admin records a ban decided before the platform: the one ban that comes from no inspection case."""
    body = {"document_number": document_number, "reason": reason,
            "occurred_on": occurred_on or SYSTEM_CLOCK.today().isoformat()}
    return client.post(f"/v1/institutions/{institution_id}/pre-platform-ban", json=body,
                       headers={**bearer("admin", sub="admin-zhao"), **(headers or {})})


def licensed(client, **changes: Any) -> dict[str, Any]:
    """An institution registered (as stock unless told otherwise), reviewed and licensed in 2021."""
    institution = register(client, **changes)
    if institution["state"] == "stock":
        assert act(client, institution["id"], "start_review", occurred_on="2021-09-01").status_code == 200
    done = act(client, institution["id"], "license", occurred_on="2021-09-20", licence=licence())
    assert done.status_code == 200, done.get_json()
    return done.get_json()


def published(database: Database, event_type: str | None = None) -> list[dict[str, Any]]:
    """The events written to the outbox, oldest first, each checked against its contract."""
    with database.engine.connect() as conn:
        rows = conn.execute(sa.select(outbox_table.c.payload).order_by(outbox_table.c.id)).scalars().all()
    events = [json.loads(payload) for payload in rows]
    for event in events:
        contract_for(event["type"]).validate(event["data"])
    return [event for event in events if event_type in (None, event["type"])]


def test_the_sample_institution_registers_and_is_announced(client, database):
    institution = register(client)
    assert institution["state"] == "stock" and institution["version"] == 1
    [event] = published(database, "registry.institution.registered")
    assert event["subject"] == str(institution["id"]) and event["data"]["state"] == "stock"
