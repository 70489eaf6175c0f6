"""Open311 GeoReport v2 intake on real PostgreSQL, driven as an Open311 client would, in JSON and XML."""

import datetime as dt
import http.server
import os
import secrets
import threading
from xml.etree import ElementTree as ET

import complaints_support as support
import pytest
import sqlalchemy as sa

from services.complaints.adapters.orm import clues
from services.complaints.adapters.vault import Vault
from services.complaints.bootstrap import SERVICE
from shared.app import create_app
from shared.clock import FixedClock

pytestmark = pytest.mark.integration

SETTINGS = support.SETTINGS
HOTLINE_KEY = "hotline-system-key-0123456789"
PHONE = "13812345678"
V2 = "/open311/v2"


database = support.database


@pytest.fixture
def clock():
    return FixedClock(dt.datetime(2026, 5, 12, 2, 30, tzinfo=dt.UTC))


@pytest.fixture
def client(database, clock, monkeypatch):
    monkeypatch.setenv("OFFCAMPUS_COMPLAINTS_API_KEYS", f"government_hotline={HOTLINE_KEY}")
    return create_app(SERVICE, settings=SETTINGS, database=database, clock=clock, testing=True).test_client()


def file_json(client, **fields):
    body = {"service_code": "hidden_tutoring", "address_string": "城固县博望街道文化路12号3单元",
            "description": "周六上午有人在家里给初中生补数学", **fields}
    return client.post(f"{V2}/requests.json", json=body)


def xml(response):
    assert response.mimetype == "text/xml", response.data
    return ET.fromstring(response.data)  # noqa: S314 - our own service's answer, not untrusted input


def test_a_json_client_files_follows_and_reads_a_request(client, clock):
    response = file_json(client, first_name="王", phone=PHONE, email="wang@example.cn",
                         attribute={"institution_name": "明德教育", "grade": "junior_secondary"})
    assert response.status_code == 201, response.get_json()
    [answer] = response.get_json()
    assert answer["token"] and answer["service_notice"]

    [found] = client.get(f"{V2}/tokens/{answer['token']}.json").get_json()
    request_id = found["service_request_id"]
    [shown] = client.get(f"{V2}/requests/{request_id}.json").get_json()
    assert shown["status"] == "open" and shown["service_code"] == "hidden_tutoring"
    assert shown["service_name"] == "隐形变异培训"
    assert shown["requested_datetime"] == "2026-05-12T10:30:00+08:00"
    assert shown["address"] == "城固县博望街道文化路12号3单元"
    assert shown["status_notes"] and shown["agency_responsible"] is None and shown["expected_datetime"] is None
    assert not {"first_name", "phone", "email", "token"} & set(shown)

    listed = client.get(f"{V2}/requests.json", query_string={"status": "open"}).get_json()
    assert [r["service_request_id"] for r in listed] == [request_id]
    assert client.get(f"{V2}/requests.json", query_string={"status": "closed"}).get_json() == []


def test_an_xml_client_files_by_form_with_an_api_key_and_reads_xml(client, database):
    response = client.post(f"{V2}/requests.xml", data={
        "api_key": HOTLINE_KEY, "service_code": "holiday_tutoring", "lat": "33.1534", "long": "107.3289",
        "description": "暑假期间辅导班", "attribute[institution_name]": "启明培训",
        "attribute[amount_charged_yuan]": "3000"})
    assert response.status_code == 201, response.data
    token = xml(response).find("request/token").text

    request_id = xml(client.get(f"{V2}/tokens/{token}.xml")).find("request/service_request_id").text
    shown = xml(client.get(f"{V2}/requests/{request_id}.xml")).find("request")
    assert shown.find("status").text == "open"
    assert (shown.find("lat").text, shown.find("long").text) == ("33.1534", "107.3289")
    services = xml(client.get(f"{V2}/services.xml")).findall("service")
    assert len(services) == 8 and services[0].find("metadata").text == "true"
    definition = xml(client.get(f"{V2}/services/holiday_tutoring.xml"))
    assert [a.find("code").text for a in definition.findall("attributes/attribute")][:2] == [
        "institution_name", "institution_address"]
    with database.engine.connect() as conn:
        row = conn.execute(sa.select(clues.c.channel, clues.c.attributes)).one()
    assert row.channel == "government_hotline"
    assert row.attributes == {"institution_name": "启明培训", "amount_charged_yuan": 3000}


def test_an_address_naming_a_town_is_placed_and_one_naming_none_is_still_accepted(client, database):
    assert file_json(client).status_code == 201
    assert file_json(client, address_string="汉中市某小区").status_code == 201
    with database.engine.connect() as conn:
        towns = sorted(conn.execute(sa.select(clues.c.town)).scalars(), key=str)
    assert towns == [None, "博望街道"]


