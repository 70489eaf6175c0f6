"""The registry's domain refusals as problem+json: one stable code each, the field it concerns, a sentence."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from flask_babel import gettext

from services.registry.domain import (
    FilingRejected,
    IllegalTransition,
    InvalidInstitution,
    RegistryRefusal,
    Violation,
    render_all,
    state_label,
)
from shared.errors import Conflict, DomainError, Unprocessable, problem

# violations the domain raises without naming an element: the field of the request they concern
_FIELDS = {
    "transition.occurred_in_future": "occurred_on",
    "transition.occurred_before_previous": "occurred_on",
    "transition.reason_required": "reason",
    "transition.deadline_not_after": "deadline",
    "transition.subject_group_required": "subject_group",
    "licence.required": "licence",
    "licence.registration_kind": "licence.registration.kind",
    "licence.business_licence_for_discipline": "licence.registration.kind",
}
_HALF_FIELDS = {"licence.number_required": "number", "licence.valid_until_before_issued": "valid_until",
                "licence.expired": "valid_until"}
_ARGUMENT = re.compile(r"'(\w+)'")


def field_of(violation: Violation, prefix: str = "") -> str:
    """The request field a violation is about, e.g. `credit_code` or `data.licence.registration.number`."""
    if violation.item:
        return prefix + violation.item
    code, params = violation.code, violation.params
    if code in _HALF_FIELDS:
        half = "school_running_licence" if params.get("kind") == "school_running_licence" else "registration"
        return f"{prefix}licence.{half}.{_HALF_FIELDS[code]}"
    if code == "transition.bad_data":  # the domain names the missing or unexpected argument in its detail
        found = _ARGUMENT.search(str(params.get("detail", "")))
        return prefix + found.group(1) if found else prefix.rstrip(".") or "_schema"
    return prefix + _FIELDS[code] if code in _FIELDS else prefix.rstrip(".") or "_schema"


def as_problem(refusal: RegistryRefusal, prefix: str = "") -> DomainError:
    """The kit's error for a domain refusal: 409 for an illegal transition, else 422, each field named."""
    violations = [{**rendered, "field": field_of(violation, prefix)} for violation, rendered in
                  zip(refusal.violations, render_all(refusal.violations, gettext), strict=True)]
    detail = " ".join(v["message"] for v in violations)
    if isinstance(refusal, IllegalTransition):
        return Conflict(detail, code="transition.illegal", action=refusal.action,
                        current_state=refusal.current_state,
                        current_state_label=state_label(refusal.current_state, gettext),
                        allowed_actions=list(refusal.allowed_actions), violations=violations)
    # `errors` keeps the kit's shape (field, location, messages); `violations` adds each stable code
    errors: list[dict[str, Any]] = [{"field": v["field"], "location": "json", "messages": [v["message"]]}
                                    for v in violations]
    code = {InvalidInstitution: "institution.invalid", FilingRejected: "filing.rejected"}.get(
        type(refusal), "transition.refused")
    return Unprocessable(detail, code=code, violations=violations, errors=errors)


@contextmanager
def refusals(prefix: str = "") -> Iterator[None]:
    """Turn a domain refusal raised inside into problem+json, naming fields under `prefix`."""
    try:
        yield
    except RegistryRefusal as refusal:
        raise as_problem(refusal, prefix) from None


def install_refusals(app: Flask) -> None:
    """Answer any domain refusal that reaches Flask as problem+json (views may name their fields first)."""

    def answer(refusal: RegistryRefusal):
        error = as_problem(refusal)
        return problem(error.status, code=error.code, detail=error.detail or None, **error.extra)

    app.register_error_handler(RegistryRefusal, answer)
