"""The demo's way into the platform: each service's public HTTP API at `OFFCAMPUS_<SVC>_URL`, a token per role.

Tokens are minted as `offcampus token` mints them (the configured secret or key, the county file's department
table). A request that meets a dropped connection or a 502/503/504 is sent again with the same
`Idempotency-Key`, so a creating POST retried is still made once. One answered 429 (Open311's intake allows a
client 60 reports a minute) is sent again after the `Retry-After` the service gave.
"""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid
from collections.abc import Callable, Iterator
from email.utils import parsedate_to_datetime
from typing import Any

import requests

from shared.auth import mint_token
from shared.config import SERVICE_PORTS, Settings

RETRIED_STATUSES = (502, 503, 504)
TOO_MANY = 429
LONGEST_RETRY_AFTER = 120.0  # seconds; a longer wait asked for is an error to show, not to sit through
TOKEN_TTL = 3600  # re-minted well before it ends


def retry_after(response: requests.Response) -> float | None:
    """The seconds a 429 asks the client to wait (`Retry-After`: seconds or an HTTP date; 1 s when it gives
    none); None when it asks for longer than LONGEST_RETRY_AFTER."""
    value = (response.headers.get("Retry-After") or "1").strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = (parsedate_to_datetime(value) - dt.datetime.now(dt.UTC)).total_seconds()
        except (TypeError, ValueError):
            seconds = 1.0
    seconds = max(0.0, seconds)
    return seconds if seconds <= LONGEST_RETRY_AFTER else None


class ApiError(RuntimeError):
    """A service refused a request the scenario needed; the message holds its answer."""

    def __init__(self, method: str, url: str, status: int, body: str) -> None:
        super().__init__(f"{method} {url} answered {status}: {body[:2000]}")
        self.status = status
        try:
            self.problem = json.loads(body)
        except ValueError:
            self.problem = {}


class Platform:
    """The four services as a client sees them."""

    def __init__(self, settings: Settings | None = None, timeout: float = 60) -> None:
        self.settings = settings or Settings.from_env()
        self.urls = {name: self.settings.service_url(name).rstrip("/") for name in SERVICE_PORTS}
        self.timeout = timeout
        self.http = requests.Session()
        # runners in parallel threads share the session: enough pooled connections for each service
        adapter = requests.adapters.HTTPAdapter(pool_connections=len(SERVICE_PORTS), pool_maxsize=64)
        self.http.mount("http://", adapter)
        self.http.mount("https://", adapter)
        self._tokens: dict[tuple, tuple[float, str]] = {}
        self.created = 0  # records the services answered 201 Created for: a second run of a scenario makes none

    # -- tokens ------------------------------------------------------------------------------------------
    def token(self, role: str, *, dept: str = "education", sub: str | None = None) -> str:
        """A bearer token for one role (admin and integrator belong to no department)."""
        dept = "" if role in ("admin", "integrator") else dept
        key = (role, dept, sub)
        minted = self._tokens.get(key)
        if minted is None or minted[0] < time.time() + 300:
            ttl = min(TOKEN_TTL, self.settings.jwt_max_ttl_seconds)
            token = mint_token(self.settings, sub=sub or f"demo-{role}", dept=dept, roles=[role], ttl=ttl)
            minted = self._tokens[key] = (time.time() + ttl, token)
        return minted[1]

    # -- requests ----------------------------------------------------------------------------------------
    def call(self, method: str, service: str, path: str, *, role: str | None = None, dept: str = "education",
             sub: str | None = None, json: Any = None, params: dict | None = None,
             ok: tuple[int, ...] = (200, 201, 204)) -> requests.Response:
        """Send one request; an answer outside `ok` raises ApiError with the service's problem+json."""
        url = self.urls[service] + path
        headers = {"Accept-Language": "en"}
        if role:
            headers["Authorization"] = f"Bearer {self.token(role, dept=dept, sub=sub)}"
        if method == "POST":
            headers["Idempotency-Key"] = uuid.uuid4().hex  # the same for each retry of this one request
        for attempt in range(6):
            try:
                response = self.http.request(method, url, json=json, params=params, headers=headers,
                                             timeout=self.timeout)
            except requests.ConnectionError:
                if attempt == 5:
                    raise
                time.sleep(0.5 * 2 ** attempt)
                continue
            if response.status_code in RETRIED_STATUSES and attempt < 5:
                time.sleep(0.5 * 2 ** attempt)
                continue
            wait = retry_after(response) if response.status_code == TOO_MANY and attempt < 5 else None
            if wait is not None:
                time.sleep(wait)
                continue
            if response.status_code not in ok:
                raise ApiError(method, url, response.status_code, response.text)
            self.created += response.status_code == 201
            return response
        raise AssertionError("unreachable")

    def get(self, service: str, path: str, **options) -> Any:
        """GET and answer the JSON."""
        return self.call("GET", service, path, **options).json()

    def post(self, service: str, path: str, body: Any, **options) -> Any:
        """POST JSON and answer the JSON (None for 204)."""
        response = self.call("POST", service, path, json=body, **options)
        return None if response.status_code == 204 else response.json()

    def put(self, service: str, path: str, body: Any, **options) -> Any:
        """PUT JSON and answer the JSON."""
        return self.call("PUT", service, path, json=body, **options).json()

    def pages(self, service: str, path: str, *, params: dict | None = None, **options) -> Iterator[dict]:
        """Every item of a paginated list."""
        page = 1
        while True:
            found = self.get(service, path, params={**(params or {}), "page": page, "page_size": 200}, **options)
            yield from found["items"]
            if page * 200 >= found["total"]:
                return
            page += 1

    # -- readiness and the bus ---------------------------------------------------------------------------
    def answering(self) -> dict[str, bool]:
        """Which services answer `/readyz` with 200 now."""
        found = {}
        for name, url in self.urls.items():
            try:
                found[name] = self.http.get(url + "/readyz", timeout=5).status_code == 200
            except requests.RequestException:
                found[name] = False
        return found

    def wait_ready(self, timeout: float, alive: Callable[[], bool] = lambda: True) -> None:
        """Wait until every service is ready; TimeoutError names those that are not."""
        deadline = time.monotonic() + timeout
        while True:
            state = self.answering()
            if all(state.values()):
                return
            if time.monotonic() > deadline or not alive():
                raise TimeoutError("not ready: " + ", ".join(n for n, up in state.items() if not up))
            time.sleep(0.5)

    def bus_settled(self) -> bool:
        """Whether every service's bus shows nothing pending, queued, unacked or retrying right now."""
        for name in self.urls:
            status = self.get(name, "/v1/ops/bus", role="admin")
            if not status.get("settled") or status.get("outbox_pending") or status.get("queue_depth"):
                return False
        return True

    def wait_settled(self, timeout: float = 600, poll: float = 0.3) -> float:
        """Wait until every service's bus is settled twice in a row; answer the seconds waited."""
        started = time.monotonic()
        in_a_row = 0
        while in_a_row < 2:
            in_a_row = in_a_row + 1 if self.bus_settled() else 0
            if in_a_row < 2:
                if time.monotonic() - started > timeout:
                    raise TimeoutError(f"the bus did not settle within {timeout:.0f} s")
                time.sleep(poll)
        return time.monotonic() - started
