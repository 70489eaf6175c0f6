"""The names the desk's suggestions are drawn from: each web process holds them indexed, follows every change
the replica takes after it read them, and names held before the matching keys existed are keyed by 0007."""

import datetime as dt

import complaints_support as support
import pytest
import sqlalchemy as sa

from services.complaints.bootstrap import SERVICE
from services.complaints.entrypoints.consumer import HANDLERS
from shared.app import create_app
from shared.bus import new_event
from shared.clock import FixedClock
from shared.db import Database
from shared.migrations import upgrade

pytestmark = pytest.mark.integration

MINGDE = {"institution_id": "01HW8ZQ3V4N6P2K7T9R5M1X0AD", "name": "城固县明德教育培训学校",
          "credit_code": "52610722MJ2950123X", "division_code": "610722", "town": "博望街道",
          "address": "城固县博望街道文化路12号", "category": "discipline", "subject_group": "mathematics",
          "state": "stock"}
XINGGUANG = {**MINGDE, "institution_id": "01HW8ZQ3V4N6P2K7T9R5M1X0AE", "name": "龙头镇星光艺术培训中心",
             "credit_code": "52610722MJ2950124Y", "town": "龙头镇", "address": "龙头镇滨江路3号"}
CLOCK = FixedClock(dt.datetime(2026, 9, 28, 2, 0, tzinfo=dt.UTC))


def deliver(database, event_type, data, sequence):
    event = new_event(event_type, subject=data["institution_id"], data=data, correlation_id="corr-names")
    event.sequence = sequence
    with database.sessions() as session, session.begin():
        HANDLERS[event_type](event, session)


def first_suggested(client, clue_id, written):
    found = client.get(f"/v1/clues/{clue_id}/suggestions", query_string={"q": written},
                       headers=support.desk_headers(CLOCK))
    assert found.status_code == 200, found.get_json()
    return [(s["institution_id"], s["name"]) for s in found.get_json()][:1]


def a_clue(client):
    filed = client.post("/v1/clues", json={"channel": "hotline", "category": "hidden_tutoring", "town": "博望街道",
                                           "description": "周末补课"}, headers=support.desk_headers(CLOCK))
    assert filed.status_code == 201, filed.get_json()
    return filed.get_json()["id"]


def test_suggestions_follow_names_registered_and_renamed_after_the_process_indexed_them(pg_url):
    with support.migrated_database(SERVICE, pg_url) as database:
        deliver(database, "registry.institution.registered", MINGDE, 1)
        client = create_app(SERVICE, settings=support.SETTINGS, database=database, clock=CLOCK,
                            testing=True).test_client()
        clue_id = a_clue(client)
        assert first_suggested(client, clue_id, "明德") == [(MINGDE["institution_id"], MINGDE["name"])]
        assert first_suggested(client, clue_id, "星光艺术") == []  # not registered yet

        # the process already holds its index; what the replica takes now must still reach it
        deliver(database, "registry.institution.registered", XINGGUANG, 1)
        renamed = {key: MINGDE[key] for key in ("institution_id", "division_code", "town")}
        deliver(database, "registry.institution.converted",
                {**renamed, "name": "城固县启航科技培训中心", "category": "non_discipline", "occurred_on": "2026-09-20",
                 "reason": None, "from_state": "licensed", "to_state": "converted"}, 5)
        assert first_suggested(client, clue_id, "星光艺术") == [(XINGGUANG["institution_id"], XINGGUANG["name"])]
        assert first_suggested(client, clue_id, "启航") == [(MINGDE["institution_id"], "城固县启航科技培训中心")]

        # older news fills nothing the row has and takes no revision: the index stays as it is
        with database.engine.connect() as conn:
            before = conn.execute(sa.text("SELECT revision FROM replica_revisions")).scalar_one()
        deliver(database, "registry.institution.registered", MINGDE, 1)
        with database.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT revision FROM replica_revisions")).scalar_one() == before
        assert first_suggested(client, clue_id, "启航") == [(MINGDE["institution_id"], "城固县启航科技培训中心")]


def _sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path / 'complaints.db'}"


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_names_held_before_the_matching_keys_existed_are_keyed_and_suggested(backend, tmp_path, request):
    url = _sqlite_url(tmp_path) if backend == "sqlite" else request.getfixturevalue("pg_url")
    upgrade(SERVICE, url, "0004")  # before 0005 the replica kept names without matching keys
    database = Database(url)
    try:
        with database.engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO institution_names (institution_id, name, name_key, town, category, state, sequence, "
                "updated_at) VALUES (:id, :name, :key, '博望街道', 'discipline', 'licensed', 3, :at)"),
                {"id": MINGDE["institution_id"], "name": MINGDE["name"], "key": "城固县明德教育培训学校",
                 "at": dt.datetime(2026, 1, 5, tzinfo=dt.UTC)})
        upgrade(SERVICE, url)
        with database.engine.connect() as conn:
            keys = conn.execute(sa.text("SELECT name_core, name_pinyin FROM institution_names")).one()
        assert tuple(keys) == ("明德", "mingde")

        client = create_app(SERVICE, settings=support.SETTINGS, database=database, clock=CLOCK,
                            testing=True).test_client()
        clue_id = a_clue(client)
        for written in ("明德", "名得"):  # by name, and by pinyin (a homophone)
            assert first_suggested(client, clue_id, written) == [(MINGDE["institution_id"], MINGDE["name"])]
    finally:
        database.dispose()
