"""What the reporting tests share: reporting's app on a fresh PostgreSQL schema, events made from the contracts
and fed through the bus's real consumer (its parsing, contract checks, inbox and transaction)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from services.reporting.bootstrap import SERVICE
from services.reporting.entrypoints.consumer import HANDLERS
from shared.app import create_app
from shared.auth import mint_token
from shared.bus import Event, new_event
from shared.bus.consumer import Consumer
from shared.bus.transport import Delivery, Settlement
from shared.config import Settings
from shared.db import Database
from shared.events import contract_for
from shared.migrations import upgrade
from shared.testing.apps import refusing_client as refusing_app_client

SETTINGS = Settings(env="test", jwt_secret="reporting-figures-secret-0123456789abcdef", log_level="WARNING")
PROBLEM = "application/problem+json"
COUNTY = "610722"


def bearer(*roles: str, town: str | None = None) -> dict[str, str]:
    """Headers with a token holding the roles."""
    token = mint_token(SETTINGS, sub="leader-wang", dept="education", roles=roles, town=town)
    return {"Authorization": f"Bearer {token}"}


LEADER = bearer("leader")


@pytest.fixture
def database(pg_url):
    """Reporting's database on a fresh schema, migrated."""
    upgrade(SERVICE, pg_url)
    database = Database(pg_url, pool_size=5)
    yield database
    database.dispose()


@pytest.fixture
def client(database):
    """A test client of reporting's app on that database."""
    return create_app(SERVICE, settings=SETTINGS, database=database, testing=True).test_client()


@pytest.fixture(scope="module")
def refusing_client(pg_module_url):
    """Reporting's app for requests that are all refused (`shared.testing.apps.refusing_client`)."""
    with refusing_app_client(SERVICE, pg_module_url, SETTINGS) as client:
        yield client


def event(type: str, sequence: int | None = 1, time: datetime | None = None, **changes: Any) -> Event:
    """An event of a declared type: the contract's own example with the changes, at a sequence."""
    made = new_event(type, data={**contract_for(type).example, **changes},
                     time=time or datetime(2021, 9, 1, 2, tzinfo=UTC))
    made.sequence = sequence
    return made


def feed(database: Database, *events: Event) -> Settlement:
    """Hand the events to reporting's consumer as one batch, as the broker would deliver them."""
    consumer = Consumer("reporting", database.engine, None, HANDLERS)
    deliveries = [Delivery(body=item.to_json().encode(), routing_key=item.type, tag=number,
                           properties={"message_id": item.id, "type": item.type})
                  for number, item in enumerate(events)]
    return consumer.handle(deliveries)


def fed(database: Database, *events: Event) -> None:
    """Feed the events and check every one was handled and acknowledged."""
    settlement = feed(database, *events)
    assert not settlement.deads and not settlement.retries, (settlement.deads, settlement.retries)
    assert len(settlement.acks) == len(events)


def summary(client, query: str = "", headers: dict[str, str] = LEADER) -> dict[str, Any]:
    """GET /v1/summary and its answer."""
    answer = client.get(f"/v1/summary{query}", headers=headers)
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def registered(institution_id: str, *, state: str = "stock", category: str = "discipline", town: str = "博望街道",
               occurred_on: str = "2021-08-02", sequence: int = 1) -> Event:
    """An institution's registration event."""
    return event("registry.institution.registered", sequence, institution_id=institution_id, state=state,
                 category=category, town=town, occurred_on=occurred_on,
                 credit_code="52610722MJ2950121R", name=f"机构{institution_id}")


def changed(institution_id: str, what: str, *, occurred_on: str, sequence: int, town: str = "博望街道",
            **changes: Any) -> Event:
    """A lifecycle event of an institution (its contract's example, for this institution and day)."""
    return event(f"registry.institution.{what}", sequence, institution_id=institution_id, town=town,
                 occurred_on=occurred_on, name=f"机构{institution_id}", **changes)
