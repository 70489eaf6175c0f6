"""The leaders' dashboard as a signed-in leader sees it: figures filtered by town and period, a CSV holding
exactly the tables shown, bad filters explained beside their field and kept, a town officer's own town only."""

import csv
import io
import re

import pytest
import reporting_support as support
from reporting_support import fed, registered

from shared.testing.console import sign_in

pytestmark = pytest.mark.integration
database, client = support.database, support.client


def _leader(client, town=None):
    browser = client.application.test_client()
    sign_in(browser, sub="leader-chen", roles=["leader"], dept="education", town=town, service="reporting")
    return browser


def _cells(html: str) -> list[list[str]]:
    rows = re.findall(r"<tr>(.*?)</tr>", html, re.S)
    return [[re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
            for row in rows]


def test_the_dashboard_filters_by_town_and_its_csv_holds_exactly_what_is_shown(client, database):
    fed(database, registered("a1", town="博望街道"), registered("a2", town="博望街道"), registered("b1", town="龙头镇"))
    leader = _leader(client)
    shown = leader.get("/console/dashboard?town=博望街道")
    html = shown.get_data(as_text=True)
    assert shown.status_code == 200
    cells = _cells(html)
    before = next(row for row in cells if "discipline_before" in row)
    assert before[-1] == "2"
    link = re.search(r'href="([^"]+)" id="csv"', html).group(1).replace("&amp;", "&")
    exported = leader.get(link)
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    rows = [row for row in csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))) if row]
    shown_tables = []
    for table in re.findall(r"<table.*?</table>", html, re.S):
        shown_tables += [[re.search(r"<caption>(.*?)</caption>", table).group(1)], *_cells(table)]
    assert rows == shown_tables


def test_bad_filters_are_explained_beside_their_field_and_kept(client):
    leader = _leader(client)
    answer = leader.get("/console/dashboard?from=2024-05-01&to=2024-01-01&town=博望街道")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422 and ('id="e-to"' in html or 'id="e-from"' in html)
    assert 'value="2024-05-01"' in html and 'value="博望街道"' in html


def test_a_town_officer_sees_only_their_town(client, database):
    fed(database, registered("a1", town="博望街道"), registered("b1", town="龙头镇"), registered("b2", town="龙头镇"))
    leader = _leader(client, town="博望街道")
    html = leader.get("/console/dashboard?town=龙头镇").get_data(as_text=True)
    before = next(row for row in _cells(html) if "discipline_before" in row)
    assert before[-1] == "1" and 'id="town-fixed"' in html


def test_the_desk_is_refused_the_dashboard(client):
    desk = client.application.test_client()
    sign_in(desk, sub="desk-li", roles=["desk"], dept="education", service="reporting")
    assert desk.get("/console/dashboard").status_code == 403
