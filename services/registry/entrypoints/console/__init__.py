"""The registry's console for clerks: find an institution, read its record, take the actions its state allows,
review what a new filing changed. Every page calls the service layer in-process as the signed-in clerk."""

from __future__ import annotations

import contextlib
import math
from pathlib import Path
from typing import Any

import marshmallow as ma
from flask import redirect, request, url_for
from flask_babel import get_translations, gettext
from flask_babel import lazy_gettext as _l

from services.registry.domain import lifecycle
from services.registry.domain.rule_texts import ACTION_LABELS, OTHER_LABELS, STATE_LABELS, yuan
from services.registry.entrypoints.schemas import ACTION_DATA
from services.registry.service_layer import filings, handlers, queries
from shared.auth import current_principal
from shared.clock import current_clock
from shared.console import ConsoleBlueprint, page
from shared.console.kit import input_errors
from shared.db import request_session, request_uow
from shared.refusals import Conflict, DomainError, NotFound, StaleVersion

HERE = Path(__file__).resolve().parent
PAGE_SIZE = 20
CLERKS = ("clerk",)
# the fields each action's form shows, in order: (form name, label, input type)
_OCCURRED = ("occurred_on", _l("When it happened"), "date")
_REASON = ("reason", _l("Reason"), "textarea")
_LICENCE = (("licence.school_running_licence.number", _l("School-running licence number"), "text"),
            ("licence.school_running_licence.issued_on", _l("School-running licence issued on"), "date"),
            ("licence.school_running_licence.valid_until", _l("School-running licence valid until"), "date"),
            ("licence.registration.kind", _l("Registration kind"), "kind"),
            ("licence.registration.number", _l("Registration number"), "text"),
            ("licence.registration.issued_on", _l("Registration issued on"), "date"),
            ("licence.registration.valid_until", _l("Registration valid until"), "date"))
ACTION_FIELDS: dict[str, tuple[tuple[str, Any, str], ...]] = {
    lifecycle.START_REVIEW: (_OCCURRED, _REASON),
    lifecycle.LICENSE: (*_LICENCE, _OCCURRED),
    lifecycle.RENEW_LICENCE: (*_LICENCE, _OCCURRED),
    lifecycle.ORDER_RECTIFICATION: (("deadline", _l("Deadline"), "date"), _REASON, _OCCURRED),
    lifecycle.CLOSE: (_REASON, _OCCURRED),
    lifecycle.CONVERT: (("subject_group", _l("New subject group"), "text"), _OCCURRED),
}
BAN_REASON = _l("A ban comes from an inspection case: resolve it under ban sanctions, not here.")

blp = ConsoleBlueprint("registry_console", __name__, template_folder="templates", translations=HERE / "translations")


def _label(table: dict, value: Any) -> str:
    return gettext(table[value]) if value in table else ("" if value is None else str(value))


def _helpers() -> dict[str, Any]:
    # one catalog for the whole page: Flask-Babel's gettext looks the locale and the catalog up again on each call
    catalog = get_translations()

    def label(table: dict, value: Any) -> str:
        return catalog.gettext(table[value]) if value in table else ("" if value is None else str(value))

    return {"state_label": lambda s: label(STATE_LABELS, s), "action_label": lambda a: label(ACTION_LABELS, a),
            "other_label": lambda v: label(OTHER_LABELS, v), "yuan": yuan, "states": lifecycle.STATES,
            "action_fields": ACTION_FIELDS}


def _page_number() -> int:
    with contextlib.suppress(ValueError):
        return min(max(int(request.args.get("page", "1")), 1), 100_000)
    return 1


@blp.screen("/institutions", roles=CLERKS, title=_l("Institutions"))
def institutions():
    """Search the registry's books by name, state and town (a town officer: their own town only)."""
    principal = current_principal()
    q = request.args.get("q", "").strip()[:100]
    state = request.args.get("state", "")
    state = state if state in lifecycle.STATES else None
    town = principal.town or (request.args.get("town", "").strip()[:100] or None)
    number = _page_number()
    items, total = queries.list_institutions(request_session(), page=number, page_size=PAGE_SIZE, state=state,
                                             town=town, q=q or None)
    return page("registry_console/institutions.html", items=items, total=total, q=q, state=state or "",
                town=town or "", page_number=number, pages=max(1, math.ceil(total / PAGE_SIZE)),
                town_fixed=bool(principal.town), **_helpers())


def _record(institution_id: int) -> dict[str, Any]:
    principal = current_principal()
    session = request_session()
    if principal.town:
        queries.confine_to_town(session, institution_id, principal.town)
    found = queries.institution_detail(session, institution_id)
    try:
        found["filing"] = filings.current_filing(session, institution_id)
    except NotFound:
        found["filing"] = None
    return found


def _record_page(institution_id: int, status: int = 200, **context: Any):
    try:
        found = _record(institution_id)
    except NotFound:
        return page("registry_console/not_found.html", 404, institution_id=institution_id)
    return page("registry_console/institution.html", status, institution=found,
                ban_reason=BAN_REASON, **{"values": {}, "errors": {}, "open_action": None, **context}, **_helpers())


