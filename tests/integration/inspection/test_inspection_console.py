"""Inspection's console as signed-in people see it: an inspector's tasks of the day and the checklist that
records a visit; a supervisor's campaigns with the committed seed hash, the draw and its verification, and the
cases assigned several at once."""

import datetime as dt
import re

import inspection_support as support
import pytest
from inspection_support import add_inspectors, drawn, scheduled_round, supervisor

from shared.testing.console import sign_in

pytestmark = pytest.mark.integration
database, clock, client = support.database, support.clock, support.client


def _person(client, sub: str, *roles: str, town: str | None = None):
    browser = client.application.test_client()
    sign_in(browser, sub=sub, roles=list(roles), dept="education", town=town, service="inspection")
    return browser


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_an_inspector_sees_their_tasks_of_the_day_and_records_a_visit_by_the_checklist(client, database, clock):
    _, round_ = scheduled_round(client, database)
    team = drawn(client, round_["id"])["result"]["teams"][0]
    clock.set(dt.date.fromisoformat(team["day"]))
    inspector = _person(client, team["inspectors"][0], "inspector")
    listed = inspector.get("/console/tasks").get_data(as_text=True)
    todays = re.findall(r'href="/console/tasks/([^"]+)"', listed[listed.find('id="today"'):])
    assert len(todays) >= len(team["targets"])
    task_id = todays[0]
    page = inspector.get(f"/console/tasks/{task_id}").get_data(as_text=True)
    answers = {f"answer.{code}": "yes" for code in ("licence_displayed", "teachers_qualified", "fire_safety")}
    recorded = inspector.post(f"/console/tasks/{task_id}/result", data={
        "csrf_token": _csrf(page), **answers, "answer.fees_published": "no", "present": team["inspectors"],
        "outcome": "rectification_ordered"}, follow_redirects=True)
    assert recorded.status_code == 200 and 'id="done"' in recorded.get_data(as_text=True)
    shown = client.get(f"/v1/tasks/{task_id}", headers=support.supervisor()).get_json()
    assert (shown["status"], shown["findings"], shown["outcome"]) == ("completed", ["fees_published"],
                                                                      "rectification_ordered")


def test_the_person_signed_in_with_an_inspectors_account_works_that_inspectors_tasks_and_no_others(client, database,
                                                                                                 clock):
    _, round_ = scheduled_round(client, database)
    mine, other = drawn(client, round_["id"])["result"]["teams"][:2]
    changed = client.patch(f"/v1/inspectors/{mine['inspectors'][0]}", json={"account": "zhang"}, headers=supervisor())
    assert changed.status_code == 200, changed.get_json()
    clock.set(dt.date.fromisoformat(mine["day"]))
    inspector = _person(client, "zhang", "inspector")
    listed = inspector.get("/console/tasks").get_data(as_text=True)
    todays = re.findall(r'href="/console/tasks/([^"]+)"', listed[listed.find('id="today"'):])
    assert len(todays) == len(mine["targets"])
    names = {i["id"]: i["name"] for i in client.get("/v1/inspectors", headers=supervisor()).get_json()["items"]}
    page = inspector.get(f"/console/tasks/{todays[0]}").get_data(as_text=True)
    assert 'id="form-result"' in page and "、".join(names[who] for who in mine["inspectors"]) in page
    theirs = next(t for t in client.get("/v1/tasks?page_size=100", headers=supervisor()).get_json()["items"]
                  if set(t["team"]) == set(other["inspectors"]))
    assert 'id="form-result"' not in inspector.get(f"/console/tasks/{theirs['id']}").get_data(as_text=True)
    forged = inspector.post(f"/console/tasks/{theirs['id']}/result", data={
        "csrf_token": _csrf(page), "present": other["inspectors"], "outcome": "compliant"})
    assert forged.status_code == 422 and 'id="problem"' in forged.get_data(as_text=True)  # said on the page
    assert client.get(f"/v1/tasks/{theirs['id']}", headers=supervisor()).get_json()["status"] == "open"
    recorded = inspector.post(f"/console/tasks/{todays[0]}/result", data={
        "csrf_token": _csrf(page), "present": mine["inspectors"], "outcome": "compliant"}, follow_redirects=True)
    assert recorded.status_code == 200 and 'id="done"' in recorded.get_data(as_text=True)
    listed = inspector.get("/console/tasks").get_data(as_text=True)
    assert re.findall(r'href="/console/tasks/([^"]+)"', listed[listed.find('id="recorded"'):]) == [todays[0]]
    assert todays[0] not in listed[listed.find('id="today"'):listed.find('id="recorded"')]


