"""Each report as CSV (UTF-8 with a BOM) and XLSX: the same figures as the API, in the reader's language."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import openpyxl
import pytest
import reporting_support as support
from complaint_desk import desk_events
from reporting_support import LEADER, changed, event, fed, registered

from services.reporting.domain.texts import (
    CAMPAIGN_FIGURE_LABELS,
    COMPLAINT_FIGURE_LABELS,
    FIGURE_LABELS,
    SERIES_FIGURES,
    STATE_LABELS,
)

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
    assert campaign[1] == ["2021年暑期“监管护苗”专项行动", "summer", "专项", 1, 1, 2, 0]


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


# ---- every figure of the API's answer, in the CSV and the XLSX, with the same value --------------------------

@pytest.fixture
def county(database):
    """Figures all above 0 and mostly different: institutions in three states, two campaigns' visits with three
    outcomes, a case fined and a warning, a ban, and the complaints desk's seven complaints."""
    fed(database, registered("a"), registered("b"), registered("c"), registered("d", town="龙头镇"),
        changed("a", "licensed", occurred_on="2021-07-08", sequence=2, from_state="stock"),
        changed("b", "banned", occurred_on="2021-09-10", sequence=2, from_state="stock"),
        event("inspection.campaign.launched", 1, campaign_id="summer"),
        event("inspection.campaign.launched", 1, campaign_id="routine", name="2021年常态化联合检查", kind="routine",
              starts_on="2021-01-01", ends_on="2021-12-31"),
        *(event("inspection.task.completed", 1, task_id=f"t{n}", campaign_id=campaign, inspected_on=day,
                outcome=outcome, town=town, inspector_ids=inspectors)
          for n, (campaign, day, outcome, town, inspectors) in enumerate([
              ("summer", "2021-07-17", "compliant", "博望街道", ["i1", "i2"]),
              ("summer", "2021-07-17", "violation", "龙头镇", ["i1", "i2"]),
              ("summer", "2021-08-03", "rectification_ordered", "博望街道", ["i1", "i3", "i4"]),
              ("routine", "2021-09-02", "violation", "龙头镇", ["i5"]),
              ("routine", "2021-09-03", "compliant", "博望街道", ["i5"])])),
        event("inspection.case.opened", 1, case_id="k1", on="2021-07-20"),
        event("inspection.case.sanction_imposed", 2, case_id="k1", decided_on="2021-08-25"),
        event("inspection.case.sanction_imposed", 3, case_id="k1", kind="warning", amount_fen=None,
              decided_on="2021-08-26"),
        event("inspection.case.opened", 1, case_id="k2", on="2021-09-03"),
        *desk_events())


LISTS = {"by_category": "category", "departments": "department", "campaigns": "campaign_id", "periods": "from"}
NOT_FIGURES = {"division_code", "town", "from", "to", "interval", "name", "kind", *LISTS.values()}


def api_figures(answer: Any, path: tuple = ()) -> dict[tuple, Any]:
    """Every figure of an API answer by its path: dicts' keys, a list's items by their key (LISTS)."""
    if isinstance(answer, dict):
        return {found: value for key, item in answer.items() if key not in NOT_FIGURES
                for found, value in api_figures(item, (*path, key)).items()}
    if isinstance(answer, list):
        return {found: value for item in answer
                for found, value in api_figures(item, (*path, item[LISTS[path[-1]]])).items()}
    return {path: answer}


def _columns(labels: dict[str, str], *prefix: str) -> dict[str, tuple]:
    return {label: (*prefix, *code.split(".")) for code, label in labels.items()}


# each table of the English exports: where in the API's answer its figures are, and (a table a row per item) the
# path of each column's figure; None: not figures
LAYOUT: dict[str, tuple | None] = {
    "Figures": ((), None), "Complaints": ((), None),
    "Institutions by state": (("institutions_by_state",), None), "Sanctions by kind": (("sanctions_by_kind",), None),
    "Inspections by outcome": (("inspections_by_outcome",), None), "By channel": (("by_channel",), None),
    "Referrals by department": (("by_department",), None),
    "Campaigns": (("campaigns",), _columns(CAMPAIGN_FIGURE_LABELS)),
    "By category": (("by_category",), _columns(COMPLAINT_FIGURE_LABELS)),
    "By department": (("departments",), _columns(COMPLAINT_FIGURE_LABELS)),
    "Series": (("periods",), _columns({name: FIGURE_LABELS[name] for name in SERIES_FIGURES})),
    "States, period by period": (("periods",), _columns(STATE_LABELS, "institutions_by_state")),
    "Scope": None,
}


def export_figures(tables: list[tuple[str, list, list]]) -> dict[tuple, Any]:
    """Every figure of an export's tables (headed in English) by the path of the API's figure it stands for."""
    found = {}
    for title, headings, rows in tables:
        assert title in LAYOUT, f"a table the test does not know: {title}"
        if LAYOUT[title] is None:
            continue
        prefix, columns = LAYOUT[title]
        if columns is None:  # a figure a row: its code (dotted inside a nested object), its value
            assert headings[1:] in (["Code", "Value"], ["Code", "Count"]), headings
            found.update({(*prefix, *row[1].split(".")): row[2] for row in rows})
            continue
        key = headings.index("Code" if "Code" in headings else "From")
        for row in rows:
            item = row[key] if row[key] != "" else None  # a CSV's empty cell: null (complaints never referred)
            found.update({(*prefix, item, *columns[heading]): cell
                          for heading, cell in zip(headings, row, strict=True) if heading in columns})
    return found


