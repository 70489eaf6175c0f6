"""What inspection's integration tests share: an app on a migrated PostgreSQL schema, a clock, tokens,
registry events delivered to the handlers, inspectors, a campaign and a round; the registry and inspection with
their workers on one broker."""

import datetime as dt
from contextlib import contextmanager
from pathlib import Path

import pytest

from services.inspection.bootstrap import SERVICE
from services.inspection.entrypoints.consumer import HANDLERS
from services.registry.bootstrap import SERVICE as REGISTRY
from shared.app import create_app
from shared.auth import mint_token
from shared.bus import new_event
from shared.bus.transport import transport_from_url
from shared.clock import FixedClock
from shared.config import Settings
from shared.testing.apps import migrated_database
from shared.testing.fixtures import fresh_schema
from shared.worker import Worker

ROOT = Path(__file__).resolve().parents[3]
SETTINGS = Settings(env="test", jwt_secret="inspection-test-secret-0123456789abcdef0123", log_level="WARNING")
TOWNS = ["博望街道", "龙头镇"]
SUMMER = {"name": "2022年暑期“监管护苗”专项行动", "kind": "special", "starts_on": "2022-07-10",
          "ends_on": "2022-08-28", "rounds": 6, "towns": TOWNS, "departments": ["education", "fire"]}
ROUND = {"days": ["2022-07-14", "2022-07-15"], "teams_per_day": 2, "team_size": 2, "target_count": 6,
         "team_departments": {"fire": 1}}
JULY_1 = dt.date(2022, 7, 1)


@pytest.fixture
def database(pg_url):
    with migrated_database(SERVICE, pg_url) as database:
        yield database


@pytest.fixture
def clock():
    CLOCK.set(JULY_1)
    return CLOCK


@pytest.fixture
def client(database, clock):
    return create_app(SERVICE, settings=SETTINGS, database=database, testing=True, clock=clock).test_client()


# the app checks a token's times against its own clock, which the tests move: tokens are minted by it
CLOCK = FixedClock(JULY_1)


def bearer(*roles, dept="education", sub=None, town=None):
    token = mint_token(SETTINGS, sub=sub or "u-" + "-".join(roles), dept=dept, roles=roles, town=town,
                       now=CLOCK.now().timestamp())
    return {"Authorization": f"Bearer {token}", "Accept-Language": "en"}


def supervisor():
    return bearer("supervisor")


def deliver(database, event_type, data, sequence=1):
    event = new_event(event_type, subject=data["institution_id"], data=data)
    event.sequence = sequence
    with database.sessions() as session, session.begin():
        HANDLERS[event_type](event, session)


def register_institutions(database, n=12):
    for k in range(n):
        deliver(database, "registry.institution.registered", {
            "institution_id": f"inst-{k:02d}", "name": f"培训学校{k:02d}", "credit_code": "52610722MJ2950121R",
            "division_code": "610722", "town": TOWNS[k % 2], "address": f"文化路{k}号", "category": "discipline",
            "subject_group": "mathematics", "state": "stock"})


def add_inspectors(client, departments=("education", "fire") * 4):
    ids = []
    for k, department in enumerate(departments):
        response = client.post("/v1/inspectors", headers=supervisor(), json={
            "name": f"检查员{k}", "department": department, "certificate_no": f"陕执法{k:05d}", "towns": TOWNS})
        assert response.status_code == 201, response.get_json()
        ids.append(response.get_json()["id"])
    return ids


def scheduled_round(client, database, **changes):
    register_institutions(database)
    add_inspectors(client)
    campaign = client.post("/v1/campaigns", json=SUMMER, headers=supervisor()).get_json()
    response = client.post(f"/v1/campaigns/{campaign['id']}/rounds", json={**ROUND, **changes}, headers=supervisor())
    assert response.status_code == 201, response.get_json()
    return campaign, response.get_json()


def drawn(client, round_id, **body):
    response = client.post(f"/v1/rounds/{round_id}/draws", json=body, headers=supervisor())
    assert response.status_code == 201, response.get_json()
    return response.get_json()




@contextmanager
def registry_and_inspection(postgres_server_url, amqp_url, bus_namespace, settings):
    """Both services on their own PostgreSQL schema, each with its own worker (relay and consumer), on one broker:
    their test clients, while the workers run."""
    with fresh_schema(postgres_server_url) as registry_url, fresh_schema(postgres_server_url) as inspection_url, \
            migrated_database(REGISTRY, registry_url) as registry_db, \
            migrated_database(SERVICE, inspection_url) as inspection_db:
        registry = create_app(REGISTRY, settings=settings, database=registry_db, testing=True).test_client()
        inspection = create_app(SERVICE, settings=settings, database=inspection_db, testing=True).test_client()
        transports = [transport_from_url(amqp_url, namespace=bus_namespace, retry_delays=(0.1, 0.3))
                      for _ in range(2)]
        workers = [Worker(REGISTRY, settings, transports[0], registry_db),
                   Worker(SERVICE, settings, transports[1], inspection_db)]
        transports[0].declare("registry", tuple(REGISTRY.handlers))
        transports[1].declare("inspection", tuple(SERVICE.handlers))
        for worker in workers:
            worker.start()
        try:
            yield registry, inspection
        finally:
            for worker in workers:
                worker.stop()
            for transport in transports:
                transport.close()


def real_time_bearer(settings, role, dept="education"):
    """A token signed with `settings`' secret at the real time, for `registry_and_inspection`'s apps (on the real
    clock, unlike `bearer`'s)."""
    return {"Authorization": f"Bearer {mint_token(settings, sub=f'{role}-1', dept=dept, roles=[role])}",
            "Accept-Language": "en"}


def named_inspector(client, headers, name, town, conflict_persons=()):
    """An education inspector named `name` serving `town`, with the persons they declared; their id."""
    added = client.post("/v1/inspectors", headers=headers, json={
        "name": name, "department": "education", "certificate_no": f"陕执法{name}", "towns": [town],
        "conflict_persons": list(conflict_persons)})
    assert added.status_code == 201, added.get_json()
    return added.get_json()["id"]


def draw_short_of_one(client, headers, campaign, round_, fourth):
    """A campaign and a one-team round of three for one target, where one of the three inspectors is tied to it: the
    draw is refused ("2 … available, 3 needed"); once `fourth()` adds another inspector it is made and verifies as
    identical. The draw."""
    made = client.post("/v1/campaigns", json=campaign, headers=headers).get_json()
    round_ = client.post(f"/v1/campaigns/{made['id']}/rounds", json=round_, headers=headers)
    assert round_.status_code == 201, round_.get_json()
    draw_url = f"/v1/rounds/{round_.get_json()['id']}/draws"
    short = client.post(draw_url, json={}, headers=headers)
    assert short.status_code == 422, short.get_json()
    assert [v["message"] for v in short.get_json()["violations"]] == [
        "round 1, 2027-01-05, team 1: 2 inspectors free of conflicts with its targets available, 3 needed"]
    fourth()
    drawn = client.post(draw_url, json={}, headers=headers)
    assert drawn.status_code == 201, drawn.get_json()
    verified = client.get(f"/v1/draws/{drawn.get_json()['id']}/verify", headers=headers)
    assert verified.get_json()["identical"] is True
    return drawn.get_json()
