"""The app factory every service uses: one way to build, document, secure and observe a Flask service."""

from __future__ import annotations

import re
from typing import Any

import marshmallow as ma
from apispec import BasePlugin
from flask import Flask, jsonify, send_from_directory
from flask_smorest import Api
from swagger_ui_bundle import swagger_ui_path
from werkzeug.routing import IntegerConverter, UnicodeConverter

from shared import county
from shared.audit import install_audit
from shared.auth import install_auth
from shared.clock import EXTENSION as CLOCK
from shared.clock import Clock, configured_clock
from shared.config import Settings
from shared.console import install_console
from shared.db import Database, install_session
from shared.errors import PROBLEM_MIME, install_error_handlers, problem
from shared.headers import install_security_headers
from shared.i18n import install_i18n
from shared.idempotency import install_idempotency
from shared.index_page import install_index_page
from shared.observability import configure_logging, install_observability
from shared.service import ServiceSpec


class RowIdConverter(IntegerConverter):
    """A positive integer id that fits a 32-bit integer column, in ASCII digits only."""

    # werkzeug's `\d+` also matches other scripts' digits (`３`, `٣`), which int() reads as 3
    regex = r"[0-9]+"

    def __init__(self, url_map):
        super().__init__(url_map, min=1, max=2**31 - 1)


class TextConverter(UnicodeConverter):
    """The default `<name>` and `<string(…):name>` converter: one path segment with no control character (C0 or
    DEL). No id, code or name of the platform holds one, and PostgreSQL refuses a NUL in text with an error: such a
    path matches no route and is a 404 problem before any query runs, in every service."""

    def __init__(self, url_map, minlength: int = 1, maxlength: int | None = None, length: int | None = None):
        super().__init__(url_map, minlength, maxlength, length)
        self.regex = self.regex.replace("[^/]", _SEGMENT, 1)


_SEGMENT = "[^/\\x00-\\x1f\\x7f]"


def _text_schema(converter: TextConverter) -> dict:
    """How the OpenAPI document describes a text path parameter: its length bounds and no '/' or control character."""
    low, _, high = re.search(r"{([^}]*)}", converter.regex).group(1).partition(",")
    schema = {"type": "string", "minLength": int(low), "pattern": "^[^/\\u0000-\\u001f\\u007f]+$"}
    if not _ or high:  # {n} is exactly n, {n,m} at most m, {n,} unbounded
        schema["maxLength"] = int(high or low)
    return schema


PROBLEM_SCHEMA_REF = "#/components/schemas/Problem"  # apispec names ProblemSchema's component `Problem`


class FieldErrorSchema(ma.Schema):
    """One invalid field and what is wrong with it."""

    field = ma.fields.String(required=True)
    location = ma.fields.String()
    messages = ma.fields.List(ma.fields.String())


class ProblemSchema(ma.Schema):
    """RFC 9457 problem details, as every error of the platform is sent."""

    class Meta:
        unknown = ma.INCLUDE

    type = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
    status = ma.fields.Integer(required=True)
    code = ma.fields.String(required=True)
    detail = ma.fields.String()
    instance = ma.fields.String()
    errors = ma.fields.List(ma.fields.Nested(FieldErrorSchema))


