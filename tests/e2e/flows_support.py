"""What the flows across services share: tokens, calls with a journey's correlation id, waiting for the bus."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from typing import Any

import requests

from shared.auth import mint_token
from shared.clock import LOCAL_TZ, ShiftedClock
from shared.config import Settings
from shared.testing.processes import wait_until

FLOWS_SECRET = "e2e-flows-secret-0123456789abcdef0123456789abcdef"  # noqa: S105
SETTINGS = Settings(jwt_secret=FLOWS_SECRET)
# The platform lives on Labour Day 2025 (the official calendar's 1-5 May, reminded on 30 April): every process
# and this test's tokens read one shifted clock, so a holiday campaign's reminder day and duty days are real days.
FLOWS_DAY = dt.datetime(2025, 5, 1, 10, 0, tzinfo=LOCAL_TZ)
CLOCK = ShiftedClock(FLOWS_DAY - dt.datetime.now(dt.UTC))
# Chenggu's towns beside the tests' county file's three, one or two for each flow (codes as in the packaged
# shared/counties/chenggu.yaml)
FLOWS_TOWNS = {"莲花街道": "610722002", "文川镇": "610722102", "柳林镇": "610722103", "老庄镇": "610722104"}
DEADLINE = 90  # seconds: generous, the machine may be loaded
_serial = itertools.count(int(uuid.uuid4().int % 10_000) * 100)


def today() -> dt.date:
    """Today in the county, as the services see it."""
    return CLOCK.today()


def bearer(*roles: str, sub: str | None = None, dept: str | None = "education", town: str | None = None,
           correlation_id: str | None = None) -> dict[str, str]:
    """Headers with a token holding the roles (and the journey's correlation id, when given)."""
    token = mint_token(SETTINGS, sub=sub or "e2e-" + "-".join(roles), dept=dept, roles=roles, town=town,
                       now=CLOCK.now().timestamp())
    headers = {"Authorization": f"Bearer {token}", "Accept-Language": "en"}
    if correlation_id:
        headers["X-Correlation-ID"] = correlation_id
    return headers


def admin() -> dict[str, str]:
    """Headers with an admin's token (who reads `/v1/ops/bus`)."""
    return bearer("admin", dept=None)


def journey(name: str) -> str:
    """A fresh correlation id for one journey."""
    return f"e2e-{name}-{uuid.uuid4().hex[:12]}"


def call(method: str, url: str, expect: int, **kwargs: Any) -> Any:
    """One HTTP call that must answer `expect`; its JSON body (or None)."""
    answer = requests.request(method, url, timeout=30, **kwargs)
    assert answer.status_code == expect, f"{method} {url}: {answer.status_code} {answer.text[:2000]}"
    return answer.json() if answer.content and "json" in answer.headers.get("Content-Type", "") else None


def eventually(probe, what: str, timeout: float = DEADLINE):
    """Poll `probe` until it answers something true, and answer that. A probe whose call is refused (a 404
    until an event arrives, say) is tried again; on timeout the last refusal is shown."""
    found: list[Any] = []
    refused: list[AssertionError] = []

    def check() -> bool:
        try:
            value = probe()
        except AssertionError as exc:
            refused[:] = [exc]
            return False
        if value:
            found.append(value)
        return bool(value)

    try:
        wait_until(check, timeout, what)
    except AssertionError as late:
        raise AssertionError(f"{late}; last refusal: {refused[0] if refused else None}") from None
    return found[-1]


def credit_code() -> str:
    """A fresh, valid unified social credit code of a private non-enterprise unit in Chenggu County."""
    from services.registry.domain.identity import credit_code_check_character

    first17 = f"52610722MJ{next(_serial):07d}"
    return first17 + credit_code_check_character(first17)


def institution(town: str, name: str, **changes: Any) -> dict[str, Any]:
    """A discipline institution on the books before re-examination, in a town of Chenggu County."""
    return {"name": name, "credit_code": credit_code(), "division_code": "610722", "town": town,
            "address": f"{town}文化路{next(_serial) % 100}号", "category": "discipline",
            "subject_group": "mathematics", "audience": ["primary"], "contact_phone": "13912345678",
            "legal_representative": "王启明", "state": "stock", "occurred_on": "2021-08-02", **changes}


LICENCE = {"school_running_licence": {"number": "教民161072270000123号", "issued_on": "2021-09-01",
                                      "valid_until": "2030-08-31"},
           "registration": {"kind": "registration_certificate", "number": "52610722MJY1234567",
                            "issued_on": "2021-09-01", "valid_until": "2030-08-31"}}


def logged_everywhere(platform, correlation_id: str, services=("registry", "inspection", "complaints",
                                                                 "reporting")) -> dict[str, int]:
    """How many log records of each service carry the journey's correlation id."""
    return {svc: len(platform.logged(svc, correlation_id)) for svc in services}

# A filing for primary pupils that breaks no rule (the registry's filing tests check the same sample)
FILING: dict[str, Any] = {
    "courses": [{"subject": "数学", "grade_band": "primary", "materials": ["人教版数学三年级下册"]}],
    "teachers": [{"name": "李老师", "qualification_certificate_no": "20196107221000123",
                  "serving_public_school_teacher": False}],
    "fee_items": [{"name": "小班数学", "price_per_hour_fen": 3000, "grade_band": "primary", "class_size_band": "small",
                   "hours_per_collection": 20, "months_per_collection": 1, "amount_per_collection_fen": 60000}],
    "timetable": [{"weekday": 2, "start": "16:30", "end": "17:30", "mode": "offline", "course": "数学"}],
    "sessions": [{"date": "2025-03-04", "start": "16:30", "end": "17:30", "mode": "offline", "course": "数学"}],
}


def registered(urls, town: str, name: str, *, licensed: bool = False, filed: bool = False,
               correlation_id: str | None = None) -> str:
    """A discipline institution registered by a clerk (stock), reviewed and licensed, and its filing on the
    public board, as asked; its id."""
    clerk = bearer("clerk", correlation_id=correlation_id)
    created = call("POST", urls["registry"] + "/v1/institutions", 201, headers=clerk, json=institution(town, name))
    institution_id = str(created["id"])
    if licensed or filed:
        license(urls, institution_id, filed=filed, correlation_id=correlation_id)
    return institution_id


def license(urls, institution_id: str, *, filed: bool = False, review: bool = True,
            correlation_id: str | None = None) -> None:
    """A clerk reviews (unless it is under review already) and licenses the institution, and publishes its filing
    when asked."""
    clerk = bearer("clerk", correlation_id=correlation_id)
    steps = [("start_review", {"occurred_on": "2021-09-01"})] if review else []
    for action, data in [*steps, ("license", {"occurred_on": "2021-09-20", "licence": LICENCE})]:
        call("POST", urls["registry"] + f"/v1/institutions/{institution_id}/transitions", 200, headers=clerk,
             json={"action": action, "data": data})
    if filed:
        call("POST", urls["registry"] + f"/v1/institutions/{institution_id}/filings", 201, headers=clerk,
             json=FILING)


def inspectors(urls, town: str, count: int = 2) -> list[str]:
    """Inspectors of different departments who work in the town; their ids."""
    made = []
    for k, department in enumerate(["education", "market_regulation", "fire"][:count]):
        made.append(call("POST", urls["inspection"] + "/v1/inspectors", 201, headers=bearer("supervisor"), json={
            "name": f"检查员{town}{k}", "department": department, "certificate_no": f"陕执法{town}{k}",
            "towns": [town]})["id"])
    return made


def routine_campaign(urls, town: str) -> dict:
    """The year-long joint-inspection mechanism in one town, active today."""
    return call("POST", urls["inspection"] + "/v1/campaigns", 201, headers=bearer("supervisor"), json={
        "name": f"{town}联合检查", "kind": "routine", "starts_on": (today() - dt.timedelta(days=60)).isoformat(),
        "ends_on": (today() + dt.timedelta(days=60)).isoformat(), "towns": [town],
        "departments": ["education", "market_regulation", "fire"]})


def drawn_today(urls, campaign_id: str, *, target_count: int, correlation_id: str | None = None) -> dict:
    """A round on today with one team of two, drawn by the supervisor; the draw."""
    supervisor = bearer("supervisor", correlation_id=correlation_id)
    scheduled = call("POST", urls["inspection"] + f"/v1/campaigns/{campaign_id}/rounds", 201, headers=supervisor,
                     json={"days": [today().isoformat()], "teams_per_day": 1, "team_size": 2,
                           "target_count": target_count})
    return call("POST", urls["inspection"] + f"/v1/rounds/{scheduled['id']}/draws", 201, headers=supervisor, json={})


def task_of(urls, *, draw_id: str, institution_id: str) -> dict:
    """The task a draw made for one institution."""
    listed = call("GET", urls["inspection"] + "/v1/tasks", 200, headers=bearer("supervisor"),
                  params={"kind": "drawn", "page_size": 100})["items"]
    [task] = [t for t in listed if t["draw_id"] == draw_id and t["institution_id"] == institution_id]
    return task
