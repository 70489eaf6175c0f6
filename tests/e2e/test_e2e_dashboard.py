"""The public dashboard in headless Chromium: events cross RabbitMQ into `offcampus worker reporting`, and each
figure the page shows equals the one `/v1/summary` answers (gunicorn, PostgreSQL, Debian's Chromium).

Screenshots land in `test-artifacts/dashboard/` for a person to look at.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import requests

from services.reporting.entrypoints.dashboard import shown
from shared.auth import mint_token
from shared.bus import new_event
from shared.bus.transport import Outgoing, transport_from_url
from shared.config import Settings
from shared.events import contract_for
from shared.testing.fixtures import fresh_schema
from shared.testing.processes import answers, free_port, offcampus, stop_all, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.slow]
SECRET = "e2e-dashboard-secret-0123456789abcdef0123456789"  # noqa: S105
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "dashboard"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
FIGURES = ("discipline_before", "discipline_licensed", "reduction_rate", "inspections", "inspector_person_times",
           "cases_opened", "cases_punished", "institutions_banned", "complaints_received", "complaints_closed",
           "complaints_on_time_rate")


def _event(type: str, sequence: int, **changes):
    made = new_event(type, data={**contract_for(type).example, **changes})
    made.sequence = sequence
    return made


def county_year() -> list:
    """Events whose figures are all nonzero and differ from one another."""
    events = []
    for number in range(9):  # 9 before; 2 licensed; 1 banned: (9 - 2) / 9 = 0.778
        institution = f"inst-{number}"
        events.append(_event("registry.institution.registered", 1, institution_id=institution, state="stock"))
        if number < 2:
            events.append(_event("registry.institution.licensed", 2, institution_id=institution,
                                 from_state="stock", occurred_on="2021-09-20"))
        if number == 8:
            events.append(_event("registry.institution.banned", 2, institution_id=institution,
                                 from_state="stock", occurred_on="2021-10-20"))
    for number in range(5):  # 5 visits, 7 inspector-days
        inspectors = ["i1", "i2"] if number < 2 else [f"i{number + 2}"] if number < 4 else ["i8", "i9", "i1"]
        events.append(_event("inspection.task.completed", 1, task_id=f"task-{number}",
                             inspected_on="2021-07-17" if number < 4 else "2021-07-18", inspector_ids=inspectors))
    for number in range(4):  # 4 cases opened, 3 punished
        events.append(_event("inspection.case.opened", 1, case_id=f"case-{number}", on="2021-07-20"))
        if number < 3:
            events.append(_event("inspection.case.sanction_imposed", 2, case_id=f"case-{number}", kind="warning",
                                 amount_fen=None))
    for number in range(11):  # 11 received, 6 closed, 4 of them on time
        events.append(_event("complaints.clue.received", 1, clue_id=f"clue-{number}"))
        if number < 6:
            events.append(_event("complaints.clue.closed", 2, clue_id=f"clue-{number}", on_time=number < 4))
    return events



@pytest.fixture
def reporting(postgres_server_url, amqp_url, bus_namespace, tmp_path):
    """`offcampus serve reporting` and `offcampus worker reporting`, fed the county year over RabbitMQ."""
    with fresh_schema(postgres_server_url) as database_url:
        env = {**os.environ, "OFFCAMPUS_ENV": "production", "OFFCAMPUS_JWT_SECRET": SECRET,
               "OFFCAMPUS_AMQP_URL": amqp_url, "OFFCAMPUS_BUS_NAMESPACE": bus_namespace,
               "OFFCAMPUS_REPORTING_DATABASE_URL": database_url, "OFFCAMPUS_VAR_DIR": str(tmp_path / "var"),
               "OFFCAMPUS_METRICS_PORT": str(free_port())}
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        migrate = offcampus(["migrate", "reporting"], env, tmp_path / "migrate.log")
        assert migrate.popen.wait(120) == 0, migrate.output()
        port = free_port()
        web = offcampus(["serve", "reporting", "--bind", f"127.0.0.1:{port}", "--workers", "2"], env,
                        tmp_path / "web.log")
        worker = offcampus(["worker", "reporting"], env, tmp_path / "worker.log")
        transport = transport_from_url(amqp_url, namespace=bus_namespace)
        try:
            base = f"http://127.0.0.1:{port}"
            wait_until(answers(base + "/readyz"), 60, "reporting to serve", web)
            transport.declare("reporting", ("#",))  # the worker's own binding, so nothing waits on its start
            publisher = transport.publisher("e2e")
            events = county_year()
            failed = publisher.publish([Outgoing(key=item.id, body=item.to_json().encode(), routing_key=item.type,
                                                 message_id=item.id, timestamp=item.time) for item in events], 10)
            publisher.close()
            assert not any(failed.values())
            yield base
        finally:
            transport.close()
            stop_all([worker, web])


def test_each_figure_on_the_public_dashboard_equals_the_apis(chromium, reporting):
    leader = {"Authorization": "Bearer " + mint_token(Settings(jwt_secret=SECRET), sub="e2e", dept="education",
                                                       roles=["leader"])}

    def everything_counted():
        figures = requests.get(f"{reporting}/v1/summary", headers=leader, timeout=10).json()
        return figures["complaints_closed"] == 6 and figures["cases_punished"] == 3 \
            and figures["institutions_banned"] == 1 and figures["inspections"] == 5 and figures
    figures = {name: value for name, value in
               wait_until_value(everything_counted).items() if name in FIGURES}
    assert all(figures.values()) and len(set(figures.values())) == len(FIGURES), figures

    for device, name in ((DESKTOP, "dashboard-desktop"), (PHONE, "dashboard-phone")):
        context = chromium.new_context(locale="zh-CN", **device)
        page = context.new_page()
        try:
            page.goto(f"{reporting}/dashboard")
            assert page.title() == "校外培训治理数据公示"
            on_page = {element.get_attribute("data-figure"): element.inner_text()
                       for element in page.locator("[data-figure]").all()}
            assert on_page == {figure: shown(figure, value) for figure, value in figures.items()}
            assert on_page["reduction_rate"] == "77.8%" and on_page["complaints_on_time_rate"] == "66.7%"
            page.wait_for_load_state("networkidle")
            drawn = page.evaluate("Array.from(document.images).map(image => image.complete && image.naturalWidth)")
            # a phone gets the charts drawn narrow (their letters stay readable at its width), a desktop wide ones
            assert len(drawn) == 4 and all(width == (720 if device is PHONE else 800) for width in drawn), drawn
            assert page.evaluate("document.documentElement.scrollWidth") <= device["viewport"]["width"]
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        finally:
            context.close()


def wait_until_value(probe, timeout: float = 60.0):
    """The probe's first truthy answer, polled until `timeout`."""
    found = {}

    def holds() -> bool:
        found["value"] = probe()
        return bool(found["value"])

    wait_until(holds, timeout, "reporting's worker to count the county year")
    return found["value"]
