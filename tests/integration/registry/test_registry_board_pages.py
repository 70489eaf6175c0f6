"""The board's pages for parents on real PostgreSQL: Chinese by default, English on request, no JavaScript."""

import re

import pytest
import test_registry_filings_support as support
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_registry_filings_support import ban_on_paper, file, filing, licensed

pytestmark = pytest.mark.integration
database, client = support.database, support.client  # the shared fixtures
HTML = "text/html"


@pytest.fixture
def board(client):
    """Two licensed institutions that filed, and one banned."""
    qiming = licensed(client)
    xinghuo = licensed(client, name="龙头镇星火学科培训学校", town="龙头镇", address="龙头镇正街8号")
    banned = licensed(client, name="城关镇违规补习班")
    online = filing(timetable=[{"weekday": 3, "start": "19:00", "end": "19:30", "mode": "online", "course": "英语"}],
                    courses=[{"subject": "英语", "grade_band": "primary", "materials": ["外研版英语三年级"]}])
    for institution_id, body in ((qiming, None), (xinghuo, online), (banned, None)):
        assert file(client, institution_id, body).status_code == 201
    ban_on_paper(client, banned, reason="暑假违规开展学科类培训", occurred_on="2025-07-20")
    return {"qiming": qiming, "xinghuo": xinghuo, "banned": banned}


def _text(answer) -> str:
    """What the reader sees: the page without its tags."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", answer.get_data(as_text=True)))


def test_the_board_page_is_chinese_by_default_with_names_fees_and_a_search_form(client, board):
    answer = client.get("/board")
    assert answer.status_code == 200 and answer.mimetype == HTML
    assert answer.headers["Content-Language"] == "zh-CN"
    page = answer.get_data(as_text=True)
    assert '<html lang="zh-CN">' in page and 'name="viewport"' in page
    assert '<form class="search" method="get"' in page and "<script" not in page
    seen = _text(answer)
    assert "城关镇启明星学科培训学校" in seen and "龙头镇星火学科培训学校" in seen
    assert "¥30.00" in seen and "校外培训" in seen and "搜索" in seen
    assert "城关镇违规补习班" not in seen


def test_the_search_form_finds_an_institution_by_name_subject_and_town(client, board):
    assert "龙头镇星火学科培训学校" in _text(client.get("/board?q=星火"))
    by_subject = _text(client.get("/board?subject=英语"))
    assert "龙头镇星火学科培训学校" in by_subject and "启明星" not in by_subject
    by_town = _text(client.get("/board?town=城关镇&q="))
    assert "城关镇启明星学科培训学校" in by_town and "星火" not in by_town
    assert "没有" in _text(client.get("/board?q=不存在的机构"))


def test_the_board_reads_in_english_with_accept_language_or_the_lang_link(client, board):
    by_header = client.get("/board", headers={"Accept-Language": "en"})
    assert by_header.headers["Content-Language"] == "en" and "Search" in _text(by_header)
    by_link = client.get("/board?lang=en")
    assert by_link.headers["Content-Language"] == "en" and '<html lang="en">' in by_link.get_data(as_text=True)
    page = by_link.get_data(as_text=True)
    assert 'name="lang" value="en"' in page  # the search keeps the language
    assert f'href="/board/institutions/{board["qiming"]}?lang=en"' in page
    back = client.get("/board?lang=zh", headers={"Accept-Language": "en"})
    assert back.headers["Content-Language"] == "zh-CN"


def test_an_institutions_page_shows_its_fees_in_yuan_teachers_and_timetable(client, board):
    answer = client.get(f"/board/institutions/{board['qiming']}")
    assert answer.status_code == 200
    seen = _text(answer)
    assert "城关镇启明星学科培训学校" in seen
    assert "¥30.00" in seen and "¥600.00" in seen  # per class hour, per collection
    assert "李老师" in seen and "20196107221000123" in seen
    assert "法定代表人" in seen and "王启明" in seen
    assert "星期二" in seen and "16:30–17:30" in seen and "线下" in seen
    assert "教民161072270000123号" in seen and "人教版数学三年级下册" in seen
    online = _text(client.get(f"/board/institutions/{board['xinghuo']}?lang=en"))
    assert "Legal representative" in online
    assert "Wednesday" in online and "19:00–19:30" in online and "online" in online
    assert "20 课时 / 1 个月" in seen and "20 class hours / 1 month " in online  # English plurals: 1 month


def test_a_page_of_an_institution_not_on_the_board_is_a_404_page(client, board):
    for institution_id in (board["banned"], 999_999):
        answer = client.get(f"/board/institutions/{institution_id}")
        assert answer.status_code == 404 and answer.mimetype == HTML


def test_the_banned_page_lists_the_banned_with_reason_and_date(client, board):
    answer = client.get("/board/banned")
    seen = _text(answer)
    assert answer.status_code == 200
    assert "城关镇违规补习班" in seen and "暑假违规开展学科类培训" in seen and "2025-07-20" in seen


def test_the_style_sheet_is_served_locally_without_a_token(client):
    answer = client.get("/board/static/board.css")
    assert answer.status_code == 200 and answer.mimetype == "text/css" and b"@media" in answer.data
    assert client.get("/board/static/../bootstrap.py").status_code == 404


def test_an_unchanged_page_answers_304(client, board):
    etag = client.get("/board").headers["ETag"]
    assert client.get("/board", headers={"If-None-Match": etag}).status_code == 304


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=30), page=st.text(max_size=8), lang=st.sampled_from(["", "en", "zh", "fr"]))
def test_any_query_on_the_pages_is_answered_never_a_server_error(client, text, page, lang):
    args = {"q": text, "subject": text, "town": text, "page": page, "lang": lang}
    assert client.get("/board", query_string=args).status_code == 200
    assert client.get("/board/banned", query_string={"page": page, "lang": lang}).status_code == 200


def test_every_board_page_names_the_county_its_office_hotline_how_to_report_and_when_it_changed(client, board):
    for path in ("/board", "/board/banned", f"/board/institutions/{board['qiming']}"):
        page = client.get(path).get_data(as_text=True)
        seen = _text(client.get(path))
        assert "城固县" in seen and "主管部门：城固县教育和体育局" in seen, path
        assert "投诉举报电话 0916-7000000" in seen and 'href="tel:0916-7000000"' in page, path
        assert 'href="http://127.0.0.1:8003/report"' in page and "网上投诉举报" in seen, path
        assert re.search(r"数据更新于 \d{4}-\d{2}-\d{2} \d{2}:\d{2}", seen), path
    banned = _text(client.get("/board/banned"))
    assert "发现上述机构仍在开展培训的，请拨打投诉举报电话 0916-7000000 / 0916-8000000，或在网上举报" in banned
    english = _text(client.get("/board/banned?lang=en"))
    assert "Still teaching? Report it: call the complaint hotline" in english and "Hosted by" in english
    # 洋县's county file names no office: its host department's office, in the reader's language, not its code
    assert "主管部门：教育局" in banned and "education" not in banned
    assert "Education Bureau" in english


def test_the_teachers_column_reads_full_name(client, board):
    page = client.get(f"/board/institutions/{board['qiming']}").get_data(as_text=True)
    teachers = page[page.index('id="teachers"'):]
    assert "<th>姓名</th>" in teachers and "<th>名称</th>" not in teachers
