"""What a parent sees when reporting: /report and /report/{token} in headless Chromium (JavaScript off) against
a real `offcampus serve complaints` (gunicorn). Screenshots land in `test-artifacts/report/`. Without Chromium
the tests skip, or fail when `OFFCAMPUS_REQUIRE_SERVICES=1` (CI)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
import requests

from shared.auth import mint_token
from shared.config import Settings
from shared.testing.fixtures import fresh_schema
from shared.testing.processes import answers, free_port, offcampus, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.slow]
SECRET = "e2e-report-secret-0123456789abcdef0123456789abcdef"  # noqa: S105
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "report"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}




@pytest.fixture(scope="module")
def complaints(postgres_server_url):
    """`offcampus serve complaints` (gunicorn, 2 workers) on a fresh schema."""
    with tempfile.TemporaryDirectory(prefix="offcampus-e2e-report-") as workdir, \
            fresh_schema(postgres_server_url) as database_url:
        workdir = Path(workdir)
        env = {**os.environ, "OFFCAMPUS_ENV": "production", "OFFCAMPUS_JWT_SECRET": SECRET,
               "OFFCAMPUS_COMPLAINTS_DATABASE_URL": database_url, "OFFCAMPUS_VAR_DIR": str(workdir / "var"),
               "OFFCAMPUS_COMPLAINTS_SEALING_KEY": "ZTJlLXJlcG9ydC1zZWFsaW5nLWtleS0wMTIzNDU2Nzg"}
        for name in ("OFFCAMPUS_AMQP_URL", "PROMETHEUS_MULTIPROC_DIR"):
            env.pop(name, None)
        migrate = offcampus(["migrate", "complaints"], env, workdir / "migrate.log")
        assert migrate.popen.wait(120) == 0, migrate.output()
        port = free_port()
        web = offcampus(["serve", "complaints", "--bind", f"127.0.0.1:{port}", "--workers", "2"], env,
                        workdir / "web.log")
        try:
            base = f"http://127.0.0.1:{port}"
            wait_until(answers(base + "/healthz"), 60, "complaints to serve", web)
            yield base
        finally:
            web.stop()


def _desk() -> dict[str, str]:
    token = mint_token(Settings(jwt_secret=SECRET), sub="e2e-desk", dept="education", roles=["desk"])
    return {"Authorization": f"Bearer {token}"}


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_a_parent_reports_on_a_phone_follows_the_reply_and_rates_it(chromium, complaints):
    context = chromium.new_context(java_script_enabled=False, locale="zh-CN", **PHONE)
    page = context.new_page()
    try:
        page.goto(f"{complaints}/report")
        assert page.title() == "校外培训举报"
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        _shot(page, "form-phone")
        page.select_option("#service_code", "holiday_tutoring")
        page.fill("#address_string", "博望街道锦绣花园3号楼2单元")
        page.fill("#description", "<b>周六</b>上午有人给初中生补数学，老师电话 138-1234-5678")
        page.fill("#phone", "13812345678")
        page.click("button[type=submit]")
        token = page.locator("#token").inner_text().strip()
        assert len(token) >= 24
        _shot(page, "filed-phone")

        page.click("#follow")
        assert page.locator("#status").inner_text() == "办理中"
        written = page.locator("#description").inner_text()
        assert "<b>周六</b>" in written and "138****5678" in written  # shown as text, number masked
        clue_id = requests.get(f"{complaints}/open311/v2/tokens/{token}.json", timeout=10).json()[0][
            "service_request_id"]
        for action, body in (("register", {"town": "博望街道"}),
                             ("answer", {"outcome": "substantiated", "note": "经查属实，已责令停止违规培训。"})):
            done = requests.post(f"{complaints}/v1/clues/{clue_id}/{action}", json=body, headers=_desk(), timeout=10)
            assert done.status_code == 200, done.text

        page.reload()
        assert page.locator("#reply").inner_text() == "经查属实，已责令停止违规培训。"
        page.check("input[name=satisfied][value=yes]")
        page.fill("#note", "谢谢")
        submit = page.locator("#rating button[type=submit]")
        assert submit.bounding_box()["height"] >= 40  # a thumb can hit it
        submit.click()
        page.locator("#thanks").wait_for()  # the answer to the form's POST has loaded
        assert page.locator("#rating").count() == 0
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        _shot(page, "status-phone")
        shown = requests.get(f"{complaints}/v1/clues/{clue_id}", headers=_desk(), timeout=10).json()
        assert shown["satisfied"] is True and shown["reporter"]["phone"] == "13812345678"
    finally:
        context.close()
