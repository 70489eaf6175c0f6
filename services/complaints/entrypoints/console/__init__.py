"""The complaints desk's console: the inbox with how long each clue has waited, and one clue's triage (suggested
institution, possible duplicates), referral and reply. Pages call the service layer as the signed-in desk."""

from __future__ import annotations

import contextlib
import math
from pathlib import Path
from typing import Any

import marshmallow as ma
from flask import current_app, redirect, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from services.complaints.domain.clue import OUTCOMES, PRIORITIES, Status
from services.complaints.entrypoints.handling_api import KNOWN_NAMES, AnswerIn, ReferIn, TriageIn
from services.complaints.entrypoints.open311 import DEPARTMENT_NAMES, SERVICE_NAMES
from services.complaints.entrypoints.open311_requests import VAULT
from services.complaints.service_layer import desk, handling
from shared.auth import current_principal
from shared.clock import current_clock
from shared.console import ConsoleBlueprint, page
from shared.console.kit import input_errors
from shared.db import request_session, request_uow
from shared.errors import domain_problem
from shared.events.vocabulary import CLUE_CATEGORIES, DEPARTMENTS
from shared.refusals import DomainError, NotFound

HERE = Path(__file__).resolve().parent
PAGE_SIZE = 20
DESK = ("desk",)
STATUS_LABELS = {"submitted": _l("submitted, not registered"), "received": _l("received"), "triaged": _l("triaged"),
                 "referred": _l("referred for inspection"), "answered": _l("answered"), "closed": _l("closed")}
OUTCOME_LABELS = {"substantiated": _l("substantiated"), "partly_substantiated": _l("partly substantiated"),
                  "unsubstantiated": _l("unsubstantiated"), "withdrawn": _l("withdrawn"),
                  "transferred": _l("transferred")}
PRIORITY_LABELS = {"normal": _l("normal"), "urgent": _l("urgent")}
# replies the desk starts from, in the reader's language; the desk edits them before sending
REPLY_TEMPLATES = {
    "received": _l("We have received your complaint and passed it to the department responsible. You will hear "
                   "from us by the deadline."),
    "inspected": _l("Inspectors visited the institution. What they found has been dealt with according to the "
                    "rules. Thank you for telling us."),
    "not_found": _l("Inspectors could not confirm what you reported. If it happens again, tell us the time and "
                    "place so that we can check again."),
}

blp = ConsoleBlueprint("complaints_console", __name__, template_folder="templates",
                       translations=HERE / "translations")


def _label(table: dict, value: Any) -> str:
    return str(table[value]) if value in table else ("" if value is None else str(value))


def waited(received_at, now) -> str:
    """How long a clue has waited, in days and hours, as a person says it."""
    hours = max(0, int((now - received_at).total_seconds() // 3600))
    days, hours = divmod(hours, 24)
    if days:
        return gettext("%(days)s d %(hours)s h", days=days, hours=hours)
    return gettext("%(hours)s h", hours=hours)


def _helpers() -> dict[str, Any]:
    return {"category_label": lambda c: _label(SERVICE_NAMES, c), "status_label": lambda s: _label(STATUS_LABELS, s),
            "department_label": lambda d: _label(DEPARTMENT_NAMES, d), "waited": waited,
            "outcome_label": lambda o: _label(OUTCOME_LABELS, o), "now": current_clock().now(),
            "categories": CLUE_CATEGORIES, "departments": DEPARTMENTS, "outcomes": OUTCOMES,
            "priorities": PRIORITIES, "priority_label": lambda p: _label(PRIORITY_LABELS, p),
            "statuses": [status.value for status in Status], "templates": REPLY_TEMPLATES}


@blp.screen("/clues", roles=DESK, title=_l("Clue inbox"))
def inbox():
    """Clues newest first with how long each has waited and its deadline; by status (open ones by default)."""
    status = request.args.get("status", "")
    status = status if status in STATUS_LABELS else None
    number = 1
    with contextlib.suppress(ValueError):
        number = min(max(int(request.args.get("page", "1")), 1), 100_000)
    filters = {"status": status, "town": current_principal().town}
    items, total = desk.clues_for_desk(request_session(), filters=filters, page=number, page_size=PAGE_SIZE)
    return page("complaints_console/inbox.html", items=items, total=total, status=status or "",
                page_number=number, pages=max(1, math.ceil(total / PAGE_SIZE)), **_helpers())


def _clue_page(clue_id: str, status: int = 200, **context: Any):
    principal = current_principal()
    now = current_clock().now()
    try:
        clue = desk.clue_for_desk(request_uow(), current_app.extensions[VAULT], clue_id, viewer=principal.sub,
                                  now=now, town_claim=principal.town)
    except NotFound:
        return page("complaints_console/not_found.html", 404, clue_id=clue_id)
    written = request.args.get("q", "").strip()[:200] or (clue.get("attributes") or {}).get("institution_name") or ""
    suggested = []
    if written:
        suggested = handling.suggestions(request_session(), current_app.extensions[KNOWN_NAMES], clue_id, written)
    context = {"values": {}, "errors": {}, "problem": None, "duplicates": [], "open_form": None, **context}
    return page("complaints_console/clue.html", status, clue=clue, written=written, suggested=suggested,
                **context, **_helpers())


@blp.screen("/clues/<string(maxlength=26):clue_id>", roles=DESK)
def clue(clue_id: str):
    """One clue: what was reported, by whom (the reading is logged), and the desk's next steps."""
    return _clue_page(clue_id)


ACTIONS = {"triage": (TriageIn, handling.triage), "refer": (ReferIn, handling.refer),
           "answer": (AnswerIn, handling.answer)}


@blp.screen("/clues/<string(maxlength=26):clue_id>/<string(maxlength=20):action>", roles=DESK, methods=("POST",))
def act(clue_id: str, action: str):
    """Triage, refer or answer; bad input is shown beside its field with what was typed."""
    if action not in ACTIONS:
        return page("complaints_console/not_found.html", 404, clue_id=clue_id)
    schema, use_case = ACTIONS[action]
    values = {key: value for key, value in request.form.items() if key != "csrf_token"}
    if action == "answer" and not values.get("note", "").strip() and values.get("template") in REPLY_TEMPLATES:
        values["note"] = str(REPLY_TEMPLATES[values["template"]])
    submitted = {key: value for key, value in values.items() if value.strip() and key in schema().fields}
    try:
        data = schema().load(submitted)
    except ma.ValidationError as invalid:
        return _clue_page(clue_id, 422, values=values, errors=input_errors(invalid.messages), open_form=action)
    try:
        result = use_case(request_uow(), clue_id, now=current_clock().now(), town_claim=current_principal().town,
                          by=current_principal().sub, **data) or {}
    except NotFound:
        return page("complaints_console/not_found.html", 404, clue_id=clue_id)
    except DomainError as refused:
        problem = domain_problem(refused).get_json()
        errors = {item["field"]: item["messages"] for item in problem.get("errors", [])}
        return _clue_page(clue_id, 409 if not errors else 422, values=values, errors=errors, problem=problem,
                          open_form=action)
    if result.get("duplicates"):
        return _clue_page(clue_id, duplicates=result["duplicates"], done=action)
    return redirect(url_for("complaints_console.clue", clue_id=clue_id, done=action), 303)


def register(app) -> None:
    """Mount the desk's console."""
    app.register_blueprint(blp)
