"""The desk's console as the signed-in desk sees it: the inbox with waiting times, triage with the suggested
institution and the duplicates, referral, a reply from a template, and bad input kept and explained."""

import datetime as dt
import re

import complaints_support as support
import pytest
from test_clue_handling import MINGDE, XINGGUANG, deliver, new_clue

from services.complaints.bootstrap import SERVICE
from shared.app import create_app
from shared.clock import FixedClock
from shared.testing.console import sign_in

pytestmark = pytest.mark.integration
database = support.database


@pytest.fixture
def clock():
    return FixedClock(dt.datetime(2026, 9, 28, 2, 0, tzinfo=dt.UTC))


@pytest.fixture
def app(database, clock):
    return create_app(SERVICE, settings=support.SETTINGS, database=database, clock=clock, testing=True)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def desk(clock):
    return lambda: support.desk_headers(clock)


@pytest.fixture
def browser(app):
    person = app.test_client()
    sign_in(person, sub="desk-li", roles=["desk"], dept="education", name="李受理", service="complaints")
    return person


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_the_inbox_shows_how_long_each_clue_has_waited(client, desk, browser, clock):
    new_clue(client, desk, received_at="2026-09-26T08:00:00+08:00")
    html = browser.get("/console/clues").get_data(as_text=True)
    assert re.search(r'class="waited">\s*2 天 2 小时', html), html[html.find("<table"):][:800]


def test_triage_suggests_the_institution_and_links_the_duplicates(client, database, desk, browser):
    for sequence, institution in enumerate((MINGDE, XINGGUANG), start=1):
        deliver(database, "registry.institution.registered", institution, institution["institution_id"], sequence)
    earlier = new_clue(client, desk)["id"]
    assert client.post(f"/v1/clues/{earlier}/triage", headers=desk(), json={
        "category": "hidden_tutoring", "institution_id": MINGDE["institution_id"]}).status_code == 200
    clue_id = new_clue(client, desk)["id"]
    page = browser.get(f"/console/clues/{clue_id}?q=名得教育").get_data(as_text=True)
    first = re.search(r'name="institution_id" value="([^"]+)"', page).group(1)
    assert first == MINGDE["institution_id"] and MINGDE["name"] in page
    triaged = browser.post(f"/console/clues/{clue_id}/triage", data={
        "csrf_token": _csrf(page), "institution_id": first, "category": "hidden_tutoring"})
    html = triaged.get_data(as_text=True)
    assert triaged.status_code == 200 and 'id="duplicates"' in html and earlier in html


def test_a_reply_from_a_template_reaches_the_clue(client, desk, browser):
    clue_id = new_clue(client, desk)["id"]
    page = browser.get(f"/console/clues/{clue_id}").get_data(as_text=True)
    sent = browser.post(f"/console/clues/{clue_id}/answer", data={"csrf_token": _csrf(page), "template": "received",
                                                                  "note": ""}, follow_redirects=True)
    assert sent.status_code == 200
    shown = client.get(f"/v1/clues/{clue_id}", headers=desk()).get_json()
    assert shown["status"] == "answered" and "我们已收到" in shown["status_note"]


def test_bad_input_is_shown_beside_its_field_and_kept(client, desk, browser):
    clue_id = new_clue(client, desk)["id"]
    page = browser.get(f"/console/clues/{clue_id}").get_data(as_text=True)
    answer = browser.post(f"/console/clues/{clue_id}/refer", data={
        "csrf_token": _csrf(page), "priority": "whenever", "place": "文化路12号二楼"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422 and 'id="e-priority"' in html
    assert 'value="文化路12号二楼"' in html


def test_a_referral_needs_its_reason_beside_the_field_and_shows_it_in_the_history(client, desk, browser):
    clue_id = new_clue(client, desk)["id"]
    assert client.post(f"/v1/clues/{clue_id}/triage", headers=desk(), json={
        "category": "hidden_tutoring", "institution_id": None}).status_code == 200
    page = browser.get(f"/console/clues/{clue_id}").get_data(as_text=True)
    refused = browser.post(f"/console/clues/{clue_id}/refer", data={
        "csrf_token": _csrf(page), "priority": "urgent", "place": "文化路12号二楼", "reason": " "})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and re.search(r'id="e-reason">缺少必填字段', html)
    assert 'value="文化路12号二楼"' in html
    referred = browser.post(f"/console/clues/{clue_id}/refer", data={
        "csrf_token": _csrf(html), "priority": "urgent", "reason": "家长反映周六上午在二楼上课"}, follow_redirects=True)
    history = referred.get_data(as_text=True).split('id="history"', 1)[1].split("</ol>", 1)[0]
    assert referred.status_code == 200 and "已转交检查" in history
    assert "家长反映周六上午在二楼上课" in history and "desk-li" in history


def test_the_clerk_is_refused_the_desks_pages(app, client, desk):
    clerk = app.test_client()
    sign_in(clerk, sub="clerk-wang", roles=["clerk"], dept="education", service="complaints")
    assert clerk.get("/console/clues").status_code == 403
