"""The staff consoles in Debian's Chromium against real `offcampus serve` processes of all four services, each
signing people in through the development OpenID provider (oidc-provider under nodejs) with its own form.

Each person of the staff list signs in as a person would; pages are checked with JavaScript off (they must
work without it), on a phone-sized screen, for CSP violations, and with axe-core (WCAG 2.2 AA) in both
languages. Screenshots land in `test-artifacts/console/`.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from pathlib import Path

import pytest
import requests

from services.registry.domain.identity import credit_code_check_character
from shared.auth import mint_token
from shared.config import Settings
from shared.testing.fixtures import fresh_schema
from shared.testing.oidc import running_provider, staff_member
from shared.testing.processes import answers, free_ports, offcampus, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.slow]
SECRET = "e2e-console-secret-0123456789abcdef0123456789abcdef"  # noqa: S105
SERVICES = ("registry", "inspection", "complaints", "reporting")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "console"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
CSP_LISTENER = """window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', e => window.__cspViolations.push(
  e.violatedDirective + ' ' + e.blockedURI));"""
BOWANG, CHENGGUAN = "博望街道启航学科培训学校", "城关镇明德学科培训学校"
# what each person's navigation holds in the registry's console (their screens there, nothing else)
REGISTRY_NAV = {"clerk": ["机构查询"], "town-officer": ["机构查询"], "admin": ["消息总线", "死信", "审计日志"],
                "desk": [], "inspector": [], "supervisor": [], "leader": []}


def _seed(base: str) -> dict[str, int]:
    """Two institutions on the registry's books, one in each of two towns."""
    token = mint_token(Settings(jwt_secret=SECRET), sub="e2e-seed", dept="education", roles=["clerk"])
    ids = {}
    for serial, (name, town) in enumerate(((BOWANG, "博望街道"), (CHENGGUAN, "城关镇")), start=1):
        first17 = f"52610722MJ{serial + 300:07d}"
        created = requests.post(f"{base}/v1/institutions", headers={"Authorization": f"Bearer {token}"}, timeout=10,
                                json={"name": name, "credit_code": first17 + credit_code_check_character(first17),
                                      "division_code": "610722", "town": town, "address": f"{town}东街{serial}号",
                                      "category": "discipline", "subject_group": "discipline",
                                      "audience": ["primary"], "contact_phone": "0916-7212345",
                                      "legal_representative": "王明", "occurred_on": "2021-08-01", "state": "stock"})
        assert created.status_code == 201, created.text
        ids[name] = created.json()["id"]
    return ids


@pytest.fixture(scope="module")
def platform(postgres_server_url):
    """The four services (gunicorn) on fresh schemas, each a client of one development OpenID provider."""
    with tempfile.TemporaryDirectory(prefix="offcampus-e2e-console-") as workdir, contextlib.ExitStack() as stack:
        workdir = Path(workdir)
        first = free_ports(len(SERVICES))
        urls = {name: f"http://127.0.0.1:{first + offset}" for offset, name in enumerate(SERVICES)}
        provider = stack.enter_context(running_provider(urls, workdir / "oidc.log"))
        env = {**os.environ, "OFFCAMPUS_ENV": "development", "OFFCAMPUS_JWT_SECRET": SECRET,
               "OFFCAMPUS_VAR_DIR": str(workdir / "var"), "OFFCAMPUS_LOG_LEVEL": "WARNING", **provider.env_for_all()}
        for name in ("OFFCAMPUS_AMQP_URL", "PROMETHEUS_MULTIPROC_DIR"):
            env.pop(name, None)
        for name, url in urls.items():
            env[f"OFFCAMPUS_{name.upper()}_URL"] = url
            env[f"OFFCAMPUS_{name.upper()}_DATABASE_URL"] = stack.enter_context(fresh_schema(postgres_server_url))
        webs = []
        for name, url in urls.items():
            migrate = offcampus(["migrate", name], env, workdir / f"migrate-{name}.log")
            assert migrate.popen.wait(180) == 0, migrate.output()
            web = offcampus(["serve", name, "--bind", url.removeprefix("http://"), "--workers", "1"], env,
                            workdir / f"web-{name}.log")
            stack.callback(web.stop)
            webs.append((name, url, web))
        for name, url, web in webs:
            wait_until(answers(url + "/healthz"), 90, f"{name} to serve", web)
        yield {"urls": urls, "ids": _seed(urls["registry"]), "provider": provider, "webs": webs}


