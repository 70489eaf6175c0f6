"""Inspection's console as signed-in people see it: an inspector's tasks of the day and the checklist that
records a visit; a supervisor's campaigns with the committed seed hash, the draw and its verification."""

import datetime as dt
import re

import inspection_support as support
import pytest
from inspection_support import drawn, scheduled_round

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
