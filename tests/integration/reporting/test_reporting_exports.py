"""Each report as CSV (UTF-8 with a BOM) and XLSX: the same figures as the API, in the reader's language."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
import reporting_support as support
from reporting_support import LEADER, changed, event, fed, registered

pytestmark = pytest.mark.integration
database, client = support.database, support.client
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def events(database):
    fed(database, registered("a"), registered("b"),
        changed("a", "licensed", occurred_on="2021-10-08", sequence=2, from_state="stock"),
        event("inspection.campaign.launched", 1, campaign_id="summer"),
        event("inspection.task.completed", 1, task_id="t1", campaign_id="summer", inspected_on="2021-07-17"),
        event("inspection.case.opened", 1, case_id="k1"), event("inspection.case.sanction_imposed", 2, case_id="k1"),
        event("complaints.clue.received", 1, clue_id="c1"), event("complaints.clue.referred", 2, clue_id="c1"),
        event("complaints.clue.closed", 3, clue_id="c1"))


def _csv_tables(body: bytes) -> dict[str, list[list[str]]]:
    assert body.startswith("\ufeff".encode())
    tables, current = {}, None
    for row in csv.reader(io.StringIO(body.decode("utf-8-sig"))):
        if not row:
            current = None
        elif current is None:
            current = tables.setdefault(row[0], [])
        else:
            current.append(row)
    return tables


def test_the_summary_as_csv_and_xlsx_holds_the_apis_figures_in_chinese(client, events):
    figures = client.get("/v1/summary", headers=LEADER).get_json()
    answer = client.get("/v1/exports/summary.csv", headers=LEADER)
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    assert 'filename="reporting-summary.csv"' in answer.headers["Content-Disposition"]
    tables = _csv_tables(answer.data)
    [heading, *rows] = tables["数据"]
    assert heading == ["指标", "代码", "数值"]
    by_code = {row[1]: row[2] for row in rows}
    assert by_code["discipline_before"] == "2" and by_code["reduction_rate"] == str(figures["reduction_rate"])
    assert by_code["inspections"] == str(figures["inspections"]) == "1"
    assert ["已取证", "licensed", "1"] in tables["各状态机构数"]
    assert ["罚款", "fine", "1"] in tables["处罚种类"]

    workbook = openpyxl.load_workbook(io.BytesIO(client.get("/v1/exports/summary.xlsx", headers=LEADER).data))
    assert workbook.sheetnames[:4] == ["数据", "各状态机构数", "处罚种类", "检查行动"]
    campaign = [[cell.value for cell in row] for row in workbook["检查行动"].iter_rows()]
    assert campaign[1] == ["2021年暑期“监管护苗”专项行动", "专项", 1, 1, 2, 0]


@pytest.mark.parametrize("path, sheet", [
    ("/v1/exports/complaints", "投诉举报"), ("/v1/exports/series", "时间序列"),
    ("/v1/exports/campaigns/summer", "检查行动"),
])
def test_every_report_exports_as_csv_and_xlsx(client, events, path, sheet):
    query = "?interval=month&from=2021-07-01&to=2021-10-31" if "series" in path else ""
    for fmt, mimetype in (("csv", "text/csv"), ("xlsx", XLSX)):
        answer = client.get(f"{path}.{fmt}{query}", headers=LEADER)
        assert answer.status_code == 200 and answer.mimetype == mimetype, answer.get_data(as_text=True)[:300]
    workbook = openpyxl.load_workbook(io.BytesIO(answer.data))
    assert workbook.sheetnames[0] == sheet and workbook[sheet].max_row > 1
    english = client.get(f"{path}.csv{query}", headers={**LEADER, "Accept-Language": "en"})
    assert english.status_code == 200 and (b"Inspections" in english.data or b"Complaints" in english.data)


def test_exports_stay_behind_a_token_and_an_unknown_campaign_is_404(client):
    assert client.get("/v1/exports/summary.csv").status_code == 401
    missing = client.get("/v1/exports/campaigns/none.xlsx", headers=LEADER)
    assert missing.status_code == 404 and missing.content_type == support.PROBLEM


def test_a_control_character_in_the_scope_is_a_problem_naming_the_town_not_a_failure(client):
    for path in ("/v1/exports/summary.xlsx", "/v1/exports/summary.csv"):
        answer = client.get(path + "?town=%E5%9F%8E%05", headers=LEADER)
        assert answer.status_code == 422 and answer.content_type == support.PROBLEM
        assert [error["field"] for error in answer.get_json()["errors"]] == ["town"]
