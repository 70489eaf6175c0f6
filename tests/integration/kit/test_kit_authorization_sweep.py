"""Every route of every service × every method it answers × every role, against what the route declares.

The routes come from each app's url_map, so a route added tomorrow is swept without touching this test.
"""

from __future__ import annotations

import pytest
from flask import Flask

from shared.app import create_app
from shared.auth import PUBLIC_ENDPOINTS, ROLES, declared_access, mint_token
from shared.config import Settings
from shared.service import load_service
from shared.testing.apps import migrated_database
from shared.testing.console import sign_in
from shared.testing.fixtures import fresh_schema

pytestmark = pytest.mark.integration

SETTINGS = Settings(env="test", jwt_secret="sweep-test-secret-0123456789abcdef0123456789", log_level="WARNING")
SERVICES = ("registry", "inspection", "complaints", "reporting")
NO_DEPARTMENT = ("admin", "integrator")
SIGN_IN = ("console.sign_in", "console.callback")  # public; they need the provider, which this test does not run


@pytest.fixture(scope="module", params=SERVICES)
def app(request, postgres_server_url):
    spec = load_service(request.param)
    with fresh_schema(postgres_server_url) as url, migrated_database(spec, url) as database:
        yield create_app(spec, settings=SETTINGS, database=database, testing=True)


def declared(app: Flask, endpoint: str, method: str) -> tuple[str, ...] | None:
    """What the route says of this method: HEAD is GET's, the kit's own paths and static files are public."""
    if endpoint in PUBLIC_ENDPOINTS or endpoint.endswith(".static"):
        return ("public",)
    view = app.view_functions[endpoint]
    view_class = getattr(view, "view_class", None)
    if view_class is None:
        return declared_access(view)
    name = method.lower()
    if name == "head" and not hasattr(view_class, "head"):
        name = "get"
    return declared_access(getattr(view_class, name))


def callers(service: str) -> dict[str, dict[str, str]]:
    """Headers of an anonymous caller and of one caller per role, each holding that role alone."""
    found = {"anonymous": {}}
    for role in ROLES:
        dept = "" if role in NO_DEPARTMENT else "education"
        token = mint_token(SETTINGS, sub=f"sweep-{role}", dept=dept, roles=[role], aud=[service])
        found[role] = {"Authorization": f"Bearer {token}"}
    return found


def expected(access: tuple[str, ...], caller: str) -> str:
    if access[0] == "console":  # a page for people: a bearer token opens nothing, a signed-out person signs in
        return "403" if caller in ROLES else "signed_out"
    if access[0] == "public":
        return "allowed"
    if caller == "anonymous":
        return "401"
    roles = access[1:]
    return "allowed" if not roles or caller in roles else "403"


def test_every_route_declares_who_may_call_each_method(app):
    silent = [(rule.rule, method) for rule in app.url_map.iter_rules()
              for method in sorted(rule.methods - {"OPTIONS"})
              if declared(app, rule.endpoint, method) is None]
    assert silent == []


def test_every_route_method_and_role_is_answered_as_declared(app):
    client = app.test_client()
    service = app.extensions["offcampus.spec"].name
    adapter = app.url_map.bind("localhost")
    wrong, swept = [], 0
    for rule in app.url_map.iter_rules():
        path = adapter.build(rule.endpoint, dict.fromkeys(rule.arguments, 1), append_unknown=False)
        for method in sorted(rule.methods - {"OPTIONS"}):
            access = declared(app, rule.endpoint, method)
            for caller, headers in callers(service).items():
                kwargs = {"json": {}} if method in ("POST", "PUT", "PATCH") else {}
                answer = client.open(path, method=method, headers=headers, **kwargs)
                swept += 1
                want = expected(access, caller)
                status = answer.status_code
                if access[0] == "console":
                    # with a bearer token or none, no session: GET goes to the sign-in, a write is refused
                    signed_out = (status == 303 and "/console/login" in answer.headers.get("Location", "")
                                  if method in ("GET", "HEAD") else status == 401)
                    if not signed_out:
                        wrong.append(f"{method} {path} as {caller} (bearer, no session): {status}")
                    continue
                ok = (status not in (401, 403) and status < 500) if want == "allowed" else str(status) == want
                if rule.endpoint in SIGN_IN and status == 503:
                    ok = "text/html" in answer.content_type  # no provider configured here: the page says so
                if want == "403" and ok and method != "HEAD":
                    ok = answer.get_json()["code"] == "forbidden"
                if not ok:
                    wrong.append(f"{method} {path} as {caller}: {status}, declared {access}")
    assert wrong == []
    assert swept > 50


