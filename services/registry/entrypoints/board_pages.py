"""The board's pages for parents: server-rendered, Chinese by default, usable on a phone and without JavaScript."""

from __future__ import annotations

import contextlib
import datetime as dt
import math
from pathlib import Path
from urllib.parse import urlencode

from flask import Blueprint, current_app, make_response, render_template, request, send_from_directory, url_for
from flask_babel import force_locale, get_locale, gettext, lazy_gettext

from services.registry.domain.rule_texts import OTHER_LABELS, WEEKDAY_LABELS, yuan
from services.registry.entrypoints.board_api import conditional
from services.registry.service_layer import board
from shared.auth import public
from shared.db import request_session
from shared.index_page import listed_page
from shared.public_pages import public_context
from shared.textguard import unstorable_fields

HERE = Path(__file__).resolve().parent.parent
STATIC = HERE / "static"
PAGE_SIZE = 20
_TEXT_MAX = 100
_SHANGHAI = dt.timezone(dt.timedelta(hours=8))  # China keeps no daylight saving time
_LANGUAGES = {"en": "en", "zh": "zh_CN"}

# Pages are HTML, not API operations: a plain Flask blueprint keeps them out of the OpenAPI document.
pages = Blueprint("board_pages", __name__, template_folder=str(HERE / "templates"))
pages.context_processor(public_context)  # the county, its host office and hotline, the link to /report


def _chosen_language() -> str | None:
    """The language picked with `?lang=` (a link on every page), which wins over the browser's."""
    return _LANGUAGES.get(request.args.get("lang", ""))


def _text_arg(name: str) -> str:
    value = request.args.get(name, "")
    if unstorable_fields(value):
        return ""  # a parent's page never fails on text the database cannot take: it is ignored
    return value.strip()[:_TEXT_MAX]


def _page_arg() -> int:
    try:
        return min(max(int(request.args.get("page", "1")), 1), 1_000_000)
    except ValueError:
        return 1


def _label(value) -> str:
    found = OTHER_LABELS.get(value) if isinstance(value, str) else None
    return gettext(found) if found else ("" if value is None else str(value))


def _weekday(number: int) -> str:
    found = WEEKDAY_LABELS.get(number)
    return gettext(found) if found else str(number)


def _local_date(moment: dt.datetime | None) -> str:
    return moment.astimezone(_SHANGHAI).date().isoformat() if moment else ""


def _weekday_of(day: str) -> str:
    return _weekday(dt.date.fromisoformat(day).isoweekday())


def _link(endpoint: str, **args) -> str:
    """A URL to one of the board's pages that keeps the language the reader picked."""
    lang = request.args.get("lang")
    if lang in _LANGUAGES:
        args["lang"] = lang
    return url_for(endpoint, **{k: v for k, v in args.items() if v not in (None, "")})


def _switch_language() -> tuple[str, str]:
    """The link to the same page in the other language, and its caption (in that language)."""
    english = str(get_locale()) == "en"
    args = {k: v for k, v in request.args.items() if k != "lang"}
    args["lang"] = "zh" if english else "en"
    return f"{request.path}?{urlencode(args)}", ("中文" if english else "English")


def _page(template: str, status: int = 200, **context):
    lang = _chosen_language()
    with force_locale(lang) if lang else contextlib.nullcontext():
        english = str(get_locale()) == "en"
        switch_url, switch_caption = _switch_language()
        html = render_template(
            template, html_lang="en" if english else "zh-CN", link=_link, label=_label, weekday=_weekday,
            weekday_of=_weekday_of, yuan=yuan, local_date=_local_date, switch_url=switch_url,
            switch_caption=switch_caption, lang=request.args.get("lang") if lang else None,
            updated_at=board.last_updated(request_session()), **context)
    response = make_response(html, status)
    response.headers["Content-Language"] = "en" if english else "zh-CN"
    return conditional(response)


@pages.get("/board")
@listed_page(lazy_gettext("Licensed institutions"))
@public
def board_page():
    """The board: a search form and a page of licensed institutions."""
    query = board.BoardQuery(name=_text_arg("q") or None, subject=_text_arg("subject") or None,
                             town=_text_arg("town") or None, page=_page_arg(), page_size=PAGE_SIZE)
    session = request_session()
    items, total = board.search(current_app.extensions["offcampus.db"].engine, query)
    pages_count = max(1, math.ceil(total / PAGE_SIZE))
    return _page("board/board.html", query=query, items=items, total=total, pages_count=pages_count,
                 choices=board.choices(session))


@pages.get("/board/institutions/<pk:institution_id>")
@public
def institution_page(institution_id: int):
    """One institution: its licence, courses, teachers, fees and timetable."""
    found = board.entry(request_session(), institution_id)
    if found is None:
        return _page("board/not_found.html", status=404)
    return _page("board/institution.html", entry=found, filing=found["filing"])


@pages.get("/board/banned")
@listed_page(lazy_gettext("Banned institutions"))
@public
def banned_page():
    """The black list: banned institutions, with the reason and the date."""
    page = _page_arg()
    items, total = board.banned(request_session(), page=page, page_size=PAGE_SIZE)
    return _page("board/banned.html", items=items, total=total, page=page,
                 pages_count=max(1, math.ceil(total / PAGE_SIZE)))


@pages.get("/board/static/<path:filename>")
@public
def static_file(filename: str):
    """The pages' style sheet, served here: there is no CDN and no internet."""
    return send_from_directory(STATIC, filename, max_age=3600)


def register(api, app) -> None:
    """Mount the board's pages."""
    app.register_blueprint(pages)