def _context(chromium, device=DESKTOP, *, javascript=False, locale="zh-CN", **options):
    return chromium.new_context(java_script_enabled=javascript, locale=locale, **device, **options)


def sign_in(context, base: str, login: str, path: str = "/console"):
    """Through the provider's own sign-in form, as a person does; the page, back on the console."""
    page = context.new_page()
    page.goto(base + path)
    if page.locator("#login").count():  # the provider's form (a person already signed in there skips it)
        page.fill("#login", login)
        page.fill("#password", staff_member(login)["password"])
        page.click("button[type=submit]")
    page.wait_for_url(re.compile(re.escape(base) + "/console.*"))
    return page


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _csrf(page) -> str:
    return page.locator("input[name=csrf_token]").first.get_attribute("value")


@pytest.mark.parametrize("login", sorted(REGISTRY_NAV))
def test_each_person_signs_in_through_the_provider_and_sees_only_their_screens(chromium, platform, login):
    base = platform["urls"]["registry"]
    context = _context(chromium)
    try:
        page = sign_in(context, base, login)
        assert staff_member(login)["name"] in page.locator("#who").inner_text()
        nav = page.locator("#nav a").all_inner_texts() if page.locator("#nav").count() else []
        assert nav == REGISTRY_NAV[login]
        if not nav:
            assert page.locator("#nothing-here").count() == 1
        _shot(page, f"home-{login}")
    finally:
        context.close()


def test_another_roles_page_and_a_forged_post_answer_403(chromium, platform):
    base, ids = platform["urls"]["registry"], platform["ids"]
    context = _context(chromium)
    try:
        page = sign_in(context, base, "desk")
        answer = page.goto(f"{base}/console/institutions/{ids[BOWANG]}")
        assert answer.status == 403 and "登记员" in page.locator("#reason").inner_text()
        token = _csrf(page)  # the desk's own, valid token: the role still refuses the write
        forged = context.request.post(f"{base}/console/institutions/{ids[BOWANG]}/actions/start_review",
                                      form={"csrf_token": token, "version": "1"}, max_redirects=0)
        assert forged.status == 403
        assert page.goto(f"{base}/console/admin/audit").status == 403
    finally:
        context.close()


def test_a_town_officer_finds_only_their_towns_institutions(chromium, platform):
    base, ids = platform["urls"]["registry"], platform["ids"]
    context = _context(chromium)
    try:
        page = sign_in(context, base, "town-officer", "/console/institutions")
        listed = page.locator("#institutions").inner_text()
        assert BOWANG in listed and CHENGGUAN not in listed
        assert page.locator("#town-fixed").inner_text() == "博望街道"
        assert page.goto(f"{base}/console/institutions/{ids[CHENGGUAN]}").status == 404
    finally:
        context.close()


def test_the_session_cookie_is_the_services_own_http_only_lax_and_under_console(chromium, platform):
    base = platform["urls"]["registry"]
    context = _context(chromium)
    try:
        sign_in(context, base, "clerk")
        cookies = {c["name"]: c for c in context.cookies(base + "/console")}
        cookie = cookies["offcampus_registry_console"]
        assert (cookie["path"], cookie["httpOnly"], cookie["sameSite"]) == ("/console", True, "Lax")
        assert cookie["secure"] is False  # development over http; production's is Secure (the kit's own test)
        assert "offcampus_registry_console" not in {c["name"] for c in context.cookies(base + "/v1/institutions")}
    finally:
        context.close()


def test_a_post_without_the_csrf_token_is_refused(chromium, platform):
    base, ids = platform["urls"]["registry"], platform["ids"]
    context = _context(chromium)
    try:
        page = sign_in(context, base, "clerk")
        refused = context.request.post(f"{base}/console/institutions/{ids[CHENGGUAN]}/actions/start_review",
                                       form={"version": "1"}, max_redirects=0)
        assert refused.status == 400
        page.goto(f"{base}/console/institutions/{ids[CHENGGUAN]}")
        assert page.locator("#state").inner_text() == "存量（复核前在册）"
    finally:
        context.close()