def test_every_console_page_answers_each_signed_in_role_as_declared(app):
    """A signed-in person (a session, as after the provider's sign-in) reaches only their role's pages."""
    service = app.extensions["offcampus.spec"].name
    adapter = app.url_map.bind("localhost")
    wrong, swept = [], 0
    for rule in app.url_map.iter_rules():
        path = adapter.build(rule.endpoint, dict.fromkeys(rule.arguments, 1), append_unknown=False)
        for method in sorted(rule.methods - {"OPTIONS"}):
            access = declared(app, rule.endpoint, method)
            if access[0] != "console":
                continue
            for role in ROLES:
                if role == "integrator":
                    continue  # never a person's role: the sign-in drops it
                client = app.test_client()
                sign_in(client, sub=f"sweep-{role}", roles=[role], dept="" if role in NO_DEPARTMENT else "education",
                        service=service)
                answer = client.open(path, method=method, data={} if method == "POST" else None)
                swept += 1
                status = answer.status_code
                if role in access[1:]:
                    # allowed: anything but a refusal or a failure (a POST without its CSRF token is a 400 page)
                    ok = status not in (401, 403) and status < 500
                else:
                    ok = status == 403 and answer.mimetype == "text/html"
                if not ok:
                    wrong.append(f"{method} {path} as signed-in {role}: {status}, declared {access}")
    assert wrong == []
    assert swept >= 6


def test_options_answers_only_allow_to_anyone(app):
    client = app.test_client()
    service = app.extensions["offcampus.spec"].name
    adapter = app.url_map.bind("localhost")
    wrong = []
    for rule in app.url_map.iter_rules():
        path = adapter.build(rule.endpoint, dict.fromkeys(rule.arguments, 1), append_unknown=False)
        for caller, headers in callers(service).items():
            answer = client.options(path, headers=headers)
            allow = {m.strip() for m in answer.headers.get("Allow", "").split(",") if m.strip()}
            if answer.status_code != 200 or allow != set(rule.methods) or answer.data or "ETag" in answer.headers:
                wrong.append(f"OPTIONS {path} as {caller}: {answer.status_code} Allow={sorted(allow)} "
                             f"body={answer.data[:40]!r} etag={answer.headers.get('ETag')}")
    assert wrong == []


def test_every_json_reading_endpoint_refuses_deep_json_and_other_media_types(app):
    client = app.test_client()
    service = app.extensions["offcampus.spec"].name
    adapter = app.url_map.bind("localhost")
    deep = "[" * 1000 + "]" * 1000
    wrong, tried = [], 0
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/console"):
            continue  # the console's pages read forms, not JSON
        path = adapter.build(rule.endpoint, dict.fromkeys(rule.arguments, 1), append_unknown=False)
        for method in sorted(rule.methods & {"POST", "PUT", "PATCH"}):
            access = declared(app, rule.endpoint, method)
            caller = "anonymous" if access[0] == "public" or len(access) == 1 else access[1]
            headers = callers(service)[caller]
            tried += 1
            # Open311's paths answer errors in Open311's own form (ARCHITECTURE.md), JSON unless the path asks XML
            form = "application/json" if path.startswith("/open311/") else "application/problem+json"
            nested = client.open(path, method=method, data=deep, content_type="application/json", headers=headers)
            if nested.status_code not in (400, 422) or nested.mimetype != form:
                wrong.append(f"{method} {path} with 1,000 levels of JSON: {nested.status_code}")
            plain = client.open(path, method=method, data="{}", content_type="text/plain", headers=headers)
            if plain.status_code != 415 or plain.mimetype != form:
                wrong.append(f"{method} {path} with text/plain: {plain.status_code}")
    assert wrong == []
    assert tried or service != "registry"  # the others take no body yet
