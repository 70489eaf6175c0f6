"""Charts as PNG for readers of reports, and the public dashboard's figures and charts."""

from __future__ import annotations

import re

import pytest
import reporting_support as support
from reporting_support import LEADER, changed, event, fed, registered

pytestmark = pytest.mark.integration
database, client = support.database, support.client
PNG = b"\x89PNG\r\n\x1a\n"
CHARTS = ("institutions-by-state", "inspections-per-week", "complaints-by-category", "on-time-rate")


@pytest.fixture
def events(database):
    fed(database, registered("a"), registered("b"),
        changed("a", "review_started", occurred_on="2021-09-01", sequence=2, from_state="stock"),
        changed("a", "licensed", occurred_on="2021-10-08", sequence=3, from_state="under_review"),
        event("inspection.task.completed", 1, task_id="t1", inspected_on="2021-09-30"),
        event("complaints.clue.received", 1, clue_id="c1"),
        event("complaints.clue.answered", 2, clue_id="c1"))


@pytest.mark.parametrize("name", CHARTS)
def test_each_chart_is_a_png_for_readers_of_reports_in_their_scope(client, events, name):
    answer = client.get(f"/v1/charts/{name}.png?town=博望街道", headers=LEADER)
    assert answer.status_code == 200 and answer.content_type == "image/png"
    assert answer.data.startswith(PNG) and len(answer.data) > 5000
    assert client.get(f"/v1/charts/{name}.png").status_code == 401
    public = client.get(f"/dashboard/charts/{name}.png?lang=en")
    assert public.status_code == 200 and public.data.startswith(PNG)


def test_an_unknown_chart_is_not_found(client):
    answer = client.get("/v1/charts/pie.png", headers=LEADER)
    assert answer.status_code == 404 and answer.content_type == support.PROBLEM
    assert client.get("/dashboard/charts/pie.png").status_code == 404


def test_the_dashboard_shows_the_summarys_figures_in_chinese_and_english(client, events):
    figures = client.get("/v1/summary", headers=LEADER).get_json()
    page = client.get("/dashboard")
    assert page.status_code == 200 and page.headers["Content-Language"] == "zh-CN"
    html = page.get_data(as_text=True)
    assert "学科类" in html and f'data-figure="inspections">{figures["inspections"]}<' in html
    assert 'data-figure="reduction_rate">50.0%<' in html
    assert all(f'src="/dashboard/charts/{name}.png"' in html for name in CHARTS)
    english = client.get("/dashboard?lang=en").get_data(as_text=True)
    assert "Discipline institutions before" in english and "/dashboard/charts/on-time-rate.png?lang=en" in english


def test_the_dashboard_names_the_county_office_and_hotline_and_when_its_figures_last_changed(client, events):
    html = client.get("/dashboard").get_data(as_text=True)
    assert "城固县" in html and "主管部门：城固县教育和体育局" in html and 'href="tel:0916-7000000"' in html
    assert 'href="http://127.0.0.1:8003/report"' in html and "网上投诉举报" in html
    assert re.search(r'id="updated-at">数据更新于 \d{4}-\d{2}-\d{2} \d{2}:\d{2}<', html)
