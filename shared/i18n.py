"""Message catalogs: Simplified Chinese by default, English on `Accept-Language: en`."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, request
from flask_babel import Babel

SUPPORTED_LOCALES = ("zh_CN", "en")
KIT_TRANSLATIONS = Path(__file__).parent / "translations"


def select_locale() -> str:
    """The best supported language for this request; Chinese when it names none we speak."""
    # `zh`, `zh-CN`, `zh-Hans` all mean Simplified Chinese to our readers
    best = request.accept_languages.best_match(["zh-CN", "zh", "zh-Hans", "en"])
    if best is None:
        return SUPPORTED_LOCALES[0]
    return "en" if best == "en" else "zh_CN"


def install_i18n(app: Flask, default_locale: str, service_translations: Path | None) -> Babel:
    """Wire Flask-Babel with the kit's catalog and the service's own."""
    directories = [str(KIT_TRANSLATIONS)]
    if service_translations is not None and service_translations.is_dir():
        directories.insert(0, str(service_translations))
    app.config["BABEL_DEFAULT_LOCALE"] = default_locale
    app.config["BABEL_DEFAULT_TIMEZONE"] = "Asia/Shanghai"
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(directories)
    babel = Babel(app, locale_selector=select_locale)

    @app.after_request
    def _content_language(response):
        response.headers.setdefault("Content-Language", "en" if select_locale() == "en" else "zh-CN")
        vary = response.headers.get("Vary", "")
        if "Accept-Language" not in vary:
            response.headers["Vary"] = f"{vary}, Accept-Language" if vary else "Accept-Language"
        return response

    return babel