@blp.screen("/institutions/<pk:institution_id>", roles=CLERKS)
def institution(institution_id: int):
    """The record: state, licence, filing, history, and the actions its state allows, each with why."""
    return _record_page(institution_id)


def _nested(form: dict[str, str], fields: tuple) -> dict[str, Any]:
    """The form's flat dotted names as the nested data the use case takes; empty fields left out."""
    data: dict[str, Any] = {}
    for name, _label_text, _kind in fields:
        value = form.get(name, "").strip()
        if not value:
            continue
        target = data
        *parents, leaf = name.split(".")
        for parent in parents:
            target = target.setdefault(parent, {})
        target[leaf] = value
    return data


@blp.screen("/institutions/<pk:institution_id>/actions/<action>", roles=CLERKS, methods=("POST",))
def take_action(institution_id: int, action: str):
    """Take one allowed action with the version the clerk read: a changed record says so and shows it now."""
    if action not in ACTION_FIELDS:
        return _record_page(institution_id, 404)
    fields = ACTION_FIELDS[action]
    values = {name: request.form.get(name, "") for name, _label_text, _kind in fields}
    try:
        data = ACTION_DATA[action]().load(_nested(request.form, fields))
    except ma.ValidationError as invalid:
        return _record_page(institution_id, 422, values=values, errors=input_errors(invalid.messages),
                            open_action=action)
    try:
        version = int(request.form.get("version", ""))
    except ValueError:
        version = -1
    try:
        principal = current_principal()
        if principal.town:
            queries.confine_to_town(request_session(), institution_id, principal.town)
        with request_uow() as uow:
            handlers.take_action(uow, institution_id, action, data, actor=principal.sub, if_match={version},
                                 recorded_at=current_clock().now())
    except (StaleVersion, Conflict) as changed:
        return _record_page(institution_id, 409, stale=True, problem=_problem(changed), values=values,
                            open_action=action)
    except NotFound:
        return page("registry_console/not_found.html", 404, institution_id=institution_id)
    except DomainError as refused:
        problem = _problem(refused)
        errors = {item["field"].removeprefix("data."): item["messages"] for item in problem.get("errors", [])}
        return _record_page(institution_id, 422, problem=problem, errors=errors, values=values, open_action=action)
    return redirect(url_for("registry_console.institution", institution_id=institution_id, done=action), 303)


def _problem(error: DomainError) -> dict[str, Any]:
    from shared.errors import domain_problem

    return domain_problem(error).get_json()


@blp.screen("/institutions/<pk:institution_id>/filings", roles=CLERKS)
def filing_review(institution_id: int):
    """The current filing beside the one before it: what was added and what was dropped, section by section."""
    try:
        found = _record(institution_id)
    except NotFound:
        return page("registry_console/not_found.html", 404, institution_id=institution_id)
    history, _total = filings.filing_history(request_session(), institution_id, page=1, page_size=2)
    current = history[0] if history else None
    previous = history[1] if len(history) > 1 else None
    return page("registry_console/filing_review.html", institution=found, current=current, previous=previous,
                changes=filing_changes(previous, current) if current else [], **_helpers())


SECTIONS = (("courses", _l("Courses")), ("teachers", _l("Teachers")), ("fee_items", _l("Fee items")),
            ("timetable", _l("Weekly timetable")), ("sessions", _l("Dated sessions")))


KEY_LABELS = {"subject": _l("subject"), "grade_band": _l("grade band"), "materials": _l("materials"),
              "name": _l("name"), "qualification_certificate_no": _l("qualification certificate"),
              "class_size_band": _l("class size"), "weekday": _l("weekday"), "start": _l("from"), "end": _l("to"),
              "mode": _l("mode"), "course": _l("course"), "date": _l("date")}


def _key_label(key: str) -> str:
    return str(KEY_LABELS[key]) if key in KEY_LABELS else (_label(OTHER_LABELS, key) or key)


def _row_text(row: Any) -> str:
    if not isinstance(row, dict):
        return str(row)
    shown = []
    for key, value in row.items():
        if isinstance(value, list):
            value = "、".join(map(str, value))
        elif key.endswith("_fen") and isinstance(value, int):
            value = yuan(value)
        shown.append(f"{_key_label(key)}: {_label(OTHER_LABELS, value) or value}")
    return "; ".join(shown)


def filing_changes(previous: dict | None, current: dict) -> list[dict[str, Any]]:
    """Per section of the filing: rows only in the current one (added), only in the previous one (dropped)."""
    changes = []
    for key, title in SECTIONS:
        now = [_row_text(row) for row in current.get(key) or []]
        before = [_row_text(row) for row in (previous or {}).get(key) or []]
        changes.append({"title": title, "added": [row for row in now if row not in before],
                        "dropped": [row for row in before if row not in now],
                        "kept": [row for row in now if row in before]})
    return changes


def register(api, app) -> None:
    """Mount the clerks' console."""
    app.register_blueprint(blp)