def test_the_clerks_main_flow_works_with_javascript_off(chromium, platform):
    base = platform["urls"]["registry"]
    context = _context(chromium, PHONE)
    try:
        page = sign_in(context, base, "clerk", "/console/institutions")
        page.fill("#q", "明德")
        page.click("form[role=search] button[type=submit]")
        assert page.locator("#institutions tbody tr").count() == 1
        page.click(f"text={CHENGGUAN}")
        assert page.locator("#name").inner_text() == CHENGGUAN
        assert page.locator("#form-order_rectification").count() == 0
        page.locator("#form-start_review summary, details:has(#form-start_review) summary").first.click()
        page.fill("#form-start_review [name=reason]", "开始复核")
        page.fill("#form-start_review [name=occurred_on]", "2099-01-01")  # a day that has not come
        page.click("#form-start_review button[type=submit]")
        assert page.locator("#e-occurred_on").inner_text().strip()  # said beside the field, in Chinese
        assert page.locator("#form-start_review [name=reason]").input_value() == "开始复核"  # kept
        page.fill("#form-start_review [name=occurred_on]", "")
        page.fill("#form-start_review [name=reason]", "开始复核")
        page.click("#form-start_review button[type=submit]")
        assert page.locator("#state").inner_text() == "审核中"
        assert "开始复核" in page.locator("#history").inner_text()
        _shot(page, "clerk-record-phone")
    finally:
        context.close()


def test_signing_out_ends_the_providers_session_too(chromium, platform):
    base = platform["urls"]["registry"]
    context = _context(chromium)
    try:
        page = sign_in(context, base, "clerk")
        page.click("#who ~ form button")
        page.click("button[name=logout]")  # the provider asks before ending its session
        page.wait_for_url(re.compile(re.escape(base) + "/console/signed-out.*"))
        page.goto(base + "/console")
        assert page.locator("#login").count() == 1  # the provider asks for the password again
    finally:
        context.close()


SCREENS = {  # (who, service, path) for every screen built so far
    "clerk-search": ("clerk", "registry", "/console/institutions"),
    "clerk-record": ("clerk", "registry", "/console/institutions/{BOWANG}"),
    "clerk-filings": ("clerk", "registry", "/console/institutions/{BOWANG}/filings"),
    "admin-bus": ("admin", "registry", "/console/admin/bus"),
    "admin-dead-letters": ("admin", "registry", "/console/admin/dead-letters"),
    "admin-audit": ("admin", "registry", "/console/admin/audit"),
    "home": ("leader", "registry", "/console"),
}


def _screen_url(platform, service: str, path: str) -> str:
    return platform["urls"][service] + path.format(BOWANG=platform["ids"][BOWANG])


def _open_screen(context, platform, login: str, service: str, path: str, query: str = ""):
    """Sign in and open the screen; it must be the console's page itself, answered 200."""
    page = sign_in(context, platform["urls"][service], login)
    url = _screen_url(platform, service, path) + query
    answer = page.goto(url)
    assert answer.status == 200 and page.url == url, (login, url, answer.status, page.url)
    return page


def test_no_screen_raises_a_csp_violation(chromium, platform):
    violations = {}
    for name, (login, service, path) in SCREENS.items():
        context = _context(chromium, javascript=True)
        context.add_init_script(CSP_LISTENER)
        try:
            page = _open_screen(context, platform, login, service, path)
            found = page.evaluate("window.__cspViolations")
            if found:
                violations[name] = found
        finally:
            context.close()
    assert violations == {}


def test_no_screen_scrolls_sideways_on_a_phone(chromium, platform):
    wide = {}
    for name, (login, service, path) in SCREENS.items():
        context = _context(chromium, PHONE, javascript=True)
        try:
            page = _open_screen(context, platform, login, service, path)
            width = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
            if width[0] > width[1]:
                wide[name] = width
            _shot(page, f"{name}-phone")
        finally:
            context.close()
    assert wide == {}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_axe_finds_no_wcag_22_aa_violation_on_any_screen(chromium, platform, lang):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    found = {}
    for name, (login, service, path) in SCREENS.items():
        context = _context(chromium, javascript=True, bypass_csp=True)  # axe-core is injected as a script
        try:
            page = _open_screen(context, platform, login, service, path, f"?lang={lang}")
            assert page.locator("html").get_attribute("lang") == ("en" if lang == "en" else "zh-CN")
            results = axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_22_AA}})
            problems = [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in results.response["violations"]]
            if problems:
                found[name] = problems
        finally:
            context.close()
    assert found == {}
