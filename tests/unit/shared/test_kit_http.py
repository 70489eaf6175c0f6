"""What a client of any offcampus service sees from the kit: auth, problem+json, ids, languages, idempotency."""

import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

PROBLEM = "application/problem+json"


def auth(t):
    return {"Authorization": f"Bearer {t}"}


def english(token):
    return {**auth(token()), "Accept-Language": "en"}


def test_whoami_echoes_the_callers_claims(client, token):
    response = client.get("/v1/whoami", headers=auth(token("clerk", "leader", town="城关镇")))
    assert response.status_code == 200
    assert response.json == {"sub": "u1", "dept": "education", "roles": ["clerk", "leader"],
                             "aud": ["registry", "inspection", "complaints", "reporting"],
                             "town": "城关镇", "service": "registry"}


def test_missing_token_is_401_problem_with_bearer_challenge(client):
    response = client.get("/v1/whoami")
    assert response.status_code == 401
    assert response.mimetype == PROBLEM
    assert response.json["code"] == "token_missing"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_expired_token_is_401(client, kit_settings):
    claims = {"sub": "u", "dept": "education", "roles": ["clerk"], "aud": ["registry"],
              "iat": int(time.time()) - 7200, "exp": int(time.time()) - 3600}
    bad = jwt.encode(claims, kit_settings.jwt_secret, algorithm="HS256")
    response = client.get("/v1/whoami", headers=auth(bad))
    assert response.status_code == 401 and response.json["code"] == "token_expired"


def test_forged_token_is_401(client):
    claims = {"sub": "u", "dept": "education", "roles": ["admin"], "aud": ["registry"],
              "exp": int(time.time()) + 3600}
    forged = jwt.encode(claims, "another-secret-of-sufficient-length-000000", algorithm="HS256")
    response = client.get("/v1/whoami", headers=auth(forged))
    assert response.status_code == 401 and response.json["code"] == "token_invalid"


def test_token_for_another_service_is_401(client, token):
    response = client.get("/v1/whoami", headers=auth(token("clerk", aud=["complaints"])))
    assert response.status_code == 401 and response.json["code"] == "token_wrong_audience"


def test_token_signed_with_another_algorithm_is_401(client, kit_settings):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    claims = {"sub": "u", "dept": "education", "roles": ["clerk"], "aud": ["registry"],
              "exp": int(time.time()) + 3600}
    response = client.get("/v1/whoami", headers=auth(jwt.encode(claims, pem, algorithm="RS256")))
    assert response.status_code == 401 and response.json["code"] == "token_wrong_algorithm"


def test_unsigned_token_is_refused(client):
    claims = {"sub": "u", "dept": "education", "roles": ["admin"], "aud": ["registry"],
              "exp": int(time.time()) + 3600}
    response = client.get("/v1/whoami", headers=auth(jwt.encode(claims, None, algorithm="none")))
    assert response.status_code == 401


def test_wrong_role_is_403_naming_the_roles_needed(client, token):
    response = client.post("/v1/things", json={"name": "a", "count": 1}, headers=auth(token("desk")))
    assert response.status_code == 403
    assert response.mimetype == PROBLEM
    assert response.json["required_roles"] == ["clerk"]


def test_auth_runs_before_body_validation(client):
    response = client.post("/v1/things", data="{not json", content_type="application/json")
    assert response.status_code == 401


def test_public_route_needs_no_token(client):
    assert client.get("/v1/things/public").status_code == 200


def test_health_and_docs_need_no_token(client):
    assert client.get("/healthz").json["status"] == "ok"
    assert client.get("/openapi.json").status_code == 200
    docs = client.get("/docs")
    assert docs.status_code == 200 and b"/docs/assets/swagger-ui-bundle.js" in docs.data
    asset = client.get("/docs/assets/swagger-ui-bundle.js")
    assert asset.status_code == 200 and len(asset.data) > 100_000


def test_unknown_and_missing_fields_are_each_named(client, token):
    response = client.post("/v1/things", json={"name": "a", "colour": "red"}, headers=auth(token()))
    assert response.status_code == 422
    assert response.mimetype == PROBLEM
    fields = {e["field"]: e["messages"] for e in response.json["errors"]}
    assert set(fields) == {"colour", "count"}


