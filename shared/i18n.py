"""Message catalogs: Simplified Chinese by default, English on `Accept-Language: en`."""

from __future__ import annotations

import functools
from pathlib import Path

from babel import support
from flask import Flask, request
from flask_babel import Babel, Domain, get_locale
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

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
            merged = support.Translations()
            for dirname in self.translation_directories:
                merged.merge(support.Translations.load(dirname, names, self.domain[0]))
            self.cache[key] = merged
        return self.cache[key]


def select_locale() -> str:
    """The best supported language for this request; Chinese when it names none we speak."""
    chosen = request.args.get("lang")  # a page's language link (`?lang=en`) outranks the browser's preference
    if chosen:
        return "en" if chosen.lower().startswith("en") else "zh_CN"
    return _locale_for(request.headers.get("Accept-Language", ""))


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
        response.headers.setdefault("Content-Language", "en" if select_locale() == "en" else "zh-CN")
        vary = response.headers.get("Vary", "")
        if "Accept-Language" not in vary:
            response.headers["Vary"] = f"{vary}, Accept-Language" if vary else "Accept-Language"
        return response

    return babel
