"""The reporter's pages: /report (a form that files an Open311 request and shows the token) and
/report/{token} (its status and the desk's reply, and the rating). Server-rendered, Chinese by default,
usable on a phone and without JavaScript; what a reporter wrote is escaped, never rendered as HTML."""

from __future__ import annotations

import contextlib
from pathlib import Path

import marshmallow as ma
from flask import Blueprint, current_app, make_response, render_template, request, send_from_directory, url_for
from flask_babel import force_locale, get_locale, gettext

from services.complaints.domain.clue import Status
from services.complaints.entrypoints.open311 import SERVICE_NAMES
from services.complaints.entrypoints.open311_requests import API_KEYS, STATUS_NOTES, VAULT, channel_of, public_record
from services.complaints.entrypoints.open311_schemas import RequestIn
from services.complaints.service_layer import handling, intake
from shared import api as kit_api
from shared.auth import public
from shared.clock import LOCAL_TZ, current_clock
from shared.county import county_config
from shared.db import request_session, request_uow
from shared.errors import field_errors
from shared.public_pages import public_context
from shared.refusals import DomainError, IllegalTransition
from shared.textguard import unstorable_fields

HERE = Path(__file__).resolve().parent.parent
_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")
_FIELDS = ("service_code", "address_string", "description", "first_name", "last_name", "phone", "email")
_LANGUAGES = {"en": "en", "zh": "zh_CN"}

# Pages are HTML, not API operations: a plain Flask blueprint keeps them out of the OpenAPI document.
pages = Blueprint("report_pages", __name__, template_folder=str(HERE / "templates"))
pages.context_processor(public_context)  # the county, its host office and hotline


def _page(template: str, status: int = 200, **context):
    lang = _LANGUAGES.get(request.args.get("lang", ""))
    with force_locale(lang) if lang else contextlib.nullcontext():
        english = str(get_locale()) == "en"
        html = render_template(template, html_lang="en" if english else "zh-CN", services=SERVICE_NAMES,
                               local_time=lambda moment: moment.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")
                               if moment else "", **context)
    response = make_response(html, status)
    response.headers["Content-Language"] = "en" if english else "zh-CN"
    response.headers["Cache-Control"] = "no-store"  # a token and a reply are nobody else's
    return response


def _posted_form(schema: type[ma.Schema]) -> dict | None:
    """None for a form (the page reads it itself, to show its errors beside the fields); any other body goes
    through the kit's parser, as an API's would: JSON read and checked, anything else 415."""
    if request.mimetype in _FORMS:
        return None
    return kit_api.Blueprint.ARGUMENTS_PARSER.parse(schema(), request, location="json_or_form")


@pages.route("/report", methods=["GET", "POST"])
@public
def report_form():
    """The complaint form; posting it files an Open311 request and shows the token to follow it by."""
    if request.method == "GET":
        return _page("report/form.html", values={}, errors={})
    data = _posted_form(RequestIn)
    if data is None:
        values = {name: request.form.get(name, "").strip() for name in _FIELDS}
        submitted = {name: value for name, value in values.items() if value}
        errors = {name: [gettext("Text cannot contain NUL.")] for name in unstorable_fields(submitted)}
        if not errors:
            try:
                data = RequestIn().load(submitted)
            except ma.ValidationError as invalid:
                errors = {e["field"]: e["messages"] for e in field_errors(invalid.messages)}
        if errors:
            return _page("report/form.html", status=422, values=values, errors=errors)
    towns = [town.name for county in county_config().counties for town in county.towns]
    channel = channel_of(None, current_app.extensions[API_KEYS])
    _clue_id, token = intake.file_report(request_uow(), current_app.extensions[VAULT], at=current_clock().now(),
                                         channel=channel, towns=towns, request=data)
    return _page("report/filed.html", status=201, token=token,
                 follow=url_for("report_pages.report_status", token=token, _external=False))


def _status(token: str, status: int = 200, **context):
    clue_id = intake.request_id_of(request_session(), token)
    row = intake.public_request(request_session(), clue_id)
    record = public_record(row)
    rateable = row["status"] in (Status.ANSWERED, Status.CLOSED) and not context.pop("rated", False)
    return _page("report/status.html", status=status, record=record, token=token, rateable=rateable,
                 received_notes=STATUS_NOTES, **context)


@pages.get("/report/<string(maxlength=200):token>")
@public
def report_status(token: str):
    """A complaint's status and the desk's reply, by its token."""
    try:
        return _status(token)
    except DomainError:
        return _page("report/not_found.html", status=404)


class RatingForm(ma.Schema):
    """The rating form's fields."""

    satisfied = ma.fields.String(required=True, validate=ma.validate.OneOf(("yes", "no")))
    note = ma.fields.String(validate=ma.validate.Length(max=2000))


@pages.post("/report/<string(maxlength=200):token>/rating")
@public
def rate_report(token: str):
    """The reporter's rating of the answer (satisfied or not, with a note for the desk)."""
    posted = _posted_form(RatingForm) or request.form
    satisfied = posted.get("satisfied")
    note = (posted.get("note") or "").strip()[:2000] or None
    try:
        clue_id = intake.request_id_of(request_session(), token)
        if satisfied not in ("yes", "no") or (note and unstorable_fields(note)):
            return _status(token, status=422, rating_error=True)
        handling.rate(request_uow(), clue_id, satisfied=satisfied == "yes", note=note, now=current_clock().now())
    except IllegalTransition:
        return _status(token, status=409, rated=True, already_rated=True)
    except DomainError:
        return _page("report/not_found.html", status=404)
    return _status(token, rated=True, thanked=True)


@pages.get("/report/static/<path:filename>")
@public
def static_file(filename: str):
    """The pages' style sheet, served here: there is no CDN and no internet."""
    return send_from_directory(HERE / "static", filename, max_age=3600)
