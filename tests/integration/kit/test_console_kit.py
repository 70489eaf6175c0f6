"""The console kit on a real app: cookie flags by environment, the working day's limit, the provider being down,
sign-in refusals worded for the person, the console's headers, and bearer tokens opening no page."""

from __future__ import annotations

import time

import pytest

from shared.app import create_app
from shared.auth import mint_token
from shared.config import Settings
from shared.service import load_service
from shared.testing.apps import migrated_database
from shared.testing.console import sign_in
from shared.testing.processes import free_port

SECRET = "console-kit-secret-0123456789abcdef0123456789abcdef"  # noqa: S105


def _app(tmp_path, monkeypatch, env: str = "development", **environ: str):
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    spec = load_service("registry")
    settings = Settings(env=env, jwt_secret=SECRET, log_level="WARNING")
    database = migrated_database(spec, f"sqlite:///{tmp_path / 'registry.sqlite3'}").__enter__()
    return create_app(spec, settings=settings, database=database, testing=True)


def _set_cookie(answer) -> str:
    return next(v for k, v in answer.headers.items() if k == "Set-Cookie" and "offcampus_registry_console=" in v)


def test_outside_development_the_session_cookie_is_secure_and_named_for_the_service(tmp_path, monkeypatch):
    app = _app(tmp_path, monkeypatch, env="production", OFFCAMPUS_REGISTRY_CONSOLE_SECRET_KEY="k" * 40)
    client = app.test_client()
    sign_in(client, sub="c1", roles=["clerk"], dept="education", base_url="https://localhost")
    cookie = _set_cookie(client.get("/console/institutions", base_url="https://localhost"))
    assert "Secure" in cookie and "HttpOnly" in cookie and "Path=/console" in cookie and "SameSite=Lax" in cookie


def test_in_development_the_cookie_is_not_secure_so_plain_http_works(tmp_path, monkeypatch):
    client = _app(tmp_path, monkeypatch).test_client()
    sign_in(client, sub="c1", roles=["clerk"], dept="education")
    assert "Secure" not in _set_cookie(client.get("/console/institutions"))


def test_a_session_older_than_the_working_day_signs_in_again(tmp_path, monkeypatch):
    client = _app(tmp_path, monkeypatch).test_client()
    sign_in(client, sub="c1", roles=["clerk"], dept="education", since=time.time() - 8 * 3600 - 60)
    answer = client.get("/console/institutions")
    assert answer.status_code == 303 and "/console/login" in answer.headers["Location"]


def test_a_bearer_token_opens_no_console_page(tmp_path, monkeypatch):
    client = _app(tmp_path, monkeypatch).test_client()
    token = mint_token(Settings(jwt_secret=SECRET), sub="c1", dept="education", roles=["clerk"])
    answer = client.get("/console/institutions", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 303 and "/console/login" in answer.headers["Location"]


def test_the_provider_being_down_gives_a_clear_page_not_a_500(tmp_path, monkeypatch):
    closed = free_port()  # nobody listens there
    app = _app(tmp_path, monkeypatch, OFFCAMPUS_OIDC_ISSUER=f"http://127.0.0.1:{closed}",
               OFFCAMPUS_REGISTRY_OIDC_CLIENT_SECRET="s3cret")
    answer = app.test_client().get("/console/login", headers={"Accept-Language": "zh-CN"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 503 and answer.mimetype == "text/html"
    assert "暂时连不上县统一身份认证" in html


def test_sign_out_without_the_provider_still_ends_the_consoles_session(tmp_path, monkeypatch):
    closed = free_port()
    app = _app(tmp_path, monkeypatch, OFFCAMPUS_OIDC_ISSUER=f"http://127.0.0.1:{closed}",
               OFFCAMPUS_REGISTRY_OIDC_CLIENT_SECRET="s3cret")
    client = app.test_client()
    sign_in(client, sub="c1", roles=["clerk"], dept="education")
    html = client.get("/console/institutions").get_data(as_text=True)
    token = html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    client.post("/console/logout", data={"csrf_token": token})
    answer = client.get("/console/institutions")
    assert answer.status_code == 303  # signed out here, whatever the provider said


@pytest.mark.parametrize("lang, text", [("zh-CN", "此页面仅供"), ("en", "This screen is for")])
def test_another_roles_page_says_whose_it_is_in_the_readers_language(tmp_path, monkeypatch, lang, text):
    client = _app(tmp_path, monkeypatch).test_client()
    sign_in(client, sub="d1", roles=["desk"], dept="education")
    answer = client.get("/console/admin/audit", headers={"Accept-Language": lang})
    assert answer.status_code == 403 and text in answer.get_data(as_text=True)


def test_console_pages_carry_the_kits_headers(tmp_path, monkeypatch):
    client = _app(tmp_path, monkeypatch).test_client()
    sign_in(client, sub="a1", roles=["admin"])
    answer = client.get("/console/admin/audit")
    assert answer.headers["Cache-Control"] == "no-store"
    policy = answer.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy and "unsafe-inline" not in policy
    assert answer.headers["X-Content-Type-Options"] == "nosniff"


def test_the_admins_audit_page_shows_who_tried_a_refused_console_write(tmp_path, monkeypatch):
    app = _app(tmp_path, monkeypatch)
    desk = app.test_client()
    sign_in(desk, sub="desk-li", roles=["desk"], dept="education")
    assert desk.post("/console/admin/dead-letters/replay", data={}).status_code == 403
    admin = app.test_client()
    sign_in(admin, sub="admin-zhou", roles=["admin"])
    html = admin.get("/console/admin/audit?sub=desk-li").get_data(as_text=True)
    assert "/console/admin/dead-letters/replay" in html and "403" in html
    assert admin.get("/console/admin/bus").status_code == 200
    assert admin.get("/console/admin/dead-letters").status_code == 200


def test_an_api_answer_carries_nothing_of_the_console_and_a_console_post_still_needs_its_token(tmp_path, monkeypatch):
    app = _app(tmp_path, monkeypatch)
    client = app.test_client()
    sign_in(client, sub="a1", roles=["admin"])
    token = mint_token(Settings(jwt_secret=SECRET), sub="a1", dept="", roles=["admin"])
    for path in ("/v1/whoami", "/v1/audit"):
        answer = client.get(path, headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 200, path
        assert "Set-Cookie" not in answer.headers and answer.headers.get("Cache-Control") != "no-store"
        assert answer.headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    # a console page does get them, and a POST there without the page's token is refused
    page = client.get("/console/admin/dead-letters", headers={"Accept-Language": "en"})
    assert page.headers["Cache-Control"] == "no-store"
    assert "form-action 'self'" in page.headers["Content-Security-Policy"]
    for path in ("/console/admin/dead-letters/replay", "/console/logout"):
        refused = client.post(path, data={}, headers={"Accept-Language": "en"})
        assert refused.status_code == 400 and refused.headers["Cache-Control"] == "no-store", path
        assert "The form has expired" in refused.get_data(as_text=True), path
    token_field = page.get_data(as_text=True).split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    signed_out = client.post("/console/logout", data={"csrf_token": token_field})
    assert signed_out.status_code == 303 and client.get("/console/admin/audit").status_code == 303