def test_a_campaigns_own_checklist_is_the_one_a_visit_answers(client, database, clock):
    support.register_institutions(database)
    add_inspectors(client)
    campaign = client.post("/v1/campaigns", headers=supervisor(),
                           json={**support.SUMMER, "checklist": ["licence_displayed", "fees_published"]}).get_json()
    round_ = client.post(f"/v1/campaigns/{campaign['id']}/rounds", json=support.ROUND, headers=supervisor())
    team = drawn(client, round_.get_json()["id"])["result"]["teams"][0]
    clock.set(dt.date.fromisoformat(team["day"]))
    inspector = _person(client, team["inspectors"][0], "inspector")
    task_id = client.get("/v1/tasks", headers=support.bearer("inspector", sub=team["inspectors"][0])
                         ).get_json()["items"][0]["id"]
    page = inspector.get(f"/console/tasks/{task_id}").get_data(as_text=True)
    assert set(re.findall(r'name="answer\.([a-z_]+)"', page)) == {"licence_displayed", "fees_published"}
    recorded = inspector.post(f"/console/tasks/{task_id}/result", data={
        "csrf_token": _csrf(page), "answer.licence_displayed": "yes", "answer.fees_published": "no",
        "answer.fire_safety": "no", "present": team["inspectors"], "outcome": "rectification_ordered"},
        follow_redirects=True)
    assert recorded.status_code == 200 and 'id="done"' in recorded.get_data(as_text=True)
    shown = client.get(f"/v1/tasks/{task_id}", headers=supervisor()).get_json()
    assert (shown["findings"], shown["checklist_answers"]) == (
        ["fees_published"], {"licence_displayed": "yes", "fees_published": "no"})


def test_a_visit_without_an_outcome_is_explained_beside_the_field_and_the_answers_kept(client, database, clock):
    _, round_ = scheduled_round(client, database)
    team = drawn(client, round_["id"])["result"]["teams"][0]
    clock.set(dt.date.fromisoformat(team["day"]))
    inspector = _person(client, team["inspectors"][0], "inspector")
    listed = inspector.get("/console/tasks").get_data(as_text=True)
    task_id = re.findall(r'href="/console/tasks/([^"]+)"', listed)[0]
    page = inspector.get(f"/console/tasks/{task_id}").get_data(as_text=True)
    answer = inspector.post(f"/console/tasks/{task_id}/result", data={
        "csrf_token": _csrf(page), "answer.fire_safety": "no", "present": team["inspectors"], "outcome": ""})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422 and 'id="e-outcome"' in html
    assert re.search(r'name="answer.fire_safety" value="no" checked', html)


def test_a_supervisor_sees_the_committed_seed_hash_draws_and_verifies_the_draw(client, database):
    campaign, round_ = scheduled_round(client, database)
    supervisor = _person(client, "sup-zhao", "supervisor")
    campaigns = supervisor.get("/console/campaigns").get_data(as_text=True)
    assert campaign["name"] in campaigns and round_["seed_sha256"] in campaigns
    page = supervisor.get(f"/console/rounds/{round_['id']}").get_data(as_text=True)
    drew = supervisor.post(f"/console/rounds/{round_['id']}/draw", data={"csrf_token": _csrf(page)},
                           follow_redirects=True)
    html = drew.get_data(as_text=True)
    draw_id = re.search(r'verify=([0-9A-Z]+)', html).group(1)
    verified = supervisor.get(f"/console/rounds/{round_['id']}?verify={draw_id}").get_data(as_text=True)
    assert 'id="verified"' in verified and 'class="notice"' in verified
    redraw = supervisor.post(f"/console/rounds/{round_['id']}/draw", data={"csrf_token": _csrf(verified)})
    assert redraw.status_code == 422 and 'id="e-reason"' in redraw.get_data(as_text=True)


def test_an_inspector_cannot_open_the_supervisors_screens(client):
    inspector = _person(client, "insp-1", "inspector")
    assert inspector.get("/console/campaigns").status_code == 403
    assert inspector.get("/console/cases").status_code == 403


