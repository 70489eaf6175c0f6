"""Reporters who consented are told of the answer: by email (a local aiosmtpd server) or SMS (a local HTTP
gateway checking the signature); those who did not, or gave no contact, are not; a failed send is retried."""

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import complaints_support as support
import pytest
from aiosmtpd.controller import Controller

from services.complaints.adapters.messengers import Messengers, signature
from services.complaints.adapters.vault import Vault
from services.complaints.bootstrap import SERVICE
from services.complaints.service_layer.notices import send_notices
from shared.app import create_app
from shared.auth import mint_token
from shared.clock import FixedClock
from shared.testing.processes import free_port

pytestmark = pytest.mark.integration

SETTINGS = support.SETTINGS
SMS_SECRET = "sms-gateway-secret-0123456789"  # noqa: S105


database = support.database


@pytest.fixture
def clock():
    return FixedClock(dt.datetime.now(dt.UTC).replace(microsecond=0))


@pytest.fixture
def client(database, clock):
    return create_app(SERVICE, settings=SETTINGS, database=database, clock=clock, testing=True).test_client()


class Inbox:
    """aiosmtpd's handler: keeps what it was sent."""

    def __init__(self):
        self.mails = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.mails.append((envelope.rcpt_tos, envelope.content.decode("utf-8", "replace")))
        return "250 OK"


@pytest.fixture
def smtp():
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield f"smtp://127.0.0.1:{port}", inbox
    controller.stop()


@pytest.fixture
def gateway():
    received = []

    class Gateway(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's hook name
            body = self.rfile.read(int(self.headers["Content-Length"]))
            good = self.headers.get("X-Signature") == signature(SMS_SECRET, body)
            received.append((good, json.loads(body)))
            self.send_response(202 if good else 401)
            self.end_headers()

        def log_message(self, *args):  # the test's output stays quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/sms", received
    server.shutdown()
    server.server_close()


def answered_clue(client, clock, **reporter):
    desk = {"Authorization": "Bearer " + mint_token(SETTINGS, sub="desk-li", dept="education", roles=["desk"],
                                                    now=clock.now().timestamp())}
    clue_id = client.post("/v1/clues", headers=desk, json={
        "channel": "hotline", "category": "other", "description": "x", "town": "龙头镇",
        "reporter": reporter}).get_json()["id"]
    assert client.post(f"/v1/clues/{clue_id}/answer", headers=desk,
                       json={"note": "已查实，已责令停止。"}).status_code == 200
    return clue_id


def test_consenting_reporters_are_told_by_email_or_sms_and_others_are_not(client, database, clock, smtp, gateway):
    smtp_url, inbox = smtp
    sms_url, texts = gateway
    answered_clue(client, clock, email="parent@example.cn", phone="13812345678", notify=True)
    answered_clue(client, clock, phone="13912345678", notify=True)
    answered_clue(client, clock, email="quiet@example.cn")  # no consent
    messengers = Messengers(smtp_url=smtp_url, sms_url=sms_url, sms_secret=SMS_SECRET)
    vault = Vault.configured(SETTINGS)
    counts = send_notices(database, clock, vault, messengers)
    assert counts == {"email": 1, "sms": 1, "not_wanted": 1}
    [(to, mail)] = inbox.mails
    assert to == ["parent@example.cn"] and "Subject:" in mail
    [(signed, sms)] = texts
    assert signed and sms["phone"] == "13912345678" and "已查实，已责令停止。" in sms["text"]
    assert send_notices(database, clock, vault, messengers) == {}  # each is sent once


def test_a_failed_send_is_retried_and_keeps_no_address(client, database, clock, smtp):
    smtp_url, inbox = smtp
    answered_clue(client, clock, email="parent@example.cn", notify=True)
    vault = Vault.configured(SETTINGS)
    down = Messengers(smtp_url=f"smtp://127.0.0.1:{free_port()}")
    assert send_notices(database, clock, vault, down) == {"error:ConnectionRefusedError": 1}
    with database.engine.connect() as conn:
        assert "parent@example.cn" not in str(conn.exec_driver_sql("SELECT * FROM notifications").all())
    assert send_notices(database, clock, vault, Messengers(smtp_url=smtp_url)) == {"email": 1}
    assert len(inbox.mails) == 1
