"""A campaign's inspections by department (DOMAIN.md: figures by county, town, department, campaign and period), in
its report and its CSV and XLSX exports, from `inspection.task.completed` events made from the contract.

A visit counts once in each department that took part (a joint visit of education and fire counts for both), so
the departments' figures add up to at least the campaign's inspections. Person-times are not broken down by
department: the event lists a visit's inspectors and its departments but not which inspector belongs to which, so
an inspector-day could not be given to one department without guessing."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
import reporting_support as support
from reporting_support import LEADER, event, fed

pytestmark = pytest.mark.integration
database, client = support.database, support.client


def visit(task_id: str, departments: list[str], *, day: str = "2021-07-17", town: str = "博望街道",
          campaign_id: str = "summer") -> support.Event:
    return event("inspection.task.completed", 1, task_id=task_id, campaign_id=campaign_id, departments=departments,
                 inspected_on=day, town=town, inspector_ids=["i1", "i2"])


@pytest.fixture
def visits(database):
    fed(database, event("inspection.campaign.launched", 1, campaign_id="summer"),
        visit("t1", ["education", "fire"]), visit("t2", ["education"]),
        visit("t3", ["market_regulation", "education", "fire"], day="2021-08-02", town="龙头镇"),
        visit("t4", ["public_security"], campaign_id="other"))


def report(client, query: str = "") -> dict:
    answer = client.get(f"/v1/campaigns/summer/report{query}", headers=LEADER)
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def test_each_department_counts_the_visits_it_took_part_in(client, visits):
    figures = report(client)
    assert figures["inspections"] == 3
    assert figures["by_department"] == [{"department": "education", "inspections": 3},
                                        {"department": "fire", "inspections": 2},
                                        {"department": "market_regulation", "inspections": 1}]
    assert report(client, "?to=2021-07-31")["by_department"] == [{"department": "education", "inspections": 2},
                                                                 {"department": "fire", "inspections": 1}]
    assert report(client, "?town=龙头镇")["by_department"] == [
        {"department": "education", "inspections": 1}, {"department": "fire", "inspections": 1},
        {"department": "market_regulation", "inspections": 1}]


def test_a_newer_record_of_a_visit_replaces_its_departments(client, visits, database):
    fed(database, event("inspection.task.completed", 2, task_id="t1", campaign_id="summer", departments=["fire"],
                        inspected_on="2021-07-17", town="博望街道", inspector_ids=["i1"]))
    assert report(client)["by_department"] == [{"department": "education", "inspections": 2},
                                               {"department": "fire", "inspections": 2},
                                               {"department": "market_regulation", "inspections": 1}]


def test_the_campaign_exports_list_its_departments_by_name_and_code(client, visits):
    body = client.get("/v1/exports/campaigns/summer.csv", headers=LEADER).data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    start = rows.index(["按部门"])
    assert rows[start + 1:start + 5] == [["部门", "代码", "检查次数"], ["教育", "education", "3"],
                                         ["消防", "fire", "2"], ["市场监管", "market_regulation", "1"]]
    workbook = openpyxl.load_workbook(io.BytesIO(client.get("/v1/exports/campaigns/summer.xlsx",
                                                            headers={**LEADER, "Accept-Language": "en"}).data))
    sheet = [[cell.value for cell in row] for row in workbook["By department"].iter_rows()]
    assert sheet == [["Department", "Code", "Inspections"], ["Education", "education", 3],
                     ["Fire and rescue", "fire", 2], ["Market regulation", "market_regulation", 1]]
