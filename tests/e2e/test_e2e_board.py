"""What a parent sees: the board's pages in headless Chromium (JavaScript off) against a real `offcampus serve`.

Debian's Chromium (or the one `OFFCAMPUS_CHROMIUM` names) is driven by Playwright, never a downloaded browser.
Screenshots land in `test-artifacts/board/` for a person to look at. Without Chromium the tests skip, or fail
when `OFFCAMPUS_REQUIRE_SERVICES=1` (CI), so a missing browser is never a green run.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
import requests

from services.registry.domain.identity import credit_code_check_character
from shared.auth import mint_token
from shared.config import Settings
from shared.testing.fixtures import fresh_schema
from shared.testing.processes import answers, free_port, offcampus, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.slow]
SECRET = "e2e-board-secret-0123456789abcdef0123456789abcdef"  # noqa: S105
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "board"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}

QIMING = "城关镇启明星学科培训学校"
XINGHUO = "龙头镇星火学科培训学校"
BANNED = "城关镇违规补习班"
LICENCE = {"school_running_licence": {"number": "教民161072270000123号", "issued_on": "2021-09-01",
                                      "valid_until": "2027-08-31"},
           "registration": {"kind": "registration_certificate", "number": "52610722MJY1234567",
                            "issued_on": "2021-09-01", "valid_until": "2027-08-31"}}
FILING = {
    "courses": [{"subject": "数学", "grade_band": "primary", "materials": ["人教版数学三年级下册"]}],
    "teachers": [{"name": "李老师", "qualification_certificate_no": "20196107221000123"},
                 {"name": "王老师", "qualification_certificate_no": "20186107222000456"}],
    "fee_items": [{"name": "小班数学", "price_per_hour_fen": 3000, "grade_band": "primary", "class_size_band": "small",
                   "hours_per_collection": 20, "months_per_collection": 1, "amount_per_collection_fen": 60000}],
    "timetable": [{"weekday": 2, "start": "16:30", "end": "17:30", "mode": "offline", "course": "数学"},
                  {"weekday": 4, "start": "18:30", "end": "20:00", "mode": "offline", "course": "数学"}],
    "sessions": [{"date": "2025-03-04", "start": "16:30", "end": "17:30", "mode": "offline", "course": "数学"}],
}




def _token(role: str = "clerk") -> str:
    return mint_token(Settings(jwt_secret=SECRET), sub=f"e2e-{role}", dept="education", roles=[role])


def _seed(base: str) -> dict[str, int]:
    """Three institutions through the registry's API: two licensed that filed, one banned."""
    clerk = {"Authorization": f"Bearer {_token()}"}
    ids = {}
    for serial, (name, town) in enumerate(((QIMING, "城关镇"), (XINGHUO, "龙头镇"), (BANNED, "城关镇")), start=1):
        first17 = f"52610722MJ{serial:07d}"
        created = requests.post(f"{base}/v1/institutions", headers=clerk, timeout=10, json={
            "name": name, "credit_code": first17 + credit_code_check_character(first17), "division_code": "610722",
            "town": town, "address": f"{town}南大街{serial}号", "category": "discipline", "subject_group": "discipline",
            "audience": ["primary"], "contact_phone": "0916-7212345", "legal_representative": "王启明",
            "occurred_on": "2021-08-01"})
        assert created.status_code == 201, created.text
        ids[name] = created.json()["id"]
        licensed = requests.post(f"{base}/v1/institutions/{ids[name]}/transitions", headers=clerk, timeout=10,
                                 json={"action": "license", "data": {"licence": LICENCE, "occurred_on": "2021-09-01"}})
        assert licensed.status_code == 200, licensed.text
        filed = requests.post(f"{base}/v1/institutions/{ids[name]}/filings", headers=clerk, json=FILING, timeout=10)
        assert filed.status_code == 201, filed.text
    # a ban decided on paper before the platform, recorded by an admin (every other ban comes from a case)
    ban = {"document_number": "城教罚决字〔2025〕7号", "reason": "暑假违规开展学科类培训", "occurred_on": "2025-07-20"}
    banned = requests.post(f"{base}/v1/institutions/{ids[BANNED]}/pre-platform-ban", json=ban, timeout=10,
                           headers={"Authorization": f"Bearer {_token('admin')}"})
    assert banned.status_code == 200, banned.text
    return ids


