"""Charts as PNG for readers of reports, and the public dashboard's figures and charts."""

from __future__ import annotations

import io
import re
import warnings

import pytest
import reporting_support as support
from matplotlib import image
from reporting_support import LEADER, changed, event, fed, registered

from services.reporting.adapters.charts import NARROW_SIZE, SIZE, cjk_font
from services.reporting.domain.figures import Scope
from services.reporting.entrypoints.charts import chart_figure, chart_png

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


# what each chart says, in each language: title, x axis with its unit, y axis with its unit
TEXTS = {
    "zh": {"institutions-by-state": ("各状态机构数（按月）", "月份（年-月）", "机构数（家）"),
           "inspections-per-week": ("每周检查次数", "周起始日（周一，年-月-日）", "检查次数（次）"),
           "complaints-by-category": ("各类投诉举报受理数", "投诉类别", "投诉举报（件）"),
           "on-time-rate": ("投诉举报按期办结率（按月）", "月份（年-月）", "按期率（%）")},
    "en": {"institutions-by-state": ("Institutions by state, month by month", "Month (year-month)",
                                     "Institutions (count)"),
           "inspections-per-week": ("Inspections per week", "Week beginning (Monday, year-month-day)",
                                    "Inspections (visits)"),
           "complaints-by-category": ("Complaints received by category", "Complaint category", "Complaints (count)"),
           "on-time-rate": ("Complaints handled on time, month by month", "Month (year-month)", "On time (%)")},
}


def test_the_cjk_font_is_installed_and_found():
    # Debian's fonts-noto-cjk (.ci/run and `make test` install it): without it no Chinese label renders
    font = cjk_font()
    assert font is not None, "no Noto Sans CJK font: apt-get install fonts-noto-cjk"
    assert "Noto Sans CJK" in font.get_name()


@pytest.mark.parametrize("language", sorted(TEXTS))
@pytest.mark.parametrize("name", CHARTS)
def test_each_chart_has_its_title_and_axes_with_units_lettered_in_the_cjk_font(client, events, name, language):
    with client.application.test_request_context(f"/?lang={language}"):
        figure = chart_figure(name, Scope())
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # matplotlib warns of each glyph its font lacks
            png = chart_png(name, Scope())
    (axes,) = figure.axes
    assert (axes.get_title(), axes.get_xlabel(), axes.get_ylabel()) == TEXTS[language][name]
    font = cjk_font().get_file()
    texts = [axes.title, axes.xaxis.label, axes.yaxis.label, *axes.get_xticklabels(), *axes.get_yticklabels()]
    assert all(text.get_fontproperties().get_file() == font for text in texts)
    assert png.startswith(PNG)
    pixels = image.imread(io.BytesIO(png), format="png")
    assert pixels.shape[:2] == (SIZE[1], SIZE[0]) and pixels.std() > 0  # decodes, 800 x 450, not blank


@pytest.mark.parametrize("name", CHARTS)
def test_the_dashboard_draws_each_chart_narrow_for_a_phone_with_the_same_texts(client, events, name):
    wide = client.get(f"/dashboard/charts/{name}.png")
    narrow = client.get(f"/dashboard/charts/{name}.png?size=narrow")
    assert narrow.status_code == 200 and narrow.content_type == "image/png"
    assert image.imread(io.BytesIO(wide.data), format="png").shape[:2] == (SIZE[1], SIZE[0])
    assert image.imread(io.BytesIO(narrow.data), format="png").shape[:2] == (NARROW_SIZE[1], NARROW_SIZE[0])
    with client.application.test_request_context("/"):
        figure = chart_figure(name, Scope(), narrow=True)
    (axes,) = figure.axes
    assert (axes.get_title(), axes.get_xlabel(), axes.get_ylabel()) == TEXTS["zh"][name]
    assert client.get(f"/dashboard/charts/{name}.png?size=huge").status_code == 404


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
    [campaign] = figures["campaigns"]  # its launch has not reached reporting: no name yet, and no raw id shown
    assert campaign["name"] is None and "名称尚未公布的检查活动" in html and campaign["campaign_id"] not in html
    assert all(f'src="/dashboard/charts/{name}.png"' in html for name in CHARTS)
    assert all(f'<source media="(max-width: 600px)" srcset="/dashboard/charts/{name}.png?size=narrow"' in html
               for name in CHARTS)
    english = client.get("/dashboard?lang=en").get_data(as_text=True)
    assert "Discipline institutions before" in english and "/dashboard/charts/on-time-rate.png?lang=en" in english


def test_the_dashboard_names_the_county_office_and_hotline_and_when_its_figures_last_changed(client, events):
    html = client.get("/dashboard").get_data(as_text=True)
    assert "城固县" in html and "主管部门：城固县教育和体育局" in html and 'href="tel:0916-7000000"' in html
    assert 'href="http://127.0.0.1:8003/report"' in html and "网上投诉举报" in html
    assert re.search(r'id="updated-at">数据更新于 \d{4}-\d{2}-\d{2} \d{2}:\d{2}<', html)
