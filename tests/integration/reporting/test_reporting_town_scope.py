"""A town officer's token sees only its town, on every reading endpoint of reporting: the summary, the complaints
figures, the institutions, the series, each campaign's report, every export, every chart and the leaders' console.

The town's events are fed, everything the town officer and a county leader read is kept; then other towns' events
are fed (institutions, filings, licence reminders, draws, visits, reminders, cases, sanctions, complaints): the
town officer reads exactly what they read before, while the county leader's answer moved on every endpoint (so
each of those events bears on what the endpoint shows, and the comparison could fail).

The rule for a campaign's report (service_layer/campaign_report.py): a campaign neither running in the town nor
with a visit or a reminder there is unknown to the town (404, its name never shown); a draw names no town, so a
town counts a campaign's draws and targets only when the campaign runs in that town alone, else they are null."""

from __future__ import annotations

import csv
import io
import re

import openpyxl
import pytest
import reporting_support as support
from reporting_support import LEADER, bearer, changed, event, fed

from shared.testing.console import sign_in

pytestmark = pytest.mark.integration
database, client = support.database, support.client

TOWN, OTHER, THIRD = "洋州街道", "博望街道", "龙头镇"
TOWN_OFFICER = bearer("leader", town=TOWN)
ALONE, JOINT, ELSEWHERE = "yangzhou", "joint", "summer"  # runs in TOWN only; TOWN and OTHER; OTHER and THIRD


def visit(task_id: str, campaign_id: str, town: str, inspectors: list[str], departments: list[str], *,
          day: str = "2021-07-17", outcome: str = "compliant", round: int | None = 1) -> support.Event:
    return event("inspection.task.completed", 1, task_id=task_id, campaign_id=campaign_id, town=town,
                 inspector_ids=inspectors, departments=departments, inspected_on=day, outcome=outcome, round=round,
                 institution_id=None, findings=[])


def draw(draw_id: str, campaign_id: str, targets: int, round: int = 1) -> support.Event:
    return event("inspection.draw.published", 1, draw_id=draw_id, campaign_id=campaign_id, round=round,
                 target_count=targets, drawn_at="2021-07-10T02:00:00+00:00")


def complaint(clue_id: str, town: str, department: str, *, on_time: bool, category: str) -> list[support.Event]:
    return [event("complaints.clue.received", 1, clue_id=clue_id, town=town, category=category,
                  received_at="2021-07-15T10:24:00+08:00"),
            event("complaints.clue.referred", 2, clue_id=clue_id, town=town, department=department,
                  category=category),
            event("complaints.clue.answered", 3, clue_id=clue_id, on_time=on_time, category=category),
            event("complaints.clue.rated", 4, clue_id=clue_id, satisfied=on_time, category=category)]


def institution(institution_id: str, town: str, sequence: int = 1, **changes) -> support.Event:
    """An institution registered in a town (TOWN is in 洋县, 610723; the others in 城固县, 610722)."""
    return event("registry.institution.registered", sequence, institution_id=institution_id, town=town,
                 division_code="610723" if town == TOWN else "610722", credit_code="52610722MJ2950121R",
                 name=f"机构{institution_id}",
                 **{"state": "stock", "category": "discipline", "occurred_on": "2021-08-02", **changes})


TOWN_EVENTS = (
    institution("a1", TOWN), institution("a2", TOWN),
    changed("a1", "licensed", occurred_on="2021-09-10", sequence=2, town=TOWN, division_code="610723",
            from_state="under_review"),
    event("registry.filing.published", 1, institution_id="a1", filing_id="fa1"),
    event("registry.licence.expiring", 1, institution_id="a1", town=TOWN),
    event("inspection.campaign.launched", 1, campaign_id=ALONE, name="洋县暑期检查", towns=[TOWN], rounds=2,
          departments=["education", "fire", "market_regulation"]),
    event("inspection.campaign.launched", 1, campaign_id=JOINT, name="两镇联合检查", towns=[TOWN, OTHER],
          departments=["education", "fire"]),
    event("inspection.campaign.launched", 1, campaign_id=ELSEWHERE),  # the contract's summer action: OTHER, THIRD
    draw("d1", ALONE, 3), draw("d2", JOINT, 5),
    visit("y1", ALONE, TOWN, ["i1", "i2"], ["education", "fire"], outcome="violation"),
    visit("y2", ALONE, TOWN, ["i1"], ["education"]),
    visit("j1", JOINT, TOWN, ["i3"], ["market_regulation"], day="2021-07-20"),
    event("inspection.campaign.reminder_issued", 1, campaign_id=JOINT, remind_on="2021-07-30", towns=[TOWN, OTHER]),
    event("inspection.case.opened", 1, case_id="k1", town=TOWN, on="2021-07-20"),
    event("inspection.case.sanction_imposed", 2, case_id="k1", kind="fine", amount_fen=100_000,
          decided_on="2021-08-25"),
    *complaint("c1", TOWN, "education", on_time=True, category="hidden_tutoring"),
)

