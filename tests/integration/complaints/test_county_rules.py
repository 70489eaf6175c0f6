"""The desk follows its county's file: another county's deadline, repeat window and routing change what the desk
sees (the values are not the code's)."""

import dataclasses
import datetime as dt
from pathlib import Path

import complaints_support as support
import pytest

from services.complaints.bootstrap import SERVICE
from shared.app import create_app
from shared.clock import FixedClock
from shared.county import configured_county

pytestmark = pytest.mark.integration

database = support.database
CLOCK = FixedClock(dt.datetime(2026, 9, 28, 2, 0, tzinfo=dt.UTC))  # Monday 28 September, 10:00 in the county


@pytest.fixture
def client(database, tmp_path):
    text = Path(configured_county().source).read_text(encoding="utf-8")
    county = tmp_path / "county.yaml"
    county.write_text(text.replace("answer_within_working_days: 15", "answer_within_working_days: 3")
                      .replace("duplicate_window_days: 30", "duplicate_window_days: 5")
                      .replace("      refund_dispute: market_regulation\n", ""), encoding="utf-8")
    settings = dataclasses.replace(support.SETTINGS, county_config=county)
    return create_app(SERVICE, settings=settings, database=database, clock=CLOCK, testing=True).test_client()


def record(client, received_at):
    answer = client.post("/v1/clues", json={"channel": "hotline", "category": "refund_dispute", "town": "博望街道",
                                            "description": "退费纠纷", "received_at": received_at},
                         headers=support.desk_headers(CLOCK))
    assert answer.status_code == 201, answer.get_json()
    shown = client.get(f"/v1/clues/{answer.get_json()['id']}", headers=support.desk_headers(CLOCK))
    assert shown.status_code == 200, shown.get_json()
    return shown.get_json()


def triage(client, clue_id):
    answer = client.post(f"/v1/clues/{clue_id}/triage", json={"category": "refund_dispute",
                                                               "institution_id": "I-mingde"},
                         headers=support.desk_headers(CLOCK))
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def test_deadline_repeats_and_routing_follow_the_county_file(client):
    week_ago = record(client, "2026-09-21T09:00:00+08:00")
    today = record(client, "2026-09-28T09:00:00+08:00")
    # three working days (the file's), not fifteen: 29 and 30 September, then the National Day holiday week,
    # then 8 October (the official calendar)
    assert today["due_on"] == "2026-10-08"
    assert week_ago["due_on"] == "2026-09-24"

    triage(client, week_ago["id"])
    triaged = triage(client, today["id"])
    assert triaged["duplicates"] == [] and triaged["duplicate_of"] is None  # 7 days apart, the window is 5
    assert triaged["department"] == "education"  # the file routes refunds to no one else: the default