def test_wrong_type_is_422_naming_the_field(client, token):
    response = client.post("/v1/things", json={"name": "a", "count": "many"}, headers=auth(token()))
    assert response.status_code == 422
    assert [e["field"] for e in response.json["errors"]] == ["count"]


def test_malformed_json_is_400_problem(client, token):
    response = client.post("/v1/things", data='{"name": ', content_type="application/json",
                           headers=auth(token()))
    assert response.status_code == 400
    assert response.mimetype == PROBLEM and response.json["code"] == "malformed_body"


def test_body_over_the_limit_is_413_problem(client, token):
    response = client.post("/v1/things", json={"name": "x" * 5000, "count": 1}, headers=auth(token()))
    assert response.status_code == 413
    assert response.mimetype == PROBLEM


def test_unknown_path_and_wrong_method_are_problems(client, token):
    missing = client.get("/v1/nothing-here", headers=auth(token()))
    assert missing.status_code == 404 and missing.mimetype == PROBLEM
    wrong = client.delete("/v1/things", headers=auth(token()))
    assert wrong.status_code == 405 and wrong.mimetype == PROBLEM
    assert "POST" in wrong.headers["Allow"]


def test_unhandled_error_is_500_problem_without_internals(client, token):
    response = client.get("/v1/things/boom", headers=auth(token()))
    assert response.status_code == 500
    assert response.mimetype == PROBLEM
    assert b"secret internal detail" not in response.data
    assert b"Traceback" not in response.data
    assert response.json["request_id"] == response.headers["X-Request-ID"]


def test_request_and_correlation_ids_are_returned(client):
    response = client.get("/healthz", headers={"X-Request-ID": "req-1", "X-Correlation-ID": "case-42"})
    assert response.headers["X-Request-ID"] == "req-1"
    assert response.headers["X-Correlation-ID"] == "case-42"
    fresh = client.get("/healthz")
    assert len(fresh.headers["X-Request-ID"]) == 32
    assert fresh.headers["X-Correlation-ID"] == fresh.headers["X-Request-ID"]


def test_errors_are_chinese_by_default_and_english_on_request(client):
    zh = client.get("/v1/whoami")
    en = client.get("/v1/whoami", headers={"Accept-Language": "en"})
    assert zh.json["title"] == "需要身份认证"
    assert en.json["title"] == "Authentication required"
    assert zh.json["code"] == en.json["code"] == "token_missing"