OTHER_TOWNS_EVENTS = (
    institution("b1", OTHER, occurred_on="2021-06-01"), institution("b2", OTHER), institution("b3", THIRD),
    changed("b1", "banned", occurred_on="2021-11-05", sequence=2, from_state="stock"),
    changed("b2", "licensed", occurred_on="2021-09-12", sequence=2, from_state="under_review"),
    event("registry.filing.published", 1, institution_id="b2", filing_id="fb2"),
    event("registry.licence.expiring", 1, institution_id="b2", town=OTHER),
    draw("d3", ELSEWHERE, 8), draw("d4", ELSEWHERE, 6, round=2), draw("d5", JOINT, 4, round=2),
    visit("s1", ELSEWHERE, OTHER, ["i1", "i4"], ["public_security"], day="2021-10-20"),
    visit("j2", JOINT, OTHER, ["i5"], ["fire"], day="2021-07-21", outcome="rectification_ordered"),
    visit("y3", ALONE, THIRD, ["i6"], ["education"], day="2021-07-18", round=None),  # outside its towns
    event("inspection.campaign.reminder_issued", 1, campaign_id=ELSEWHERE, remind_on="2021-07-31", towns=[THIRD]),
    event("inspection.campaign.reminder_issued", 1, campaign_id=JOINT, remind_on="2021-08-31", towns=[OTHER]),
    event("inspection.case.opened", 1, case_id="k2", town=THIRD, on="2021-07-22"),
    event("inspection.case.sanction_imposed", 2, case_id="k2", kind="warning", amount_fen=None,
          decided_on="2021-08-26"),
    event("inspection.case.closed", 3, case_id="k2", on="2021-08-30", punished=True),
    *complaint("c2", THIRD, "fire", on_time=False, category="excessive_fees"),
    *complaint("c3", OTHER, "market_regulation", on_time=True, category="hidden_tutoring"),
)

SERIES = "?interval=month&from=2021-06-01&to=2021-11-30"
JSON_PATHS = ("/v1/summary", "/v1/summary?from=2021-07-01&to=2021-07-31", f"/v1/summary?town={OTHER}",
              "/v1/complaints/stats", "/v1/figures/institutions", f"/v1/figures/institutions?town={OTHER}",
              f"/v1/series{SERIES}", *(f"/v1/campaigns/{c}/report" for c in (ALONE, JOINT, ELSEWHERE)))
EXPORTS = ("/v1/exports/summary", "/v1/exports/complaints", "/v1/exports/series",
           *(f"/v1/exports/campaigns/{c}" for c in (ALONE, JOINT, ELSEWHERE)))
CHARTS = ("institutions-by-state", "inspections-per-week", "complaints-by-category", "on-time-rate")


def _problem(answer) -> tuple:
    body = answer.get_json()
    return answer.status_code, body["code"], body.get("detail")


def _xlsx(data: bytes) -> dict:
    workbook = openpyxl.load_workbook(io.BytesIO(data))  # its bytes carry the time it was written: compare cells
    return {sheet.title: [[cell.value for cell in row] for row in sheet.iter_rows()] for sheet in workbook}


def _tables(html: str) -> list:
    return re.findall(r"<table.*?</table>", html, re.S)


def observed(client, headers: dict, console) -> dict:
    """What each reading endpoint answers this reader, as they would see it."""
    seen = {}
    for path in JSON_PATHS:
        answer = client.get(path, headers=headers)
        seen[path] = answer.get_json() if answer.status_code == 200 else _problem(answer)
    for path in EXPORTS:
        query = SERIES if path.endswith("series") else ""
        for fmt in ("csv", "xlsx"):
            answer = client.get(f"{path}.{fmt}{query}", headers=headers)
            if answer.status_code != 200:
                seen[f"{path}.{fmt}"] = _problem(answer)
            else:
                seen[f"{path}.{fmt}"] = answer.data if fmt == "csv" else _xlsx(answer.data)
    for name in CHARTS:
        answer = client.get(f"/v1/charts/{name}.png", headers=headers)
        assert answer.status_code == 200 and answer.mimetype == "image/png", name
        seen[f"/v1/charts/{name}.png"] = answer.data
    page = console.get("/console/dashboard")
    assert page.status_code == 200
    seen["/console/dashboard"] = _tables(page.get_data(as_text=True))
    seen["/console/dashboard.csv"] = console.get("/console/dashboard.csv").data
    return seen