def test_reporter_and_full_description_are_sealed_and_public_output_masks_numbers(client, database):
    description = "老师电话 +86 138 1234 5678，另一个 139-8765-4321，身份证 610722199001011234"
    response = file_json(client, phone=PHONE, first_name="王", description=description)
    [answer] = response.get_json()
    [shown] = client.get(f"{V2}/requests.json").get_json()
    assert shown["description"] == "老师电话 138****5678，另一个 139****4321，身份证 610722********4"
    with database.engine.connect() as conn:
        row = conn.execute(sa.select(clues)).mappings().one()
        dumped = " ".join(str(value) for value in row.values())
        dumped += " ".join(str(r) for r in conn.execute(sa.text("SELECT * FROM idempotency_keys")))
    for secret in (PHONE, "138 1234 5678", "8765-4321", "王", answer["token"]):
        assert secret not in dumped
    opened = Vault.configured(SETTINGS).open(row["id"], row["sealed"])  # positive control: the desk can read it
    assert opened["reporter"]["phone"] == PHONE and opened["description"] == description


@pytest.mark.parametrize(("fields", "field"), [
    ({"service_code": "no_such_code"}, "service_code"),
    ({"address_string": None}, "address_string"),
    ({"description": "很" * 4001}, "description"),
    ({"lat": 91, "long": 107}, "lat"),
    ({"lat": "abc", "long": 107}, "lat"),
    ({"lat": 33.1}, "long"),
    ({"email": "not-an-email"}, "email"),
    ({"media_url": "file:///etc/passwd"}, "media_url"),
    ({"attribute": {"grade": "university"}}, "attribute.grade"),
    ({"nickname": "x"}, "nickname"),
])
def test_bad_requests_answer_open311_errors_naming_the_field(client, fields, field):
    body = {"service_code": "hidden_tutoring", "address_string": "博望街道", **fields}
    body = {key: value for key, value in body.items() if value is not None}
    response = client.post(f"{V2}/requests.json", json=body)
    assert response.status_code == 422 and response.mimetype == "application/json"
    assert any(error["description"].startswith(field + ":") for error in response.get_json()), response.get_json()
    assert all(set(error) == {"code", "description"} for error in response.get_json())


def test_a_description_of_4000_characters_is_accepted(client):
    assert file_json(client, description="很" * 4000).status_code == 201


def test_an_unknown_api_key_is_403_in_open311_form(client):
    response = client.post(f"{V2}/requests.xml", data={"api_key": "guessed-key", "service_code": "other",
                                                       "address_string": "博望街道"})
    assert response.status_code == 403
    assert xml(response).find("error/code").text == "403"


def test_a_forged_token_and_an_unknown_request_are_404(client):
    [error] = client.get(f"{V2}/tokens/forged-token-123.json").get_json()
    assert error["code"] == 404
    assert xml(client.get(f"{V2}/requests/01HZ3E4F5G6H7J8K9M0N1P2Q3R.xml")).find("error/code").text == "404"
    assert client.get(f"{V2}/services/no_such.json").get_json()[0]["code"] == 404
    assert client.get(f"{V2}/services.yaml").get_json()[0]["code"] == 404


def test_bad_input_to_an_xml_path_is_answered_in_xml(client):
    response = client.post(f"{V2}/requests.xml", data={"service_code": "other", "lat": "north", "long": "107"})
    assert response.status_code == 422
    [error] = xml(response).findall("error")
    assert error.find("code").text == "422" and error.find("description").text.startswith("lat:")


def test_a_null_json_body_is_refused_not_a_500(client):
    response = client.post(f"{V2}/requests.json", data="null", content_type="application/json")
    assert response.status_code == 422 and response.get_json()[0]["code"] == 422


def test_request_list_window_is_at_most_90_days_and_defaults_to_the_last_90(client, clock):
    assert file_json(client).status_code == 201
    too_wide = client.get(f"{V2}/requests.json", query_string={"start_date": "2026-01-01T00:00:00+08:00",
                                                               "end_date": "2026-04-02T00:00:00+08:00"})
    assert too_wide.status_code == 422 and too_wide.get_json()[0]["description"].startswith("end_date:")
    backwards = client.get(f"{V2}/requests.json", query_string={"start_date": "2026-05-01T00:00:00",
                                                                "end_date": "2026-04-01T00:00:00"})
    assert backwards.status_code == 422
    assert len(client.get(f"{V2}/requests.json").get_json()) == 1
    clock.advance(dt.timedelta(days=91))
    assert client.get(f"{V2}/requests.json").get_json() == []
    in_window = client.get(f"{V2}/requests.json", query_string={"start_date": "2026-05-01T00:00:00",
                                                                "service_code": "hidden_tutoring"})
    assert len(in_window.get_json()) == 1
    other = client.get(f"{V2}/requests.json", query_string={"start_date": "2026-05-01T00:00:00",
                                                            "service_code": "other"})
    assert other.get_json() == []


