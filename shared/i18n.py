"""Message catalogs: Simplified Chinese by default, English on `Accept-Language: en`."""

from __future__ import annotations

import functools
import re
from pathlib import Path

from babel import support
from flask import Flask, request
from flask_babel import Babel, Domain, get_locale
from flask_babel import gettext as _
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from shared.headers import header_names

SUPPORTED_LOCALES = ("zh_CN", "en")
KIT_TRANSLATIONS = Path(__file__).parent / "translations"


class CatalogDomain(Domain):
    """Finds catalogs by language and territory (`zh_CN`), which Babel's own lookup (`zh_Hans_CN`) misses."""

    def get_translations(self):
        """The merged catalogs of every translation directory for the request's locale."""
        locale = get_locale()
        if locale is None:
            return support.NullTranslations()
        key = (str(locale), self.domain[0])
        if key not in self.cache:
            names = [str(locale)]
            if locale.territory:
                names.insert(0, f"{locale.language}_{locale.territory}")
            # the first catalog found is the base: it brings the language's plural rule (`nplurals=1` in
            # Chinese), which merging into an empty catalog would lose (`20 class hours` left untranslated)
            merged = None
            for dirname in self.translation_directories:
                found = support.Translations.load(dirname, names, self.domain[0])
                if not isinstance(found, support.Translations):
                    continue  # no catalog in this directory for the language
                if merged is None:
                    merged = found
                else:
                    merged.merge(found)
            self.cache[key] = merged or support.NullTranslations()
        return self.cache[key]


def N_(message: str) -> str:
    """Mark a message for the catalog without translating it yet (it is translated where it is shown)."""
    return message


# marshmallow's and webargs' messages with values in them, as the libraries word them (a unit test checks
# each against the library's public message attributes); the values are put back into the translation
LIBRARY_TEMPLATES = (
    N_("Shorter than minimum length {min}."), N_("Longer than maximum length {max}."),
    N_("Length must be between {min} and {max}."), N_("Length must be {equal}."),
    N_("Must be one of: {choices}."), N_("Must be equal to {other}."),
    N_("One or more of the choices you made was not in: {choices}."),
    N_("One or more of the choices you made was in: {values}."),
    N_("Must be greater than or equal to {min}."), N_("Must be greater than {min}."),
    N_("Must be less than or equal to {max}."), N_("Must be less than {max}."),
    N_("Must be greater than or equal to {min} and less than or equal to {max}."),
    N_("Must be greater than or equal to {min} and less than {max}."),
    N_("Must be greater than {min} and less than or equal to {max}."),
    N_("Must be greater than {min} and less than {max}."),
)
# and fixed ones that the kit's list of marshmallow messages (shared/errors.py) does not name
LIBRARY_MESSAGES = (
    N_("String does not match expected pattern."), N_("Not a valid URL."), N_("Not a valid UUID."),
    N_("Not a valid aware datetime."), N_("Not a valid naive datetime."), N_("Not a valid tuple."),
    N_("Invalid type."), N_("Not a valid IP address."),
)


def _pattern(template: str) -> re.Pattern:
    """`Must be one of: {choices}.` as a regex capturing `choices`."""
    return re.compile("^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>.+?)", re.escape(template)) + "$", re.DOTALL)


# the longest first: "Must be greater than or equal to {min}." would also match a message with both bounds,
# taking "2 and less than or equal to 50" for its `min`
_MATCHERS = tuple((_pattern(template), template) for template in sorted(LIBRARY_TEMPLATES, key=len, reverse=True))


def translate_message(message: str) -> str:
    """A library's English message (fixed, or a template filled with values) in the request's language."""
    translated = _(message)
    if translated != message:
        return translated
    for pattern, template in _MATCHERS:
        found = pattern.match(message)
        if found:
            return _(template).format(**found.groupdict())
    return message


def select_locale() -> str:
    """The best supported language for this request; Chinese when it names none we speak."""
    # a page's language link (`?lang=en`) outranks the browser's preference; the WSGI environ is read
    # directly, which costs a quarter of asking `request.headers` about a header that is absent
    environ = request.environ
    chosen = request.args.get("lang") if environ.get("QUERY_STRING") else None
    if chosen:
        return "en" if chosen.lower().startswith("en") else "zh_CN"
    return _locale_for(environ.get("HTTP_ACCEPT_LANGUAGE", ""))


# Parsing and matching the header costs ~25 us and runs on every response (Content-Language); clients
# send a handful of distinct values, so the answer is remembered per header value.
@functools.lru_cache(maxsize=256)
def _locale_for(accept_language: str) -> str:
    # `zh`, `zh-CN`, `zh-Hans` all mean Simplified Chinese to our readers
    best = parse_accept_header(accept_language, LanguageAccept).best_match(["zh-CN", "zh", "zh-Hans", "en"])
    if best is None:
        return SUPPORTED_LOCALES[0]
    return "en" if best == "en" else "zh_CN"


def install_i18n(app: Flask, default_locale: str, service_translations: Path | None) -> Babel:
    """Wire Flask-Babel with the kit's catalog and the service's own."""
    # later catalogs win in the merge: a service's own wording overrides the kit's
    directories = [str(KIT_TRANSLATIONS)]
    if service_translations is not None and service_translations.is_dir():
        directories.append(str(service_translations))
    app.config["BABEL_DEFAULT_LOCALE"] = default_locale
    app.config["BABEL_DEFAULT_TIMEZONE"] = "Asia/Shanghai"
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(directories)
    babel = Babel(app, locale_selector=select_locale)
    babel.domain_instance = CatalogDomain(domain="messages")

    @app.after_request
    def _content_language(response):
        headers = response.headers
        present = header_names(headers)
        added = []
        if "content-language" not in present:
            added.append(("Content-Language", "en" if select_locale() == "en" else "zh-CN"))
        if "vary" not in present:
            added.append(("Vary", "Accept-Language"))
        else:
            vary = headers["Vary"]
            if "Accept-Language" not in vary:
                headers["Vary"] = f"{vary}, Accept-Language" if vary else "Accept-Language"
        headers.extend(added)
        return response

    return babel
