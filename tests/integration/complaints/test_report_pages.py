"""The reporter's pages on real PostgreSQL: the form files a request and shows the token; the status page
shows the reply and takes a rating; what a reporter wrote is escaped; errors name the field."""

import datetime as dt

import complaints_support as support
import pytest

from services.complaints.bootstrap import SERVICE
from shared.app import create_app
from shared.clock import FixedClock

pytestmark = pytest.mark.integration

SETTINGS = support.SETTINGS


database = support.database


@pytest.fixture
def clock():
    return FixedClock(dt.datetime(2026, 9, 28, 2, 0, tzinfo=dt.UTC))


@pytest.fixture
def client(database, clock):
    return create_app(SERVICE, settings=SETTINGS, database=database, clock=clock, testing=True).test_client()


desk = support.desk_headers


FORM = {"service_code": "holiday_tutoring", "address_string": "博望街道锦绣花园3号楼",
        "description": "<script>alert(1)</script> 周六补课，老师电话 138-1234-5678", "phone": "13812345678"}


def file(client, **changes):
    return client.post("/report", data={**FORM, **changes})


def token_of(page: str) -> str:
    return page.split('id="token">', 1)[1].split("<", 1)[0]


def test_the_form_is_chinese_and_files_a_request_showing_its_token(client):
    form = client.get("/report")
    assert form.status_code == 200 and form.headers["Content-Language"] == "zh-CN"
    assert "举报" in form.get_data(as_text=True)
    filed = file(client)
    assert filed.status_code == 201
    token = token_of(filed.get_data(as_text=True))
    [found] = client.get(f"/open311/v2/tokens/{token}.json").get_json()
    status = client.get(f"/report/{token}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in status and "<script>" not in status
    assert "138****5678" in status and "138-1234-5678" not in status
    assert found["service_request_id"]


def test_a_bad_form_is_shown_again_naming_the_field(client):
    page = file(client, address_string="", email="not-an-email")
    text = page.get_data(as_text=True)
    assert page.status_code == 422 and "不是有效的电子邮箱地址" in text
    assert "周六补课" in text  # what was typed is kept


def test_the_reporter_reads_the_reply_and_rates_it_once(client, clock):
    token = token_of(file(client).get_data(as_text=True))
    [found] = client.get(f"/open311/v2/tokens/{token}.json").get_json()
    clue_id = found["service_request_id"]
    assert 'id="rating"' not in client.get(f"/report/{token}").get_data(as_text=True)
    client.post(f"/v1/clues/{clue_id}/register", json={"town": "博望街道"}, headers=desk(clock))
    client.post(f"/v1/clues/{clue_id}/answer", json={"note": "已查实并责令停止。", "outcome": "substantiated"},
                headers=desk(clock))
    page = client.get(f"/report/{token}").get_data(as_text=True)
    assert "已查实并责令停止。" in page and 'id="rating"' in page
    rated = client.post(f"/report/{token}/rating", data={"satisfied": "no", "note": "希望加强巡查"})
    assert rated.status_code == 200 and 'id="thanks"' in rated.get_data(as_text=True)
    assert 'id="rating"' not in rated.get_data(as_text=True)
    assert client.post(f"/report/{token}/rating", data={"satisfied": "yes"}).status_code == 409
    shown = client.get(f"/v1/clues/{clue_id}", headers=desk(clock)).get_json()
    assert shown["satisfied"] is False and shown["rating_note"] == "希望加强巡查"


def test_a_forged_token_is_a_404_page(client):
    assert client.get("/report/forged-token").status_code == 404
    assert client.post("/report/forged-token/rating", data={"satisfied": "yes"}).status_code == 404


def test_the_form_names_the_county_its_office_and_hotline(client):
    page = client.get("/report").get_data(as_text=True)
    assert "城固县" in page and "主管部门：城固县教育和体育局" in page
    assert '<a href="tel:0916-7000000" class="hotline">0916-7000000</a>' in page