def test_requests_by_id_ignore_the_window(client, clock):
    [answer] = file_json(client).get_json()
    [found] = client.get(f"{V2}/tokens/{answer['token']}.json").get_json()
    clock.advance(dt.timedelta(days=200))
    listed = client.get(f"{V2}/requests.json", query_string={"service_request_id": found["service_request_id"]})
    assert [r["service_request_id"] for r in listed.get_json()] == [found["service_request_id"]]


def test_a_replayed_idempotent_request_files_once_and_keeps_no_token_in_clear(client, database):
    headers = {"Idempotency-Key": "k-1"}
    body = {"service_code": "other", "address_string": "博望街道", "phone": PHONE}
    first = client.post(f"{V2}/requests.json", json=body, headers=headers)
    again = client.post(f"{V2}/requests.json", json=body, headers=headers)
    assert again.get_json() == first.get_json() and again.headers["Idempotent-Replayed"] == "true"
    with database.engine.connect() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(clues)) == 1
        stored = b"".join(r.body for r in conn.execute(sa.text("SELECT body FROM idempotency_keys")))
    assert first.get_json()[0]["token"].encode() not in stored and PHONE.encode() not in stored


def test_a_client_filing_too_fast_is_answered_429_in_open311_form(database, monkeypatch):
    monkeypatch.setenv("OFFCAMPUS_COMPLAINTS_INTAKE_RATE", "3/minute")
    client = create_app(SERVICE, settings=SETTINGS, database=database, testing=True).test_client()
    body = {"service_code": "other", "address_string": "博望街道"}
    assert [client.post(f"{V2}/requests.json", json=body).status_code for _ in range(3)] == [201] * 3
    limited = client.post(f"{V2}/requests.xml", data=body)
    assert limited.status_code == 429 and limited.headers["Retry-After"]
    assert xml(limited).find("error/code").text == "429"
    assert client.get(f"{V2}/services.json").status_code == 200  # reading is not limited
    other = client.post(f"{V2}/requests.json", json=body, environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert other.status_code == 201  # the limit is per client


@pytest.fixture
def redis_url():
    """Redis as production keeps the intake limit in (OFFCAMPUS_TEST_REDIS_URL, else the local server)."""
    import redis

    url = os.environ.get("OFFCAMPUS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        if os.environ.get("OFFCAMPUS_REQUIRE_SERVICES") == "1":
            pytest.fail(f"Redis is required and does not answer at {url}: {exc}")
        pytest.skip(f"no Redis at {url}")
    return url


def test_every_web_process_draws_on_one_allowance_kept_in_redis(database, monkeypatch, redis_url):
    monkeypatch.setenv("OFFCAMPUS_COMPLAINTS_INTAKE_RATE", "4/minute")
    monkeypatch.setenv("OFFCAMPUS_COMPLAINTS_RATE_LIMIT_STORAGE", redis_url)
    # two apps are two gunicorn workers: with memory each would let the client file 4 a minute
    workers = [create_app(SERVICE, settings=SETTINGS, database=database, testing=True).test_client()
               for _ in range(2)]
    client_address = {"REMOTE_ADDR": f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.{secrets.randbelow(250)}"}
    body = {"service_code": "other", "address_string": "博望街道"}
    answers = [workers[n % 2].post(f"{V2}/requests.json", json=body, environ_base=client_address).status_code
               for n in range(6)]
    assert answers == [201, 201, 201, 201, 429, 429]


class _Counting(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802 - the standard library's name
        self.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/jpeg")
        self.end_headers()
        self.wfile.write(b"\xff\xd8\xff")

    do_HEAD = do_GET  # noqa: N815

    def log_message(self, *_args):
        pass


def test_media_url_is_kept_as_a_reference_and_never_fetched(client, clock):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Counting)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        photo = f"http://127.0.0.1:{server.server_address[1]}/photos/weekend-class.jpg"
        [filed] = file_json(client, media_url=photo, attribute={"institution_name": "明德教育"}).get_json()
        [found] = client.get(f"{V2}/tokens/{filed['token']}.json").get_json()
        clue_id = found["service_request_id"]
        [public] = client.get(f"{V2}/requests/{clue_id}.json").get_json()
        shown = client.get(f"/v1/clues/{clue_id}", headers=support.desk_headers(clock)).get_json()
        page = client.get(f"/report/{filed['token']}").get_data(as_text=True)
        assert public["media_url"] == photo and shown["media_url"] == photo
        assert shown["attributes"] == {"institution_name": "明德教育"}  # what the desk triages from
        assert "<img" not in page  # the status page does not make the reader's browser fetch it either
    finally:
        server.shutdown()
        server.server_close()
    assert _Counting.hits == []
