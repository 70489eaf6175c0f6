"""Every event reporting receives is archived once, as it came; bad input to the figures is a clear 4xx."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import reporting_support as support
import sqlalchemy as sa
from reporting_support import LEADER, PROBLEM, event, fed, feed, registered

from services.reporting.adapters.orm import event_archive
from shared.bus import Event

pytestmark = pytest.mark.integration
database, client, refusing_client = support.database, support.client, support.refusing_client


def archived(database) -> list[dict]:
    with database.engine.connect() as conn:
        return [dict(row) for row in conn.execute(sa.select(event_archive).order_by(event_archive.c.position))
                .mappings()]


def test_every_event_is_archived_once_with_its_envelope_and_data(database):
    first, second = registered("a"), event("inspection.case.opened", 1, case_id="k1", on="2021-07-20")
    fed(database, first, second)
    fed(database, first)  # redelivered
    rows = archived(database)
    assert [row["event_id"] for row in rows] == [first.id, second.id]
    assert rows[0]["envelope"] == first.to_dict() and rows[0]["envelope"]["data"]["institution_id"] == "a"
    assert rows[0]["type"] == "registry.institution.registered" and rows[0]["sequence"] == 1
    assert all(row["contracted"] for row in rows)


def test_an_event_no_contract_declares_is_archived_as_unknown_and_the_worker_goes_on(database, client):
    unknown = Event(type="registry.institution.renamed", source="/offcampus/registry", subject="a",
                    data={"institution_id": "a", "name": "新名称"}, time=datetime(2021, 9, 1, tzinfo=UTC))
    fed(database, unknown, registered("a"))
    [row, _] = archived(database)
    assert row["type"] == "registry.institution.renamed" and row["contracted"] is False
    assert row["envelope"]["data"] == {"institution_id": "a", "name": "新名称"}
    assert client.get("/v1/summary", headers=LEADER).get_json()["institutions_by_state"] == {"stock": 1}
    counts = client.get("/v1/admin/archive", headers=support.bearer("admin")).get_json()
    assert counts == {"total": 2, "unknown": 1, "unknown_types": ["registry.institution.renamed"],
                      "by_type": {"registry.institution.registered": 1, "registry.institution.renamed": 1}}
    assert client.get("/v1/admin/archive", headers=LEADER).status_code == 403


def test_an_event_with_invalid_data_goes_to_the_dead_letters_and_is_not_archived(database):
    bad = registered("a")
    bad.data = {**bad.data, "category": "tutoring"}
    settlement = feed(database, bad)
    [(_, reason, error)] = settlement.deads
    assert reason == "invalid" and "category" in error
    assert archived(database) == []


@pytest.mark.parametrize("query, field", [
    ("?from=2021-09-02&to=2021-09-01", "from"),
    ("?division_code=61072", "division_code"),
    ("?division_code=999999", "division_code"),
    ("?to=2021-02-30", "to"),
    ("?town=", "town"),
    ("?town=桃源镇", "town"),  # no county in the file has it
    ("?division_code=610722&town=洋州街道", "town"),  # a town of the other county
    ("?from=0001-01-01&to=0001-01-01", "from"),
    ("?from=2021-01-01&to=9999-12-31", "to"),
])
def test_bad_input_to_the_figures_is_a_problem_naming_the_field(refusing_client, query, field):
    for path in ("/v1/summary", "/v1/complaints/stats"):
        answer = refusing_client.get(path + query, headers=LEADER)
        assert answer.status_code == 422 and answer.content_type == PROBLEM, answer.get_data(as_text=True)
        assert field in {error["field"] for error in answer.get_json()["errors"]}, answer.get_json()


def test_the_figures_are_for_readers_of_reports_only(client):
    assert client.get("/v1/summary").status_code == 401
    assert client.get("/v1/summary", headers=support.bearer("inspector")).status_code == 403


def test_problems_read_in_chinese_by_default_and_in_english_when_asked(client):
    def messages(headers):
        answer = client.get("/v1/summary?from=2021-09-02&to=2021-09-01&division_code=610799", headers=headers)
        return {error["field"]: error["messages"] for error in answer.get_json()["errors"]}

    assert messages(LEADER) == {"from": ["起始日期晚于截止日期。"],
                                "division_code": ["县区配置文件中没有行政区划代码为 610799 的县区。"]}
    assert messages({**LEADER, "Accept-Language": "en"})["from"] == ["The first day comes after the last day."]
    missing = client.get("/v1/campaigns/none/report", headers=LEADER).get_json()
    assert missing["detail"] == "没有编号为 none 的检查行动。" and missing["campaign_id"] == "none"
    english = client.get("/v1/campaigns/none/report", headers={**LEADER, "Accept-Language": "en"}).get_json()
    assert english["detail"] == "There is no campaign none."
    assert client.get("/v1/summary?town=%00", headers=LEADER).status_code == 422
