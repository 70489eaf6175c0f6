"""What a parent sees: the board's pages in headless Chromium (JavaScript off) against a real `offcampus serve`.

Debian's Chromium (or the one `OFFCAMPUS_CHROMIUM` names) is driven by Playwright, never a downloaded browser.
Screenshots land in `test-artifacts/board/` for a person to look at. Without Chromium the tests skip, or fail
when `OFFCAMPUS_REQUIRE_SERVICES=1` (CI), so a missing browser is never a green run.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from board_support import BANNED, QIMING, XINGHUO

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.slow]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "board"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}


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
