"""RFC 9457 problem details: one place where every error becomes `application/problem+json`."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import structlog
from flask import Flask, Response, current_app, json, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException, InternalServerError

from shared.i18n import translate_message
from shared.refusals import (
    Conflict,
    DomainError,
    Forbidden,
    IllegalTransition,
    NotFound,
    Refused,
    StaleVersion,
    Text,
    Violation,
)

PROBLEM_MIME = "application/problem+json"
TYPE_BASE = "urn:offcampus:problem:"

log = structlog.get_logger(__name__)

# Titles a person reads; the `type` and `code` beside them never change with the language.
_TITLES = {
    400: _l("Bad request"),
    401: _l("Authentication required"),
    403: _l("Not allowed"),
    404: _l("Not found"),
    405: _l("Method not allowed"),
    406: _l("Not acceptable"),
    409: _l("Conflict"),
    412: _l("Precondition failed"),
    413: _l("Request body too large"),
    415: _l("Unsupported media type"),
    422: _l("Invalid input"),
    428: _l("Precondition required"),
    429: _l("Too many requests"),
    500: _l("Internal error"),
    503: _l("Service unavailable"),
}


# marshmallow's fixed messages, so a field error reads in the request's language too
_FIELD_MESSAGES = (
    _l("Missing data for required field."), _l("Field may not be null."), _l("Invalid value."),
    _l("Not a valid string."), _l("Not a valid utf-8 string."), _l("Not a valid number."), _l("Number too large."),
    _l("Not a valid integer."), _l("Not a valid date."), _l("Not a valid datetime."), _l("Not a valid boolean."),
    _l("Not a valid list."), _l("Not a valid mapping type."), _l("Not a valid time."), _l("Not a valid email address."),
    _l("Invalid input type."), _l("Unknown field."), _l("Not a valid period of time."),
    _l("Special numeric values (nan or infinity) are not permitted."), _l("Invalid JSON body."),
)


def _translated(message: str) -> str:
    return translate_message(message) if message else message


def problem(status: int, *, code: str, detail: str | None = None, headers: dict | None = None,
            **extra: Any) -> Response:
    """Build a problem+json response."""
    body: dict[str, Any] = {
        "type": TYPE_BASE + code,
        "title": str(_TITLES.get(status, _l("Error"))),
        "status": status,
        "code": code,
    }
    if detail:
        body["detail"] = str(detail)
    try:
        body["instance"] = request.path
    except RuntimeError:  # outside a request
        pass
    body.update({k: v for k, v in extra.items() if v is not None})
    response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM_MIME)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def field_errors(messages: Any, location: str | None = None, prefix: str = "") -> list[dict[str, Any]]:
    """Flatten marshmallow/webargs error messages into a list naming each bad field."""
    found: list[dict[str, Any]] = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            if location is None and key in ("json", "json_or_form", "query", "form", "headers", "files",
                                            "path", "view_args"):
                found.extend(field_errors(value, location=key))
                continue
            name = f"{prefix}.{key}" if prefix else str(key)
            if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
                found.append({"field": name, "location": location or "json",
                              "messages": [_translated(m) for m in value]})
            else:
                found.extend(field_errors(value, location=location, prefix=name))
    elif isinstance(messages, list | tuple):
        found.append({"field": prefix or "_schema", "location": location or "json",
                      "messages": [str(m) for m in messages]})
    elif messages:
        found.append({"field": prefix or "_schema", "location": location or "json", "messages": [str(messages)]})
    return found


def _http_error(error: HTTPException) -> Response:
    status = error.code or 500
    if status >= 500:
        return _unhandled(error)
    data = getattr(error, "data", None) or {}
    headers = dict(data.get("headers") or {})
    messages = data.get("errors") or data.get("messages")
    if status == 400 and messages:
        code = "malformed_body"  # webargs answers 400 only when the body is not parseable JSON
    elif messages:
        code = "validation_failed"
    else:
        code = _CODES.get(status, f"http_{status}")
    detail = data.get("message")
    if not detail and status != 422:
        # werkzeug's own sentence for the status is English only: the kit's, in the request's language, instead
        stock = error.description == type(error).description and status in _DETAILS
        detail = str(_DETAILS[status]) if stock else error.description
    if messages and status == 422:
        detail = detail or _("Some fields are invalid; see errors.")
    if status == 405 and hasattr(error, "valid_methods") and error.valid_methods:
        headers["Allow"] = ", ".join(error.valid_methods)
    return problem(status, code=code, detail=detail, headers=headers,
                   errors=field_errors(messages) if messages else None)


# What a person reads where werkzeug would answer its stock English sentence (routing, size limits, media types)
_DETAILS = {
    400: _l("The request could not be understood."),
    404: _l("Nothing is at this address; check the address against the API's documentation."),
    405: _l("This address does not answer this method; the Allow header lists those it answers."),
    406: _l("This address cannot answer in any of the media types the request accepts."),
    413: _l("The request's body is larger than this service takes."),
    415: _l("This address does not take a body of this media type."),
}

_CODES = {
    400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
    406: "not_acceptable", 409: "conflict", 412: "precondition_failed", 413: "body_too_large",
    415: "unsupported_media_type", 422: "validation_failed", 428: "precondition_required",
}


# The status of each kind of domain error; a service's own subclasses answer as their kit class does.
STATUS_OF: dict[type[DomainError], int] = {
    IllegalTransition: 409, Refused: 422, NotFound: 404, Forbidden: 403, Conflict: 409, StaleVersion: 412,
    DomainError: 400,
}
ViolationText = Callable[[Violation, Callable[[str], str]], str]
_VIOLATION_TEXTS = "offcampus.violation_texts"


def explain_violations_with(app: Flask, render: ViolationText) -> None:
    """Say how the service words a violation: `render(violation, gettext)` gives the sentence a person reads."""
    app.extensions[_VIOLATION_TEXTS] = render


@contextmanager
def fields_under(prefix: str) -> Iterator[None]:
    """Name the fields of a refusal raised inside under `prefix` (a body that nests what the use case got)."""
    try:
        yield
    except Refused as refusal:
        refusal.prefix = prefix
        raise


def status_of(error: DomainError) -> int:
    """The HTTP status a domain error answers with: that of its nearest kit class."""
    return next(STATUS_OF[kind] for kind in type(error).__mro__ if kind in STATUS_OF)


def _text(message: str, params: Mapping[str, Any]) -> str:
    text = _(message)
    try:
        return text % params if params else text
    except (KeyError, TypeError, ValueError):  # a translation that lost a placeholder still reads
        return text


def _render(violations: list[Violation]) -> list[dict[str, Any]]:
    render = current_app.extensions.get(_VIOLATION_TEXTS) or (lambda violation, gettext: gettext(violation.code))
    return [{**violation.as_dict(), "message": render(violation, _)} for violation in violations]


def _shown(value: Any) -> Any:
    """A fact as the answer carries it: texts in the reader's language, violations rendered."""
    if isinstance(value, Text):
        return _text(value.message, {k: _shown(v) for k, v in value.params.items()})
    if isinstance(value, list | tuple) and value and all(isinstance(v, Violation) for v in value):
        return _render(list(value))
    return value