class ProblemResponses(BasePlugin):
    """apispec plugin: flask-smorest's error responses documented as problem+json, as they are really sent."""

    def response_helper(self, response: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        """Move an error response's `application/json` content (our problem schema) to problem+json."""
        content = response.get("content") or {}
        schema = (content.get("application/json") or {}).get("schema")
        if isinstance(schema, dict) and schema.get("$ref") == PROBLEM_SCHEMA_REF:
            response["content"] = {PROBLEM_MIME: {"schema": schema}, **{
                media: value for media, value in content.items() if media != "application/json"}}
        return response


class PlatformApi(Api):
    """flask-smorest's Api whose documented error shape is the problem+json every error is sent in."""

    ERROR_SCHEMA = ProblemSchema

    def __init__(self, app: Flask, *, description: str = ""):
        super().__init__(app, spec_kwargs={"info": {"description": description},
                                           "extra_plugins": [ProblemResponses()]})
        schema = {"$ref": PROBLEM_SCHEMA_REF}
        self.spec.components.response(
            "Unauthenticated", {"description": "Missing, expired, forged or wrong-audience bearer token",
                                "content": {PROBLEM_MIME: {"schema": schema}}})
        self.spec.components.response(
            "Forbidden", {"description": "The token lacks a role this operation needs",
                          "content": {PROBLEM_MIME: {"schema": schema}}})


def create_app(spec: ServiceSpec, settings: Settings | None = None, database: Database | None = None,
               bus: Any | None = None, testing: bool = False, clock: Clock | None = None) -> Flask:
    """Build a service's WSGI app: config, logs, ids, auth, errors, i18n, metrics, db session, its API."""
    settings = settings or Settings.from_env()
    configure_logging(settings.log_level, settings.log_format)
    database = database or Database(settings.database_url(spec.name))
    app = Flask(spec.name)
    app.config.update(
        TESTING=testing,
        MAX_CONTENT_LENGTH=settings.max_body_bytes,
        API_TITLE=spec.title,
        API_VERSION=spec.version,
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="docs",
        OPENAPI_SWAGGER_UI_URL="/docs/assets/",
        JSON_AS_ASCII=False,
    )
    app.json.ensure_ascii = False
    # `<pk:…>` routes take database ids: an id no table can hold is simply not found, never a 500
    app.url_map.converters["pk"] = RowIdConverter
    app.url_map.converters["default"] = app.url_map.converters["string"] = TextConverter
    app.extensions["offcampus.settings"] = settings
    app.extensions["offcampus.spec"] = spec
    app.extensions["offcampus.bus"] = bus
    app.extensions[county.EXTENSION] = county.configured_county(settings.county_config, spec)
    app.extensions[CLOCK] = clock or configured_clock(settings)

    install_observability(app, spec.name)
    install_auth(app, settings, spec.name)
    install_i18n(app, settings.default_locale, spec.translations)
    install_session(app, database)
    install_idempotency(app, database, spec.idempotency_table, settings.idempotency_ttl_hours)
    install_audit(app, database, spec.metadata)
    install_security_headers(app)
    install_index_page(app)
    install_console(app, settings)  # /console: staff pages signed in through the county's provider

    api = PlatformApi(app, description=spec.description)
    api.register_converter(RowIdConverter, lambda _c: {"type": "integer", "minimum": 1, "maximum": 2**31 - 1})
    api.register_converter(TextConverter, _text_schema)
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"})
    install_error_handlers(app)
    _install_kit_routes(app, spec, settings, database)
    from shared import audit_api, kit_api

    api.register_blueprint(kit_api.blp)
    api.register_blueprint(audit_api.blp)
    spec.register_api(api, app)
    app.extensions["offcampus.api"] = api
    return app


def _install_kit_routes(app: Flask, spec: ServiceSpec, settings: Settings, database: Database) -> None:
    @app.get("/docs/assets/<path:filename>", endpoint="swagger_assets")
    def _swagger_assets(filename: str):
        return send_from_directory(swagger_ui_path, filename, max_age=86400)

    @app.get("/healthz", endpoint="healthz")
    def _healthz():
        return jsonify(status="ok", service=spec.name)

    @app.get("/readyz", endpoint="readyz")
    def _readyz():
        checks = {"database": _check(database.ping)}
        bus = app.extensions.get("offcampus.bus")
        if settings.amqp_url:
            checks["broker"] = _check(lambda: _ping_broker(settings.amqp_url))
        elif bus is not None:
            checks["broker"] = "ok"  # the in-memory bus lives in this process
        down = sorted(name for name, state in checks.items() if state != "ok")
        if down:
            return problem(503, code="not_ready", detail="down: " + ", ".join(down), checks=checks)
        return jsonify(status="ready", service=spec.name, checks=checks)


def _check(probe) -> str:
    try:
        probe()
        return "ok"
    except Exception as exc:  # a readiness probe reports, it never raises
        return f"down: {exc.__class__.__name__}"


def _ping_broker(url: str) -> None:
    from kombu import Connection

    with Connection(url, connect_timeout=2) as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
