"""A reader who only knows the registry's address: its front page in Chromium leads to the board and the docs."""

from __future__ import annotations

import pytest
from test_e2e_board import DESKTOP, QIMING, _page, _shot

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.slow]


def test_the_front_page_leads_a_reader_to_the_board_in_chinese_or_in_english(chromium, registry):
    base, _ = registry
    context, page = _page(chromium, DESKTOP)
    try:
        page.goto(base + "/")
        assert page.title() == "校外培训监管平台 · registry"
        assert page.locator("li", has_text="接口文档（Swagger UI）").count() == 1
        _shot(page, "front-page")
        page.click("text=持证机构")
        assert page.url == base + "/board" and QIMING in page.locator("body").inner_text()

        page.goto(base + "/?lang=en")
        page.click("text=Banned institutions")
        assert page.url == base + "/board/banned?lang=en"
        assert page.locator("h1").inner_text() == "Banned institutions"
    finally:
        context.close()
