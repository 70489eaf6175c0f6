"""The staff consoles in Debian's Chromium against real `offcampus serve` processes of all four services, each
signing people in through the development OpenID provider (oidc-provider under nodejs) with its own form.

Each person of the staff list signs in as a person would; pages are checked with JavaScript off (they must
work without it), on a phone-sized screen, for CSP violations, and with axe-core (WCAG 2.2 AA) in both
languages. Screenshots land in `test-artifacts/console/`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import tempfile
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.inspection.entrypoints.consumer import HANDLERS as INSPECTION_HANDLERS
from services.registry.domain.identity import credit_code_check_character
from shared.auth import mint_token
from shared.bus import new_event
from shared.clock import LOCAL_TZ
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
# what each person's navigation holds in the console where they work (their screens, nothing else), and which
# consoles they are linked to
NAV = {"clerk": ("registry", ["机构查询"], []),
       "town-officer": ("registry", ["机构查询"], ["机构登记", "检查执法"]),
       "desk": ("complaints", ["线索收件箱"], []),
       "inspector": ("inspection", ["今日任务"], []),
       "supervisor": ("inspection", ["今日任务", "检查行动", "案件"], []),
       "leader": ("reporting", ["数据看板"], []),
       "admin": ("registry", ["消息总线", "死信", "审计日志"], ["机构登记", "检查执法", "投诉受理", "统计报表"])}
CAMPAIGN = {"name": "2027年暑期“监管护苗”专项行动", "kind": "special", "starts_on": "2027-07-10",
            "ends_on": "2027-08-28", "rounds": 6, "towns": ["博望街道", "龙头镇"], "departments": ["education", "fire"]}
CASES = ("在住宅内组织学科类一对多培训", "在酒店客房内开展学科类培训", "以家政服务名义上门补课")
ROUND = {"days": ["2027-07-14", "2027-07-15"], "teams_per_day": 2, "team_size": 2, "target_count": 6,
         "team_departments": {"fire": 1}}


def _bearer(role: str) -> dict[str, str]:
    token = mint_token(Settings(jwt_secret=SECRET), sub=f"e2e-{role}", dept="education", roles=[role])
    return {"Authorization": f"Bearer {token}"}


def _seed_others(urls: dict[str, str]) -> dict[str, str]:
    """A complaint at the desk, and a campaign with a scheduled round at inspection."""
    clue = requests.post(f"{urls['complaints']}/v1/clues", headers=_bearer("desk"), timeout=10, json={
        "channel": "hotline", "category": "hidden_tutoring", "description": "小区里周末有人办数学补习班",
        "town": "博望街道", "address": "博望街道文化路12号"})
    assert clue.status_code == 201, clue.text
    campaign = requests.post(f"{urls['inspection']}/v1/campaigns", headers=_bearer("supervisor"), json=CAMPAIGN,
                             timeout=10)
    assert campaign.status_code == 201, campaign.text
    round_ = requests.post(f"{urls['inspection']}/v1/campaigns/{campaign.json()['id']}/rounds", json=ROUND,
                           headers=_bearer("supervisor"), timeout=10)
    assert round_.status_code == 201, round_.text
    for name, department, serial in (("钱检查", "education", 1), ("吴消防", "fire", 2)):
        added = requests.post(f"{urls['inspection']}/v1/inspectors", headers=_bearer("supervisor"), timeout=10, json={
            "name": name, "department": department, "certificate_no": f"陕执法{serial:05d}", "towns": ["博望街道"]})
        assert added.status_code == 201, added.text
    for summary in CASES:
        case = requests.post(f"{urls['inspection']}/v1/cases", headers=_bearer("supervisor"), timeout=10, json={
            "subject_kind": "address", "address": "博望街道锦绣花园3号楼501室", "town": "博望街道",
            "summary": summary})
        assert case.status_code == 201, case.text
    return {"clue": clue.json()["id"], "round": round_.json()["id"]}


def _seed_inspectors_day(urls: dict[str, str], inspection_db: str, chengguan: int) -> str:
    """A visit on the consoles' today for the staff list's inspector, made through inspection's API: an inspector
    whose `account` is the provider's inspector login, a colleague, a campaign in 城关镇 with a round on today and
    its draw. The platform here runs without a broker, so the registry's `registry.institution.registered` for
    城关镇's institution is handed to inspection's own handler, as its worker would (the draw's only target)."""
    record = requests.get(f"{urls['registry']}/v1/institutions/{chengguan}", headers=_bearer("clerk"), timeout=10)
    assert record.status_code == 200, record.text
    event = new_event("registry.institution.registered", subject=str(chengguan), data={
        "institution_id": str(chengguan), "name": CHENGGUAN, "credit_code": record.json()["credit_code"],
        "division_code": "610722",
        "town": "城关镇", "address": "城关镇东街2号", "category": "discipline", "subject_group": "discipline",
        "state": "stock"})
    event.sequence = 1
    engine = sa.create_engine(inspection_db, poolclass=sa.pool.NullPool)
    try:
        with Session(engine) as session, session.begin():
            INSPECTION_HANDLERS[event.type](event, session)
    finally:
        engine.dispose()
    inspection, supervisor = urls["inspection"], _bearer("supervisor")
    for name, serial, account in (("张检查", 11, "inspector"), ("赵检查", 12, None)):
        added = requests.post(f"{inspection}/v1/inspectors", headers=supervisor, timeout=10, json={
            "name": name, "department": "education", "certificate_no": f"陕执法{serial:05d}", "towns": ["城关镇"],
            "account": account})
        assert added.status_code == 201, added.text
    today = dt.datetime.now(LOCAL_TZ).date()
    campaign = requests.post(f"{inspection}/v1/campaigns", headers=supervisor, timeout=10, json={
        "name": "城关镇校外培训日常检查", "kind": "routine", "starts_on": (today - dt.timedelta(days=1)).isoformat(),
        "ends_on": (today + dt.timedelta(days=30)).isoformat(), "rounds": 1, "towns": ["城关镇"],
        "departments": ["education"]})
    assert campaign.status_code == 201, campaign.text
    round_ = requests.post(f"{inspection}/v1/campaigns/{campaign.json()['id']}/rounds", headers=supervisor,
                           timeout=10, json={"days": [today.isoformat()], "teams_per_day": 1, "team_size": 2,
                                             "target_count": 1})
    assert round_.status_code == 201, round_.text
    draw = requests.post(f"{inspection}/v1/rounds/{round_.json()['id']}/draws", headers=supervisor, timeout=10,
                         json={})
    assert draw.status_code == 201, draw.text
    [task] = [t for t in requests.get(f"{inspection}/v1/tasks?page_size=100", headers=supervisor, timeout=10)
              .json()["items"] if t["draw_id"] == draw.json()["id"]]
    return task["id"]


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
        # the four migrations side by side, each service served once its own is done
        migrations = {name: offcampus(["migrate", name], env, workdir / f"migrate-{name}.log") for name in urls}
        for name, url in urls.items():
            migrate = migrations[name]
            assert migrate.popen.wait(180) == 0, migrate.output()
            web = offcampus(["serve", name, "--bind", url.removeprefix("http://"), "--workers", "1"], env,
                            workdir / f"web-{name}.log")
            stack.callback(web.stop)
            webs.append((name, url, web))
        for name, url, web in webs:
            wait_until(answers(url + "/healthz"), 90, f"{name} to serve", web)
        ids = _seed(urls["registry"])
        others = _seed_others(urls)
        others["task"] = _seed_inspectors_day(urls, env["OFFCAMPUS_INSPECTION_DATABASE_URL"], ids[CHENGGUAN])
        yield {"urls": urls, "ids": ids, "provider": provider, "webs": webs, "others": others}


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


@pytest.mark.parametrize("login", sorted(NAV))
def test_each_person_signs_in_through_the_provider_and_sees_only_their_screens(chromium, platform, login):
    service, screens, consoles = NAV[login]
    context = _context(chromium)
    try:
        page = sign_in(context, platform["urls"][service], login)
        assert staff_member(login)["name"] in page.locator("#who").inner_text()
        assert page.locator("#nav a").all_inner_texts() == screens
        linked = page.locator("#consoles li").all_inner_texts() if page.locator("#consoles").count() else []
        assert linked == consoles
        _shot(page, f"home-{login}")
        if login == "leader":  # in a console where they have no screen, a person is told where their work is
            page.goto(platform["urls"]["registry"] + "/console")
            assert page.locator("#nav").count() == 0 and page.locator("#nothing-here").count() == 1
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
        assert page.locator("#institutions tbody tr").count() == 1, page.locator("main").inner_text()
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


def test_the_desks_main_flow_works_with_javascript_off(chromium, platform):
    base = platform["urls"]["complaints"]
    context = _context(chromium, PHONE)
    try:
        page = sign_in(context, base, "desk", "/console/clues")
        assert page.locator("#clues .waited").count() == 1
        page.locator("#clues a").first.click()
        assert "小区里周末有人办数学补习班" in page.locator("#description").inner_text()
        page.select_option("#f-category", "hidden_tutoring")
        page.click("#form-triage button[type=submit]")
        assert page.locator("#status").inner_text() == "已分办"
        page.select_option("#f-priority", "urgent")
        page.fill("#f-place", "博望街道文化路12号")
        page.fill("#f-reason", " ")  # blank: the browser sends it, the desk is told beside the field
        page.click("#form-refer button[type=submit]")
        assert "缺少必填字段" in page.locator("#e-reason").inner_text()
        assert page.locator("#f-place").input_value() == "博望街道文化路12号"  # what was typed is kept
        page.fill("#f-reason", "家长反映周末在小区里办数学补习班")
        page.click("#form-refer button[type=submit]")
        assert page.locator("#status").inner_text() == "已转交检查"
        assert "家长反映周末在小区里办数学补习班" in page.locator("#history").inner_text()
        page.select_option("#f-template", "received")
        page.click("#form-answer button[type=submit]")
        assert page.locator("#status").inner_text() == "已答复"
        _shot(page, "desk-clue-phone")
    finally:
        context.close()


def test_the_supervisors_and_leaders_main_flows_work_with_javascript_off(chromium, platform):
    context = _context(chromium, PHONE)
    try:
        page = sign_in(context, platform["urls"]["inspection"], "supervisor", "/console/campaigns")
        assert page.locator(".campaign .code").first.inner_text().strip()  # the committed seed hash
        page.locator(".campaign a").first.click()
        assert len(page.locator("#seed-hash").inner_text().strip()) == 64
        page.click("#form-draw button[type=submit]")  # nothing to draw from yet: the page says why
        assert page.locator("#problem").inner_text().strip()
        # the cases: two ticked and assigned to a team of two in one form, without JavaScript
        page.goto(platform["urls"]["inspection"] + "/console/cases")
        page.click("#form-assign button[type=submit]")  # nothing ticked: said beside the list, nothing lost
        assert page.locator("#e-case_ids").inner_text().strip() and page.locator("#e-inspector_ids").count() == 1
        for summary in CASES[:2]:
            page.get_by_label(summary).check()
        page.get_by_label("钱检查").check()
        page.get_by_label("吴消防").check()
        page.click("#form-assign button[type=submit]")
        assert "2" in page.locator("#done").inner_text()
        shown = {row.locator("label").inner_text(): set(row.locator(".assignees").inner_text().split("、"))
                 for row in page.locator("#cases tr.case").all()}
        assert shown == {CASES[0]: {"钱检查", "吴消防"}, CASES[1]: {"钱检查", "吴消防"}, CASES[2]: {"—"}}
        _shot(page, "supervisor-cases-assigned-phone")
    finally:
        context.close()
    context = _context(chromium, PHONE)  # another person: a browser of their own
    try:
        page = sign_in(context, platform["urls"]["reporting"], "leader", "/console/dashboard")
        page.fill("#f-from", "2024-05-01")
        page.fill("#f-to", "2024-01-01")
        page.click("form.filters button[type=submit]")
        assert page.locator("#e-to, #e-from").count() >= 1
        assert page.locator("#f-from").input_value() == "2024-05-01"
        page.fill("#f-from", "")
        page.fill("#f-to", "")
        page.click("form.filters button[type=submit]")
        assert page.locator("table.figures").count() >= 3
        with page.expect_download() as download:
            page.click("#csv")
        assert download.value.suggested_filename == "reporting-dashboard.csv"
    finally:
        context.close()


def test_the_inspectors_main_flow_works_with_javascript_off(chromium, platform):
    """The person signed in as the staff list's inspector is the inspector whose account is their login: today's
    visit is on their list; they answer its checklist, note a finding and the outcome, and see it recorded."""
    base, task_id = platform["urls"]["inspection"], platform["others"]["task"]
    context = _context(chromium, PHONE)
    try:
        page = sign_in(context, base, "inspector", "/console/tasks")
        assert page.locator("#today a").all_inner_texts() == [CHENGGUAN], page.locator("main").inner_text()
        page.click(f"#today a[href$='/console/tasks/{task_id}']")
        assert page.url.endswith(f"/console/tasks/{task_id}")
        assert set(page.locator("#team").inner_text().split("、")) == {"张检查", "赵检查"}  # names, in the drawn order
        assert page.locator("#form-result").count() == 1
        page.select_option("#f-outcome", "rectification_ordered")  # a finding is needed: none ticked yet
        page.click("#form-result button[type=submit]")
        assert page.locator("#problem").inner_text().strip()
        assert page.locator("#f-outcome").input_value() == "rectification_ordered"  # what was chosen is kept
        for code in ("licence_displayed", "teachers_qualified", "fire_safety"):
            page.check(f"input[name='answer.{code}'][value=yes]")
        page.check("input[name='answer.fees_published'][value=no]")
        page.fill("#f-evidence", "收费公示照片-1.jpg")
        page.click("#form-result button[type=submit]")
        assert page.locator("#done").inner_text().strip() == "检查结果已记录。"
        assert page.locator("#task-status").inner_text().startswith("已检查")  # its status in the reader's words
        assert page.locator("#form-result").count() == 0
        _shot(page, "inspector-task-recorded-phone")
        page.goto(base + "/console/tasks")
        assert page.locator("#none-today").count() == 1
        assert page.locator("#recorded a").all_inner_texts() == [CHENGGUAN]  # on their list as recorded
        recorded = requests.get(f"{base}/v1/tasks/{task_id}", headers=_bearer("supervisor"), timeout=10).json()
        assert (recorded["outcome"], recorded["findings"]) == ("rectification_ordered", ["fees_published"])
        assert recorded["evidence"] == ["收费公示照片-1.jpg"] and len(recorded["inspectors_present"]) == 2
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


SCREENS = {  # (who, service, path) for every screen
    "clerk-search": ("clerk", "registry", "/console/institutions"),
    "clerk-record": ("clerk", "registry", "/console/institutions/{BOWANG}"),
    "clerk-filings": ("clerk", "registry", "/console/institutions/{BOWANG}/filings"),
    "desk-inbox": ("desk", "complaints", "/console/clues"),
    "desk-clue": ("desk", "complaints", "/console/clues/{CLUE}"),
    "inspector-tasks": ("inspector", "inspection", "/console/tasks"),
    "inspector-task": ("inspector", "inspection", "/console/tasks/{TASK}"),
    "supervisor-campaigns": ("supervisor", "inspection", "/console/campaigns"),
    "supervisor-round": ("supervisor", "inspection", "/console/rounds/{ROUND}"),
    "supervisor-cases": ("supervisor", "inspection", "/console/cases"),
    "leader-dashboard": ("leader", "reporting", "/console/dashboard"),
    "admin-bus": ("admin", "registry", "/console/admin/bus"),
    "admin-dead-letters": ("admin", "registry", "/console/admin/dead-letters"),
    "admin-audit": ("admin", "registry", "/console/admin/audit"),
    "home": ("leader", "registry", "/console"),
}


def _screen_url(platform, service: str, path: str) -> str:
    return platform["urls"][service] + path.format(BOWANG=platform["ids"][BOWANG], CLUE=platform["others"]["clue"],
                                                   ROUND=platform["others"]["round"], TASK=platform["others"]["task"])


def _every_screen(chromium, platform, device=DESKTOP, query: str = "", init_script: str | None = None, **options):
    """Every screen of SCREENS opened by its person and answered 200 (the console's page itself): yields (name,
    page). One browser context per person and console, signed in once through the provider's form; each screen
    opens in a page of its own."""
    people: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for name, (login, service, path) in SCREENS.items():
        people.setdefault((login, service), []).append((name, path))
    for (login, service), screens in people.items():
        context = _context(chromium, device, javascript=True, **options)
        if init_script:
            context.add_init_script(init_script)
        try:
            sign_in(context, platform["urls"][service], login).close()
            for name, path in screens:
                page = context.new_page()
                url = _screen_url(platform, service, path) + query
                answer = page.goto(url)
                assert answer.status == 200 and page.url == url, (login, url, answer.status, page.url)
                yield name, page
                page.close()
        finally:
            context.close()


def test_no_screen_raises_a_csp_violation(chromium, platform):
    violations = {}
    for name, page in _every_screen(chromium, platform, init_script=CSP_LISTENER):
        found = page.evaluate("window.__cspViolations")
        if found:
            violations[name] = found
    assert violations == {}


def test_no_screen_scrolls_sideways_on_a_phone(chromium, platform):
    wide = {}
    for name, page in _every_screen(chromium, platform, PHONE):
        width = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        if width[0] > width[1]:
            wide[name] = width
        _shot(page, f"{name}-phone")
    assert wide == {}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_axe_finds_no_wcag_22_aa_violation_on_any_screen(chromium, platform, lang):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    found = {}
    # axe-core is injected as a script, so the contexts bypass the CSP
    for name, page in _every_screen(chromium, platform, query=f"?lang={lang}", bypass_csp=True):
        assert page.locator("html").get_attribute("lang") == ("en" if lang == "en" else "zh-CN")
        results = axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_22_AA}})
        problems = [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in results.response["violations"]]
        if problems:
            found[name] = problems
    assert found == {}
