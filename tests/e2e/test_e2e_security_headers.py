"""What a browser and a scanner see of the registry under real gunicorn: a Content-Security-Policy under which
the board and Swagger UI work (no violation), the other security headers, and no server software named."""

from __future__ import annotations

import pytest
import requests
from test_e2e_board import DESKTOP, QIMING, _shot

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.slow]

# A violation is reported to the page as an event; the listener is installed before any of the page runs.
LISTEN = """window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', e => window.__cspViolations.push(
    e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' + (e.sample || '')));"""


def _visit(chromium, url: str, ready: str):  # noqa: F811
    """Open `url` with JavaScript on; the CSP violations it raised, as events and as console errors."""
    context = chromium.new_context(java_script_enabled=True, locale="zh-CN", **DESKTOP)
    context.add_init_script(LISTEN)
    page = context.new_page()
    console = []
    page.on("console", lambda message: console.append(message.text)
            if "Content Security Policy" in message.text else None)
    try:
        page.goto(url)
        page.wait_for_selector(ready, timeout=30_000)
        page.wait_for_load_state("networkidle")
        _shot(page, url.rsplit("/", 1)[-1] + "-with-csp")
        return page.evaluate("window.__cspViolations"), console, page.locator("body").inner_text()
    finally:
        context.close()


def test_the_board_shows_under_its_content_security_policy_without_a_violation(chromium, registry):
    base, _ = registry
    violations, console, text = _visit(chromium, base + "/board", "main")
    assert violations == [] and console == []
    assert QIMING in text


def test_swagger_ui_runs_under_the_content_security_policy_without_a_violation(chromium, registry):
    base, _ = registry
    violations, console, text = _visit(chromium, base + "/docs", ".swagger-ui .info .title")
    assert violations == [] and console == []
    assert "/v1/institutions" in text  # Swagger UI's script ran and rendered the operations


def test_every_answer_carries_the_security_headers_and_names_no_server_software(registry):
    base, _ = registry
    for path in ("/board", "/docs", "/v1/public/institutions", "/v1/institutions", "/openapi.json", "/healthz"):
        answer = requests.get(base + path, timeout=10)
        headers = answer.headers
        assert headers["X-Content-Type-Options"] == "nosniff", path
        assert headers["Referrer-Policy"] == "same-origin", path
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"], path
        server = headers.get("Server", "").lower()
        assert "gunicorn" not in server and "werkzeug" not in server and "python" not in server, path
    page_policy = requests.get(base + "/board", timeout=10).headers["Content-Security-Policy"]
    assert "script-src 'self';" in page_policy and "unsafe-inline" not in page_policy