def test_idempotency_key_replays_the_same_answer_once(client, token, kit_app):
    from tests.unit.shared import kit_app as module

    headers = {**auth(token()), "Idempotency-Key": "k-1"}
    first = client.post("/v1/things", json={"name": "a", "count": 1}, headers=headers)
    second = client.post("/v1/things", json={"name": "a", "count": 1}, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json == second.json
    assert second.headers["Idempotent-Replayed"] == "true"
    assert len(module.created) == 1
    other = client.post("/v1/things", json={"name": "b", "count": 1}, headers=headers)
    assert other.status_code == 422 and other.json["code"] == "idempotency_key_reused"


def stored_rows(kit_app):
    import sqlalchemy as sa

    from tests.unit.shared import kit_app as module

    with kit_app.extensions["offcampus.db"].engine.connect() as conn:
        return conn.execute(sa.select(module.metadata.tables["idempotency_keys"])).all()


def test_idempotency_keys_of_a_long_caller_never_collide(client, token, kit_app):
    long_sub = "s" * 400  # caller, path and key once cut at 300 characters: every key of this caller met
    first = client.post("/v1/things", json={"name": "a", "count": 1},
                        headers={**auth(token(sub=long_sub)), "Idempotency-Key": "first"})
    second = client.post("/v1/things", json={"name": "a", "count": 1},
                         headers={**auth(token(sub=long_sub)), "Idempotency-Key": "second"})
    assert first.status_code == second.status_code == 201
    assert "Idempotent-Replayed" not in second.headers and first.json["id"] != second.json["id"]
    assert sorted(len(row.scope) for row in stored_rows(kit_app)) == [64, 64]


def test_a_stored_answer_holds_no_plaintext_and_replays_only_with_its_key(client, token, kit_app):
    body = {"name": "举报人张三 13800138000", "count": 7}
    headers = {**auth(token()), "Idempotency-Key": "7f9c2ba4-e88f-4c2b-a1d3-0b6d1e6ad9a1"}
    first = client.post("/v1/things", json=body, headers=headers)
    (row,) = stored_rows(kit_app)
    assert row.status == 201
    for plain in (first.data, "张三".encode(), b"13800138000", b'"count"', b"7f9c2ba4"):
        assert plain not in row.body and plain.decode() not in row.scope + row.fingerprint
    replayed = client.post("/v1/things", json=body, headers=headers)
    assert replayed.headers["Idempotent-Replayed"] == "true" and replayed.data == first.data


def test_openapi_declares_bearer_auth_and_its_answers(client):
    spec = client.get("/openapi.json").json
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    post = spec["paths"]["/v1/things"]["post"]
    assert post["security"] == [{"bearerAuth": []}]
    assert {"401", "403", "422"} <= set(post["responses"])
    assert "security" not in spec["paths"]["/v1/things/public"]["get"]


def test_metrics_count_requests(client):
    client.get("/healthz")
    client.get("/v1/things/public")
    body = client.get("/metrics").data.decode()
    assert "flask_http_request_total" in body
    assert 'service="registry"' in body


def test_readyz_names_what_is_down(tmp_path):
    from shared.app import create_app
    from shared.config import Settings
    from shared.db import Database
    from tests.unit.shared import kit_app as module

    database = Database(f"sqlite:///{tmp_path / 'r.sqlite3'}")
    settings = Settings(env="test", jwt_secret="x" * 40, amqp_url="amqp://guest:guest@127.0.0.1:1//")
    app = create_app(module.SPEC, settings=settings, database=database, testing=True)
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.mimetype == PROBLEM
    assert response.json["checks"]["database"] == "ok"
    assert response.json["checks"]["broker"].startswith("down")
    assert "broker" in response.json["detail"]


def test_readyz_is_ready_when_the_database_answers(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json["checks"] == {"database": "ok"}


def test_text_a_database_cannot_store_is_refused_per_field(client, token):
    body = {"name": "bad\u0000name", "count": 1}
    response = client.post("/v1/things", json=body, headers=auth(token()))
    assert response.status_code == 422
    assert [e["field"] for e in response.json["errors"]] == ["name"]
    surrogate = client.post("/v1/things", data='{"name": "x\\ud800", "count": 1}',
                            content_type="application/json", headers=auth(token()))
    assert surrogate.status_code == 422
    query = client.get("/v1/things/public?q=a%00b")
    assert query.status_code == 422
    assert query.json["errors"][0]["field"] == "q" and query.json["errors"][0]["location"] == "query"


def test_field_errors_read_in_the_requests_language(client, token):
    zh = client.post("/v1/things", json={"name": "a"}, headers=auth(token()))
    en = client.post("/v1/things", json={"name": "a"}, headers={**auth(token()), "Accept-Language": "en"})
    assert zh.json["errors"][0]["messages"] == ["缺少必填字段。"]
    assert en.json["errors"][0]["messages"] == ["Missing data for required field."]


def test_a_remembered_token_is_refused_once_it_expires(tmp_path, kit_settings):
    # accepted within the 30 s clock-skew leeway, remembered, then refused when the service's clock moves on
    import datetime as dt

    from shared.app import create_app
    from shared.clock import FixedClock
    from shared.db import Database
    from tests.unit.shared import kit_app as module

    clock = FixedClock(dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC))
    database = Database(f"sqlite:///{tmp_path / 'clock.sqlite3'}")
    client = create_app(module.SPEC, settings=kit_settings, database=database, testing=True,
                        clock=clock).test_client()
    now = clock.now().timestamp()
    claims = {"sub": "u", "dept": "education", "roles": ["clerk"], "aud": ["registry"],
              "iat": int(now) - 3600, "exp": int(now) - 29}
    almost = jwt.encode(claims, kit_settings.jwt_secret, algorithm="HS256")
    assert client.get("/v1/whoami", headers=auth(almost)).status_code == 200
    clock.advance(dt.timedelta(seconds=2))
    response = client.get("/v1/whoami", headers=auth(almost))
    assert response.status_code == 401 and response.json["code"] == "token_expired"
    database.dispose()


def test_every_log_line_of_a_request_carries_its_ids(client, token, capsys):
    import json as jsonlib

    capsys.readouterr()
    client.get("/v1/things/boom", headers={**auth(token()), "X-Request-ID": "r-77", "X-Correlation-ID": "c-9"})
    lines = [jsonlib.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    assert {line["event"] for line in lines} >= {"unhandled_exception", "request"}
    for line in lines:
        assert line["request_id"] == "r-77" and line["correlation_id"] == "c-9" and line["service"] == "registry"
    crash = next(line for line in lines if line["event"] == "unhandled_exception")
    assert "secret internal detail" in crash["exception"]  # the full trace goes to the log, not the client


def test_a_lang_link_outranks_the_browsers_language(client):
    response = client.get("/v1/whoami?lang=en", headers={"Accept-Language": "zh-CN"})
    assert response.json["title"] == "Authentication required"
    assert client.get("/v1/whoami?lang=zh", headers={"Accept-Language": "en"}).json["title"] == "需要身份认证"


def test_path_ids_take_ascii_digits_only(client, token):
    headers = {"Authorization": f"Bearer {token('clerk')}"}
    assert client.get("/v1/things/3", headers=headers).status_code == 200
    for other_script in ("３", "٣", "३"):  # fullwidth, Arabic-Indic, Devanagari three
        answer = client.get(f"/v1/things/{other_script}", headers=headers)
        assert answer.status_code == 404 and answer.mimetype == "application/problem+json"


def test_head_is_authorized_like_get(client, token):
    assert client.head("/v1/things/3").status_code == 401
    assert client.head("/v1/things/3", headers={"Authorization": f"Bearer {token('desk')}"}).status_code == 403
    answer = client.head("/v1/things/3", headers={"Authorization": f"Bearer {token('clerk')}"})
    assert answer.status_code == 200 and answer.data == b""


def test_options_answers_only_allow_to_anyone(client):
    answer = client.options("/v1/things/3")
    assert answer.status_code == 200 and answer.data == b""
    assert set(answer.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}


@pytest.mark.parametrize("name", ["\u200b", "\ufeff\u200d", "\u202e\u202c", "\u2066\u2069", "\x07", " \u3000 "])
def test_a_name_with_nothing_visible_is_refused_naming_the_field(client, token, name):
    answer = client.post("/v1/things", json={"name": name, "count": 1}, headers=english(token))
    assert answer.status_code == 422 and answer.mimetype == "application/problem+json"
    assert answer.json["errors"] == [{"field": "name", "location": "json",
                                      "messages": ["Text must contain at least one visible character."]}]


def test_a_name_with_an_invisible_character_inside_visible_text_is_kept(client, token):
    answer = client.post("/v1/things", json={"name": "启明\u200b学校", "count": 1}, headers=english(token))
    assert answer.status_code == 201


@pytest.mark.parametrize("body", ["[" * 1000 + "]" * 1000, '{"":' * 400 + "1" + "}" * 400,
                                  '{"name": "x", "count": ' + "[" * 40 + "]" * 40 + "}"])
def test_deeply_nested_json_is_a_422_problem_not_a_500(client, token, body):
    answer = client.post("/v1/things", data=body, content_type="application/json", headers=english(token))
    assert answer.status_code == 422 and answer.mimetype == "application/problem+json"
    assert answer.json["errors"][0]["messages"] == ["The JSON body is nested too deeply."]


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml"])
def test_an_endpoint_reading_json_answers_415_to_another_media_type(client, token, content_type):
    answer = client.post("/v1/things", data='{"name": "x", "count": 1}', content_type=content_type,
                         headers=english(token))
    assert answer.status_code == 415 and answer.json["code"] == "unsupported_media_type"


def test_an_endpoint_declaring_form_input_accepts_a_form(client, token):
    answer = client.post("/v1/things/by-form", data={"name": "表单", "count": "2"}, headers=english(token))
    assert answer.status_code == 201 and answer.json["name"] == "表单"
    answer = client.post("/v1/things/by-form", data={"name": "\u200b", "count": "2"}, headers=english(token))
    assert answer.status_code == 422 and answer.json["errors"][0]["field"] == "name"


def test_marshmallow_messages_with_values_read_in_chinese(client, token):
    answer = client.post("/v1/things", json={"name": "x" * 51, "count": -1}, headers=auth(token()))
    messages = {e["field"]: e["messages"] for e in answer.json["errors"]}
    assert messages == {"name": ["长度必须在 1 到 50 之间。"], "count": ["必须大于或等于 0。"]}
    english_answer = client.post("/v1/things", json={"name": "", "count": -1}, headers=english(token))
    messages = {e["field"]: e["messages"] for e in english_answer.json["errors"]}
    assert messages == {"name": ["Length must be between 1 and 50."], "count": ["Must be greater than or equal to 0."]}


@pytest.mark.parametrize(("message", "chinese"), [
    ("Must be greater than or equal to 2 and less than or equal to 50.", "必须大于或等于 2 且小于或等于 50。"),
    ("Must be greater than 0 and less than 10.", "必须大于 0 且小于 10。"),
    ("Must be greater than or equal to 2.", "必须大于或等于 2。")])
def test_a_range_with_both_bounds_reads_wholly_in_chinese(client, message, chinese):
    from shared.i18n import translate_message

    with client.application.test_request_context("/v1/things", headers={"Accept-Language": "zh-CN"}):
        assert translate_message(message) == chinese


def test_the_kit_translates_the_library_templates_as_the_libraries_word_them():
    import marshmallow.validate as v

    from shared.i18n import LIBRARY_TEMPLATES

    ops = {"gte": v.Range.message_gte, "gt": v.Range.message_gt, "lte": v.Range.message_lte, "lt": v.Range.message_lt}
    worded = {v.Length.message_min, v.Length.message_max, v.Length.message_all, v.Length.message_equal,
              v.OneOf.default_message, v.Equal.default_message, v.ContainsOnly.default_message,
              v.ContainsNoneOf.default_message}
    worded |= {v.Range.message_min.format(min_op=ops[o]) for o in ("gte", "gt")}
    worded |= {v.Range.message_max.format(max_op=ops[o]) for o in ("lte", "lt")}
    worded |= {v.Range.message_all.format(min_op=ops[a], max_op=ops[b]) for a in ("gte", "gt") for b in ("lte", "lt")}
    assert worded == set(LIBRARY_TEMPLATES)


def test_answers_carry_security_headers_and_docs_allow_only_their_own_inline_script(client):
    api = client.get("/healthz")
    assert api.headers["X-Content-Type-Options"] == "nosniff" and api.headers["Referrer-Policy"] == "same-origin"
    assert api.headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    docs = client.get("/docs")
    policy = docs.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy and "'unsafe-inline'" not in policy
    assert policy.count("'sha256-") == docs.data.count(b"<script>") == 1


def test_the_embedded_web_server_names_no_software(kit_app):
    import threading
    import urllib.request

    from werkzeug.serving import make_server

    from shared.headers import QuietRequestHandler

    server = make_server("127.0.0.1", 0, kit_app, threaded=True, request_handler=QuietRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{server.server_port}/healthz", timeout=5) as answer:  # noqa: S310
            assert answer.headers.get_all("Server") == ["offcampus"]
    finally:
        server.shutdown()
        thread.join(5)


def test_openapi_documents_every_error_as_problem_json(client):
    responses = client.get("/openapi.json").json["components"]["responses"]
    for name in ("UNPROCESSABLE_ENTITY", "DEFAULT_ERROR", "Unauthenticated", "Forbidden"):
        assert set(responses[name]["content"]) == {PROBLEM}, name
        assert responses[name]["content"][PROBLEM]["schema"] == {"$ref": "#/components/schemas/Problem"}


def test_field_errors_of_a_json_or_form_body_name_the_field_itself():
    from shared.errors import field_errors

    assert field_errors({"json_or_form": {"lat": ["Not a valid number."]}}) == [
        {"field": "lat", "location": "json_or_form", "messages": ["Not a valid number."]}]
