"""The worker's scheduled checks on real PostgreSQL: overdue rectifications, licences about to expire."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest
import test_registry_institutions_support as support
from test_registry_institutions_support import (
    CLERK,
    SETTINGS,
    act,
    ban_on_paper,
    licence,
    licensed,
    published,
    register,
)

from services.registry.bootstrap import SERVICE
from services.registry.service_layer.checks import flag_overdue_rectifications, remind_expiring_licences
from shared.app import create_app
from shared.bus.transport import transport_from_url
from shared.clock import FixedClock
from shared.testing.bus import wait_until
from shared.tokens import mint_token
from shared.worker import Worker

pytestmark = pytest.mark.integration
database, app, client = support.database, support.app, support.client  # the shared fixtures
D = dt.date


def on(*ymd: int) -> FixedClock:
    """A clock standing at noon of that day in the county."""
    return FixedClock(D(*ymd))


def rectifying(client, deadline="2021-10-15"):
    institution = register(client, state="under_review", occurred_on="2021-09-01")
    ordered = act(client, institution["id"], "order_rectification", occurred_on="2021-09-10", deadline=deadline,
                  reason="消防通道堵塞")
    assert ordered.status_code == 200
    return institution


def test_a_rectification_past_its_deadline_is_announced_once(client, database):
    institution = rectifying(client)
    assert flag_overdue_rectifications(database, clock=on(2021, 10, 15)) == 0  # the deadline day itself is in time
    assert flag_overdue_rectifications(database, clock=on(2021, 10, 16)) == 1
    assert flag_overdue_rectifications(database, clock=on(2021, 10, 17)) == 0
    [event] = published(database, "registry.institution.rectification_overdue")
    assert event["subject"] == str(institution["id"])
    assert (event["data"]["deadline"], event["data"]["occurred_on"]) == ("2021-10-15", "2021-10-16")
    assert (event["data"]["from_state"], event["data"]["to_state"]) == ("rectification", "rectification")
    now = client.get(f"/v1/institutions/{institution['id']}", headers=CLERK).get_json()
    assert now["state"] == "rectification" and now["state_since"] == "2021-09-10"
    assert (now["history"][-1]["action"], now["history"][-1]["actor"]) == ("flag_rectification_overdue", "system")
    assert now["history"][-1]["action_label"] == "记录整改逾期"


def test_an_institution_licensed_in_time_is_never_overdue(client, database):
    institution = rectifying(client)
    act(client, institution["id"], "license", occurred_on="2021-10-12", licence=licence())
    assert flag_overdue_rectifications(database, clock=on(2021, 10, 20)) == 0
    assert published(database, "registry.institution.rectification_overdue") == []


def test_the_workers_checks_read_the_day_from_the_clock_they_are_given(client, database):
    rectifying(client, deadline="2021-10-15")
    checks = {check.name: check for check in SERVICE.scheduled}
    assert set(checks) == {"rectification_overdue", "licence_expiry"}
    clock = on(2021, 10, 15)
    checks["rectification_overdue"].run(database, clock)
    checks["licence_expiry"].run(database, clock)
    assert published(database, "registry.institution.rectification_overdue") == []
    clock.set(D(2021, 10, 16))
    checks["rectification_overdue"].run(database, clock)
    [event] = published(database, "registry.institution.rectification_overdue")
    assert event["data"]["occurred_on"] == "2021-10-16"


def test_a_worker_set_to_the_day_after_the_deadline_announces_the_overdue_rectification(client, database):
    rectifying(client, deadline="2021-10-15")
    worker = Worker(SERVICE, SETTINGS, transport_from_url(None, namespace=f"checks-{id(database)}"), database,
                    clock=on(2021, 10, 16))
    worker.start()
    try:
        wait_until(lambda: published(database, "registry.institution.rectification_overdue"), timeout=30,
                   message="the worker's scheduled check to flag the rectification")
    finally:
        worker.stop()
    [event] = published(database, "registry.institution.rectification_overdue")
    assert event["data"]["occurred_on"] == "2021-10-16"  # the worker's day, not the machine's


def test_each_licence_half_is_reminded_once_30_days_before_it_expires(client, database):
    institution = licensed(client)  # school licence until 2026-08-31, registration certificate until 2027-08-31
    assert remind_expiring_licences(database, clock=on(2026, 7, 31)) == 0
    assert remind_expiring_licences(database, clock=on(2026, 8, 1)) == 1
    assert remind_expiring_licences(database, clock=on(2026, 8, 15)) == 0
    [school] = published(database, "registry.licence.expiring")
    assert school["subject"] == str(institution["id"])
    assert {key: school["data"][key] for key in ("kind", "number", "valid_until", "town")} == {
        "kind": "school_running_licence", "number": "教民161072270000123号", "valid_until": "2026-08-31",
        "town": "城关镇"}
    assert remind_expiring_licences(database, clock=on(2027, 8, 1)) == 1
    assert [e["data"]["kind"] for e in published(database, "registry.licence.expiring")] == [
        "school_running_licence", "registration_certificate"]


def test_a_renewed_licence_is_reminded_again_before_its_new_expiry(client, database):
    institution = licensed(client)
    remind_expiring_licences(database, clock=on(2026, 8, 1))
    act(client, institution["id"], "renew_licence", occurred_on="2026-08-10",
        licence=licence(valid_until="2031-08-31", registration_until="2031-08-31"))
    assert remind_expiring_licences(database, clock=on(2026, 8, 20)) == 0
    assert remind_expiring_licences(database, clock=on(2031, 8, 5)) == 1
    assert len(published(database, "registry.licence.expiring")) == 3


def test_a_banned_institutions_licence_is_not_reminded(client, database):
    institution = licensed(client)
    ban_on_paper(client, institution["id"], reason="无证超范围培训", occurred_on="2022-01-10")
    assert remind_expiring_licences(database, clock=on(2026, 8, 20)) == 0


def test_two_workers_running_the_check_at_once_remind_once(client, database):
    for _ in range(3):
        licensed(client)
    with ThreadPoolExecutor(2) as pool:
        counts = list(pool.map(lambda _: remind_expiring_licences(database, clock=on(2026, 8, 1)), range(2)))
    assert sum(counts) == 3
    assert len(published(database, "registry.licence.expiring")) == 3


def test_a_request_reads_today_from_the_apps_clock(database):
    clock = on(2021, 10, 16)
    client = create_app(SERVICE, settings=SETTINGS, database=database, testing=True, clock=clock).test_client()

    def as_(role):  # tokens are checked against the app's clock too: issue them at its time
        token = mint_token(SETTINGS, sub="clerk-li", dept="education", roles=[role], now=clock.now().timestamp())
        return {"Authorization": f"Bearer {token}"}

    body = {**support.QIMING, "credit_code": support.credit_code(), "state": "under_review"}
    del body["occurred_on"]
    institution = client.post("/v1/institutions", json=body, headers=as_("clerk")).get_json()
    assert institution["occurred_on"] == "2021-10-16"  # not given: it happened today, the app's today
    assert institution["history"][-1]["recorded_at"].startswith("2021-10-16T04:00:00")
    ordered = client.post(f"/v1/institutions/{institution['id']}/transitions", headers=as_("clerk"), json={
        "action": "order_rectification", "data": {"deadline": "2021-10-30", "reason": "消防通道堵塞"}})
    assert ordered.status_code == 200 and ordered.get_json()["state_since"] == "2021-10-16"
    assert client.get("/v1/stats/reduction", headers=as_("leader")).get_json()["as_of"] == "2021-10-16"