def _same(cell: Any, value: Any) -> bool:
    if value is None:
        return cell in ("", None)
    if isinstance(cell, str):  # CSV
        return cell == str(value) if isinstance(value, int) else float(cell) == value
    return type(cell) is type(value) and cell == value or isinstance(value, float) and cell == value


def assert_every_figure_exported(answer: dict, tables: list[tuple[str, list, list]]) -> None:
    """Every figure of the API's answer is in the tables with its value; a figure there and not in the answer is a
    count of 0 (a state no period had, in a table of every period)."""
    expected, exported = api_figures(answer), export_figures(tables)
    assert expected  # the answers compared have figures
    missing = sorted(map(str, set(expected) - set(exported)))
    assert not missing, f"figures missing from the export: {missing}"
    wrong = {path: (exported[path], value) for path, value in expected.items() if not _same(exported[path], value)}
    assert not wrong, f"figures not as the API answers (export, API): {wrong}"
    extra = {path: cell for path, cell in exported.items() if path not in expected and cell not in (0, "0")}
    assert not extra, f"figures the API does not answer: {extra}"


def csv_tables(body: bytes) -> list[tuple[str, list, list]]:
    """The CSV's tables in order: (title, headings, rows)."""
    tables: list[tuple[str, list, list]] = []
    rows: list[list[str]] | None = None
    for row in csv.reader(io.StringIO(body.decode("utf-8-sig"))):
        if not row:
            rows = None
        elif rows is None:
            rows = []
            tables.append((row[0], None, rows))
        elif tables[-1][1] is None:
            tables[-1] = (tables[-1][0], row, rows)
        else:
            rows.append(row)
    return tables


def xlsx_tables(body: bytes) -> list[tuple[str, list, list]]:
    """The workbook's sheets in order, read back with openpyxl: (name, headings, rows)."""
    workbook = openpyxl.load_workbook(io.BytesIO(body))
    found = []
    for sheet in workbook.worksheets:
        headings, *rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
        found.append((sheet.title, headings, rows))
    return found


_CHINESE = re.compile(r"[\u4e00-\u9fff]")


def in_english_terms(chinese: list[tuple[str, list, list]], english: list[tuple[str, list, list]]) -> list:
    """The Chinese export's rows under the English export's titles and headings, after checking the two have the
    same tables of the same shape and every Chinese title and heading is Chinese."""
    assert [(len(headings), len(rows)) for _, headings, rows in chinese] == \
        [(len(headings), len(rows)) for _, headings, rows in english]
    for title, headings, _ in chinese:
        assert all(_CHINESE.search(text) for text in (title, *headings)), (title, headings)
    return [(title, headings, rows) for (_, _, rows), (title, headings, _) in zip(chinese, english, strict=True)]


@pytest.mark.parametrize("api, export", [
    ("/v1/summary", "/v1/exports/summary"),
    ("/v1/summary?division_code=610722&from=2021-07-01&to=2021-08-31", "/v1/exports/summary"),
    ("/v1/summary?town=龙头镇&to=2021-07-31", "/v1/exports/summary"),
    ("/v1/complaints/stats", "/v1/exports/complaints"),
    ("/v1/complaints/stats?town=龙头镇&from=2021-07-01&to=2021-07-31", "/v1/exports/complaints"),
    ("/v1/complaints/stats?division_code=610722&from=2021-07-10&to=2021-07-12", "/v1/exports/complaints"),
    ("/v1/series?interval=month&from=2021-06-01&to=2021-10-31", "/v1/exports/series"),
    ("/v1/series?interval=week&from=2021-07-01&to=2021-07-31&town=龙头镇", "/v1/exports/series"),
])
def test_every_figure_of_the_apis_answer_is_in_the_csv_and_the_xlsx_with_its_value(client, county, api, export):
    path, _, query = api.partition("?")
    answer = client.get(api, headers=LEADER)
    assert answer.status_code == 200, answer.get_json()
    english = {"Accept-Language": "en", **LEADER}
    for fmt, read in (("csv", csv_tables), ("xlsx", xlsx_tables)):
        tables = read(client.get(f"{export}.{fmt}?{query}", headers=english).data)
        assert_every_figure_exported(answer.get_json(), tables)
        chinese = read(client.get(f"{export}.{fmt}?{query}", headers=LEADER).data)  # the default language
        assert_every_figure_exported(answer.get_json(), in_english_terms(chinese, tables))


def test_the_complaints_export_names_categories_departments_and_channels_in_chinese(client, county):
    tables = {title: (headings, rows) for title, headings, rows in csv_tables(
        client.get("/v1/exports/complaints.csv?town=龙头镇&from=2021-07-01&to=2021-07-31", headers=LEADER).data)}
    headings, rows = tables["按部门"]
    assert headings[:4] == ["部门", "代码", "受理投诉举报", "已转办"]
    assert [row[:4] for row in rows] == [["教育", "education", "2", "2"], ["市场监管", "market_regulation", "2", "2"],
                                         ["未转办", "", "1", "0"]]
    assert tables["按渠道"][1] == [["举报电话", "hotline", "4"], ["网上举报", "web_form", "1"]]
    assert tables["投诉举报"][1][-3:] == [["评价件数", "ratings.count", "3"], ["满意件数", "ratings.satisfied", "2"],
                                       ["举报人满意率", "ratings.satisfaction_rate", "0.667"]]