@pytest.fixture(scope="module")
def registry(postgres_server_url):
    """`offcampus serve registry` (gunicorn, 2 workers) on a fresh schema, seeded through its API."""
    with tempfile.TemporaryDirectory(prefix="offcampus-e2e-board-") as workdir, \
            fresh_schema(postgres_server_url) as database_url:
        workdir = Path(workdir)
        env = {**os.environ, "OFFCAMPUS_ENV": "production", "OFFCAMPUS_JWT_SECRET": SECRET,
               "OFFCAMPUS_REGISTRY_DATABASE_URL": database_url, "OFFCAMPUS_VAR_DIR": str(workdir / "var")}
        for name in ("OFFCAMPUS_AMQP_URL", "PROMETHEUS_MULTIPROC_DIR"):
            env.pop(name, None)
        migrate = offcampus(["migrate", "registry"], env, workdir / "migrate.log")
        assert migrate.popen.wait(120) == 0, migrate.output()
        port = free_port()
        web = offcampus(["serve", "registry", "--bind", f"127.0.0.1:{port}", "--workers", "2"], env,
                        workdir / "web.log")
        try:
            base = f"http://127.0.0.1:{port}"
            wait_until(answers(base + "/healthz"), 60, "the registry to serve", web)
            yield base, _seed(base)
        finally:
            web.stop()


def _page(chromium, device: dict, **options):
    """A fresh browser context without JavaScript: the pages must work with it off."""
    context = chromium.new_context(java_script_enabled=False, locale="zh-CN", **device, **options)
    return context, context.new_page()


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_a_parent_searches_the_board_and_reads_an_institutions_fees(chromium, registry):
    base, ids = registry
    context, page = _page(chromium, DESKTOP)
    try:
        page.goto(f"{base}/board")
        assert page.title() == "校外培训机构公示平台"
        results = page.locator("#results")
        assert QIMING in results.inner_text() and XINGHUO in results.inner_text()
        assert BANNED not in results.inner_text()
        assert "¥30.00" in results.inner_text()
        _shot(page, "board-desktop")

        page.fill("#q", "启明")
        page.click("button[type=submit]")
        assert page.locator("#summary").inner_text() == "共找到 1 家持证机构。"
        assert results.locator("li").count() == 1 and QIMING in results.inner_text()
        _shot(page, "board-search-desktop")

        page.click(f"text={QIMING}")
        assert page.url.endswith(f"/board/institutions/{ids[QIMING]}")
        assert page.locator("#name").inner_text() == QIMING
        assert page.locator("#legal-representative").inner_text() == "王启明"
        fees = page.locator("#fees").inner_text()
        assert "¥30.00" in fees and "¥600.00" in fees and "20 课时 / 1 个月" in fees
        teachers = page.locator("#teachers").inner_text()
        assert "李老师" in teachers and "20196107221000123" in teachers
        timetable = page.locator("#timetable").inner_text()
        assert "星期二" in timetable and "16:30–17:30" in timetable
        _shot(page, "institution-desktop")
    finally:
        context.close()


def test_a_parent_sees_the_banned_list(chromium, registry):
    base, _ = registry
    context, page = _page(chromium, DESKTOP)
    try:
        page.goto(f"{base}/board")
        page.click("nav.nav >> text=取缔机构名单")
        table = page.locator("#banned").inner_text()
        assert BANNED in table and "暑假违规开展学科类培训" in table and "2025-07-20" in table
        _shot(page, "banned-desktop")
    finally:
        context.close()


def test_the_board_fits_a_phone_screen(chromium, registry):
    base, ids = registry
    context, page = _page(chromium, PHONE)
    try:
        for path, name in (("/board", "board-phone"), (f"/board/institutions/{ids[QIMING]}", "institution-phone"),
                           ("/board/banned", "banned-phone")):
            page.goto(base + path)
            # nothing sticks out sideways: a parent never scrolls left and right to read a fee
            assert page.evaluate("document.documentElement.scrollWidth") <= 390, name
            _shot(page, name)
        assert page.locator("#banned").inner_text().count(BANNED) == 1
        page.goto(f"{base}/board/institutions/{ids[QIMING]}")
        fee = page.locator("#fees td.price").first
        assert fee.is_visible() and fee.inner_text() == "¥30.00"
        box = fee.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
        search = page.locator("button[type=submit]")
        page.goto(f"{base}/board")
        assert search.is_visible() and search.bounding_box()["height"] >= 40  # a thumb can hit it
    finally:
        context.close()


def test_the_english_link_switches_the_board_to_english(chromium, registry):
    base, _ = registry
    context, page = _page(chromium, PHONE)
    try:
        page.goto(f"{base}/board")
        page.click("a.lang")
        assert page.locator("html").get_attribute("lang") == "en"
        assert page.title() == "Off-campus training disclosure board"
        page.fill("#q", "星火")
        page.click("button[type=submit]")
        assert "lang=en" in page.url and page.locator("#summary").inner_text() == "Licensed institutions found: 1."
        assert XINGHUO in page.locator("#results").inner_text()  # names stay as registered
        _shot(page, "board-english-phone")
    finally:
        context.close()
