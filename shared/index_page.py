"""`GET /`: a service's front page, listing its pages and its API documentation, open to everybody.

A browser gets HTML in the reader's language (Chinese unless `?lang=en` or the browser asks for English) with
the other language beside each title; `Accept: application/json` gets the same list as JSON. A service puts
one of its pages on the list by marking the view with `@listed_page(lazy_gettext("Title"))`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app, jsonify, make_response, render_template_string, request
from flask_babel import force_locale, get_locale
from flask_babel import lazy_gettext as _l

from shared.auth import public

_MARK = "_offcampus_listed_page"
_LANGUAGES = {"zh_CN": "zh-CN", "en": "en"}

# The kit's own pages, after the service's
_KIT_PAGES = (
    ("/docs", _l("API documentation (Swagger UI)")),
    ("/openapi.json", _l("OpenAPI document")),
)
_PLATFORM = _l("Off-campus training supervision platform")

_TEMPLATE = """<!doctype html>
<html lang="{{ lang }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ platform }} · {{ service }}</title>
</head>
<body>
<header>
<h1>{{ platform }} · {{ service }}</h1>
<p lang="{{ other_lang }}">{{ platform_other }}</p>
<nav><a href="?lang={{ switch_code }}" lang="{{ other_lang }}">{{ switch_caption }}</a></nav>
</header>
<main>
<ul>
{% for entry in entries %}<li><a href="{{ entry.href }}">{{ entry.title }}</a>
 · <span lang="{{ other_lang }}">{{ entry.other_title }}</span> <code>{{ entry.path }}</code></li>
{% endfor %}</ul>
</main>
</body>
</html>
"""


@dataclass(frozen=True)
class IndexEntry:
    """One page on the front page: where it is and its title in both languages."""

    path: str
    title: str
    other_title: str
    href: str


def listed_page(title) -> Callable[[Callable], Callable]:
    """Put a GET page without path arguments on the service's front page, under `title` (a lazy_gettext)."""

    def mark(view: Callable) -> Callable:
        setattr(view, _MARK, title)
        return view

    return mark


def _title_of(view: Callable | None):
    if view is None:
        return None
    found = getattr(view, _MARK, None)
    view_class = getattr(view, "view_class", None)
    if found is None and view_class is not None:
        found = getattr(getattr(view_class, "get", None), _MARK, None)
    return found


def _in(locale: str, text) -> str:
    with force_locale(locale):
        return str(text)


def index_entries(app: Flask, language: str) -> list[IndexEntry]:
    """The service's listed pages, then its API documentation, titled in `language` and the other one."""
    other = "en" if language == "zh_CN" else "zh_CN"
    lang = request.args.get("lang")
    suffix = f"?lang={lang}" if lang in ("en", "zh") else ""
    found = []
    for rule in app.url_map.iter_rules():
        title = _title_of(app.view_functions.get(rule.endpoint))
        if title is not None and "GET" in (rule.methods or ()) and not rule.arguments:
            found.append((rule.rule, title, rule.rule + suffix))
    found.sort()
    found += [(path, title, path) for path, title in _KIT_PAGES]
    return [IndexEntry(path, _in(language, title), _in(other, title), href) for path, title, href in found]


@public
def front_page():
    """The index of this service's pages and documentation, as HTML or (on request) JSON."""
    language = "en" if str(get_locale()) == "en" else "zh_CN"
    other = "en" if language == "zh_CN" else "zh_CN"
    service = current_app.extensions["offcampus.spec"].name
    entries = index_entries(current_app, language)
    if request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json":
        response = jsonify(service=service, platform=_in(language, _PLATFORM), language=_LANGUAGES[language],
                       pages=[{"path": e.path, "title": e.title, "titles": {_LANGUAGES[language]: e.title,
                                                                          _LANGUAGES[other]: e.other_title}}
                              for e in entries])
    else:
        response = make_response(render_template_string(
        _TEMPLATE, lang=_LANGUAGES[language], other_lang=_LANGUAGES[other], service=service, entries=entries,
        platform=_in(language, _PLATFORM), platform_other=_in(other, _PLATFORM),
        switch_code="en" if language == "zh_CN" else "zh", switch_caption="English" if other == "en" else "中文"))
    response.vary.add("Accept")
    return response


def install_index_page(app: Flask) -> None:
    """Serve the front page at `/`."""
    app.add_url_rule("/", endpoint="index", view_func=front_page, methods=["GET"])