HIDDEN = {"subject_kind": "address", "address": "龙头镇锦绣花园3号楼2单元501室", "town": "龙头镇",
          "opened_on": "2022-07-01"}


def _open_case(client, summary: str) -> str:
    response = client.post("/v1/cases", json={**HIDDEN, "summary": summary}, headers=supervisor())
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def _close(client, case_id: str) -> None:
    closed = client.post(f"/v1/cases/{case_id}/close", json={"decision": "不予处罚"}, headers=supervisor())
    assert closed.status_code == 200, closed.get_json()


def test_a_supervisor_ticks_several_cases_and_assigns_them_to_a_team_in_one_form(client):
    first, second, third = (_open_case(client, f"住宅内一对多培训{n}") for n in range(3))
    alice, bob = add_inspectors(client, ("education", "fire"))
    boss = _person(client, "sup-zhao", "supervisor")
    page = boss.get("/console/cases").get_data(as_text=True)
    assert page.count('name="case_ids"') == 3 and "检查员0" in page and "检查员1" in page
    assigned = boss.post("/console/cases/assign", data={"csrf_token": _csrf(page), "case_ids": [first, third],
                                                        "inspector_ids": [alice, bob]}, follow_redirects=True)
    html = assigned.get_data(as_text=True)
    assert assigned.status_code == 200 and "已分派案件：2 件。" in html

    def assignees(html: str, case_id: str) -> str:
        row = html.split(f'id="case-{case_id}"', 1)[1].split("</tr>", 1)[0]
        return row.split('class="assignees">', 1)[1].split("</td>", 1)[0]

    assert assignees(html, first) == assignees(html, third) == "检查员0、检查员1" and assignees(html, second) == "—"
    replaced = boss.post("/console/cases/assign", data={"csrf_token": _csrf(html), "case_ids": [third],
                                                        "inspector_ids": [bob], "replace": "1"}, follow_redirects=True)
    assert assignees(replaced.get_data(as_text=True), third) == "检查员1"


@pytest.mark.parametrize("lang, nothing, closed", [("zh-CN", "请至少勾选一件案件", "已结案件不再指派"),
                                                   ("en", "Tick at least one case", "a closed case is not assigned")])
def test_a_refused_assignment_says_why_beside_each_row_and_keeps_what_was_ticked(client, lang, nothing, closed):
    kept, stale = _open_case(client, "住宅内一对多培训"), _open_case(client, "酒店内学科类培训")
    [alice] = add_inspectors(client, ("education",))
    boss = _person(client, "sup-zhao", "supervisor")
    headers = {"Accept-Language": lang}
    page = boss.get("/console/cases", headers=headers).get_data(as_text=True)
    empty = boss.post("/console/cases/assign", data={"csrf_token": _csrf(page), "inspector_ids": [alice]},
                      headers=headers)
    html = empty.get_data(as_text=True)
    assert empty.status_code == 422 and nothing in html.split('id="e-case_ids">', 1)[1].split("</p>", 1)[0]
    assert re.search(rf'value="{alice}" id="[^"]+" checked', html)  # what was ticked stays ticked
    # the page is stale: one of the ticked cases was closed meanwhile
    _close(client, stale)
    refused = boss.post("/console/cases/assign?all=1", data={"csrf_token": _csrf(html), "case_ids": [kept, stale],
                                                             "inspector_ids": [alice]}, headers=headers)
    html = refused.get_data(as_text=True)
    row = html.split(f'id="case-{stale}"', 1)[1].split("</tr>", 1)[0]
    assert refused.status_code == 422 and 'class="field-error"' in row and closed in row
    assert re.search(rf'value="{kept}" id="[^"]+" checked', html)
    assert client.get(f"/v1/cases/{kept}", headers=supervisor()).get_json()["assignees"] == []  # all or nothing


def test_a_case_closed_meanwhile_off_the_open_list_is_still_named(client):
    stale = _open_case(client, "酒店内学科类培训")
    [alice] = add_inspectors(client, ("education",))
    boss = _person(client, "sup-zhao", "supervisor")
    page = boss.get("/console/cases").get_data(as_text=True)
    _close(client, stale)
    refused = boss.post("/console/cases/assign", data={"csrf_token": _csrf(page), "case_ids": [stale],
                                                       "inspector_ids": [alice]})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and stale in html.split('id="elsewhere"', 1)[1].split("</ul>", 1)[0]
