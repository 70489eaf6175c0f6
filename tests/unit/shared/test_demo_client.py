"""The demo's client against a stand-in service on loopback: a 429 is sent again after its Retry-After."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from shared.config import Settings
from shared.demo.client import ApiError, Platform

SECRET = "unit-demo-client-secret-0123456789abcdef0123456789"  # noqa: S105


class LimitedIntake(BaseHTTPRequestHandler):
    """Answers the first `refusals` POSTs 429 with `retry_after`, then 201; keeps what it was sent."""

    refusals, retry_after, seen = 1, "1", []

    def do_POST(self) -> None:  # noqa: N802 (the standard library's name)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).seen.append((time.monotonic(), self.headers["Idempotency-Key"], json.loads(body)))
        if len(type(self).seen) <= type(self).refusals:
            self._answer(429, {"title": "Too Many Requests"}, {"Retry-After": type(self).retry_after})
        else:
            self._answer(201, [{"service_request_id": "c1", "token": "t1"}], {})

    def _answer(self, status: int, body, headers: dict[str, str]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        for name, value in {"Content-Type": "application/json", "Content-Length": str(len(data)), **headers}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args) -> None:  # quiet
        pass


@pytest.fixture
def intake() -> Iterator[str]:
    LimitedIntake.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), LimitedIntake)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def client(url: str) -> Platform:
    return Platform(Settings.from_env({"OFFCAMPUS_JWT_SECRET": SECRET, "OFFCAMPUS_COMPLAINTS_URL": url}), timeout=10)


def test_a_429_is_sent_again_after_the_seconds_it_asks_with_the_same_idempotency_key(intake):
    LimitedIntake.refusals, LimitedIntake.retry_after = 1, "1"
    filed = client(intake).post("complaints", "/open311/v2/requests.json", {"description": "周末补课"})
    assert filed == [{"service_request_id": "c1", "token": "t1"}]
    (first, key, body), (second, key_again, body_again) = LimitedIntake.seen
    assert second - first >= 0.95  # waited the second it was told to
    assert key == key_again and body == body_again  # the same request, made once


def test_a_429_asking_for_longer_than_the_client_waits_is_shown_not_sat_through(intake):
    LimitedIntake.refusals, LimitedIntake.retry_after = 1, "3600"
    with pytest.raises(ApiError) as refused:
        client(intake).post("complaints", "/open311/v2/requests.json", {"description": "周末补课"})
    assert refused.value.status == 429 and len(LimitedIntake.seen) == 1