def _console(client, town: str | None):
    browser = client.application.test_client()
    sign_in(browser, sub="leader-chen", roles=["leader"], dept="education", town=town, service="reporting")
    return browser


def test_other_towns_events_change_nothing_a_town_officer_reads_on_any_endpoint(client, database):
    town_console, county_console = _console(client, TOWN), _console(client, None)
    fed(database, *TOWN_EVENTS)
    town_before = observed(client, TOWN_OFFICER, town_console)
    county_before = observed(client, LEADER, county_console)
    fed(database, *OTHER_TOWNS_EVENTS)
    town_after = observed(client, TOWN_OFFICER, town_console)
    county_after = observed(client, LEADER, county_console)

    assert [path for path in town_before if town_after[path] != town_before[path]] == []
    # every one of those endpoints shows the other towns' events to a county leader
    assert [path for path in county_before if county_after[path] == county_before[path]] == []


def test_a_town_officer_reads_their_towns_figures_and_nothing_of_a_campaign_elsewhere(client, database):
    fed(database, *TOWN_EVENTS, *OTHER_TOWNS_EVENTS)
    summary = support.summary(client, headers=TOWN_OFFICER)
    assert (summary["town"], summary["discipline_before"], summary["discipline_licensed"]) == (TOWN, 2, 1)
    assert (summary["inspections"], summary["inspector_person_times"], summary["cases_opened"]) == (3, 3, 1)
    assert [item["campaign_id"] for item in summary["campaigns"]] == [JOINT, ALONE]

    elsewhere = client.get(f"/v1/campaigns/{ELSEWHERE}/report", headers=TOWN_OFFICER)
    assert elsewhere.status_code == 404 and elsewhere.content_type == support.PROBLEM
    assert elsewhere.get_json()["code"] == "campaign.not_found" and "监管护苗" not in elsewhere.get_data(as_text=True)
    exported = client.get(f"/v1/exports/campaigns/{ELSEWHERE}.csv", headers=TOWN_OFFICER)
    assert exported.status_code == 404 and exported.get_json()["code"] == "campaign.not_found"

    alone = client.get(f"/v1/campaigns/{ALONE}/report", headers=TOWN_OFFICER).get_json()
    assert (alone["name"], alone["draws"], alone["targets_drawn"], alone["inspections"]) == ("洋县暑期检查", 1, 3, 2)
    assert alone["by_town"] == [{"town": TOWN, "inspections": 2, "inspector_person_times": 2}]
    assert alone["by_department"] == [{"department": "education", "inspections": 2},
                                      {"department": "fire", "inspections": 1}]
    joint = client.get(f"/v1/campaigns/{JOINT}/report", headers=TOWN_OFFICER).get_json()
    assert (joint["draws"], joint["targets_drawn"], joint["inspections"], joint["reminders"]) == (None, None, 1, 1)
    assert joint["by_town"] == [{"town": TOWN, "inspections": 1, "inspector_person_times": 1}]
    assert joint["by_department"] == [{"department": "market_regulation", "inspections": 1}]
    rows = list(csv.reader(io.StringIO(client.get(f"/v1/exports/campaigns/{JOINT}.csv",
                                                   headers=TOWN_OFFICER).data.decode("utf-8-sig"))))
    assert ["抽取次数", ""] in rows and ["抽取检查对象数", ""] in rows and ["检查次数", "1"] in rows

    county = client.get(f"/v1/campaigns/{JOINT}/report", headers=LEADER).get_json()
    assert (county["draws"], county["targets_drawn"], county["inspections"]) == (2, 9, 2)
    elsewhere = client.get(f"/v1/campaigns/{ELSEWHERE}/report", headers=LEADER).get_json()
    assert (elsewhere["draws"], elsewhere["targets_drawn"]) == (2, 14)


def test_a_countys_scope_counts_a_campaigns_draws_only_when_all_its_towns_are_in_the_county(client, database):
    fed(database, *TOWN_EVENTS, *OTHER_TOWNS_EVENTS)
    chenggu = client.get(f"/v1/campaigns/{ELSEWHERE}/report?division_code=610722", headers=LEADER).get_json()
    assert (chenggu["draws"], chenggu["targets_drawn"], chenggu["inspections"]) == (2, 14, 1)
    joint = client.get(f"/v1/campaigns/{JOINT}/report?division_code=610722", headers=LEADER).get_json()
    assert (joint["draws"], joint["targets_drawn"], joint["by_town"]) == (
        None, None, [{"town": OTHER, "inspections": 1, "inspector_person_times": 1}])
    yang = client.get(f"/v1/campaigns/{ELSEWHERE}/report?division_code=610723", headers=LEADER)
    assert yang.status_code == 404 and yang.get_json()["code"] == "campaign.not_found"