def domain_problem(error: DomainError) -> Response:
    """The problem+json answer for a domain error: status by class, stable code, detail, each fact.

    A refusal lists its violations twice: `violations` (code, item, params, message, field) and the kit's
    `errors` (field, location, messages), so a client reading either shape finds each field named; an
    illegal transition lists `violations` only (the state refused it, not a field).
    """
    facts = {name: _shown(value) for name, value in error.facts.items()}
    extra: dict[str, Any] = {}
    detail = _text(error.message, facts) if error.message else None
    if isinstance(error, Refused):
        violations = [{**rendered, "field": error.field_of(violation)} for violation, rendered in
                      zip(error.violations, _render(error.violations), strict=True)]
        extra = {"violations": violations}
        if not isinstance(error, IllegalTransition):  # the state is at fault there, not a field of the request
            by_field: dict[str, list[str]] = {}
            for violation in violations:
                by_field.setdefault(violation["field"], []).append(violation["message"])
            extra["errors"] = [{"field": name, "location": "json", "messages": messages}
                               for name, messages in by_field.items()]
        detail = detail or " ".join(v["message"] for v in violations)
    return problem(status_of(error), code=error.code, detail=detail, **facts, **extra)


def _unhandled(error: Exception) -> Response:
    original = getattr(error, "original_exception", None) or error
    if isinstance(error, InternalServerError) or not isinstance(error, HTTPException):
        log.error("unhandled_exception", exc_info=original)
    return problem(500, code="internal_error",
                   detail=_("Something went wrong on our side. Quote the request id when reporting it."),
                   request_id=getattr(request, "request_id", None))


def _database_unavailable(error: Exception) -> Response:
    if not getattr(error, "connection_invalidated", False) and not isinstance(error, sa_exc.OperationalError):
        return _unhandled(error)
    log.warning("database_unavailable", error=error.__class__.__name__)
    return problem(503, code="database_unavailable", headers={"Retry-After": "1"},
                   detail=_("The database is not reachable right now; try again in a moment."))


def install_error_handlers(app: Flask) -> None:
    """Make every error leave the app as problem+json, with no stack trace to the client."""
    app.register_error_handler(sa_exc.DBAPIError, _database_unavailable)
    app.register_error_handler(DomainError, domain_problem)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unhandled)
