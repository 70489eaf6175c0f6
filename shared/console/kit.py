"""The console kit: sessions, the access check, CSRF, headers, the layout and the navigation of `/console`.

A service's console is a `ConsoleBlueprint` whose screens say which roles they serve; the kit checks the
signed-in person's session before the screen runs (no session: to the sign-in; another role: a 403 page),
checks the CSRF token of every POST, puts the person in `g.principal` so the service layer applies its own
role and town rules, and gives every answer the console's headers.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from babel import Locale
from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.sessions import SecureCookieSessionInterface
from flask_babel import force_locale, get_babel, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError, CSRFProtect, generate_csrf

from shared.auth import console_access, declared_access
from shared.console.settings import SESSION_HOURS, ConsoleSettings
from shared.errors import domain_problem
from shared.i18n import translate_message
from shared.refusals import DomainError
from shared.tokens import Principal

HERE = Path(__file__).resolve().parent
EXTENSION = "offcampus.console"
LANG_COOKIE = "offcampus_console_lang"
PREFIX = "/console"
_NO_SCRIPT_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                     "object-src 'none'; base-uri 'none'; form-action 'self'{issuer}; frame-ancestors 'none'")
# Who works in which service's console, for the links between the four: roles, as the kit already knows them.
CONSOLE_ROLES = {
    "registry": ("clerk", "admin"),
    "inspection": ("inspector", "supervisor", "admin"),
    "complaints": ("desk", "admin"),
    "reporting": ("leader", "admin"),
}


SERVICE_NAMES = {"registry": _l("Registry"), "inspection": _l("Inspection"), "complaints": _l("Complaints"),
                 "reporting": _l("Reporting")}
ROLE_NAMES = {"clerk": _l("clerk"), "desk": _l("complaints desk"), "inspector": _l("inspector"),
              "supervisor": _l("supervisor"), "leader": _l("leader"), "admin": _l("administrator")}
_SHANGHAI = timezone(timedelta(hours=8))  # China keeps no daylight saving time


def service_name(name: str) -> str:
    """A service's name in the reader's language."""
    return str(SERVICE_NAMES.get(name, name))


def role_names(roles: Iterable[str]) -> str:
    """Roles in the reader's language, joined."""
    return "、".join(str(ROLE_NAMES.get(role, role)) for role in roles)


def local_time(moment: datetime | None) -> str:
    """A stored UTC time as the county reads it (Asia/Shanghai), to the minute."""
    if moment is None:
        return "—"
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.astimezone(_SHANGHAI).strftime("%Y-%m-%d %H:%M")


@dataclass(frozen=True)
class Screen:
    """One entry of the navigation: an endpoint, its title (lazy text) and the roles it serves."""

    endpoint: str
    title: Any
    roles: tuple[str, ...]


class ConsoleBlueprint(Blueprint):
    """A blueprint of console pages; `screen` declares the roles a page serves and lists it in the navigation."""

    def __init__(self, name: str, import_name: str, translations: Path | None = None, **kwargs: Any):
        super().__init__(name, import_name, url_prefix=PREFIX, **kwargs)
        self.screens: list[Screen] = []
        self.translations = translations
        self.after_request(console_headers)

    def screen(self, rule: str, *, roles: Iterable[str], title: Any = None, methods: Iterable[str] = ("GET",),
               endpoint: str | None = None) -> Callable[[Callable], Callable]:
        """Route `rule` under /console to a page open to `roles`; a `title` puts it in the navigation."""
        roles = tuple(roles)

        def register(view: Callable) -> Callable:
            checked = console_page(roles)(view)
            name = endpoint or view.__name__
            self.add_url_rule(rule, name, checked, methods=list(methods))
            if title is not None:
                self.screens.append(Screen(f"{self.name}.{name}", title, roles))
            return checked

        return register

    def register(self, app: Flask, options: dict) -> None:
        """Mount the pages and add their screens to the app's navigation."""
        super().register(app, options)
        directories = get_babel(app).translation_directories
        if self.translations is not None and str(self.translations) not in directories:
            # after the console kit's, before the kit's and the service's: their wording of a shared msgid wins
            directories.insert(1, str(self.translations))
        known = app.extensions.setdefault(EXTENSION + ".screens", [])
        known.extend(screen for screen in self.screens if screen not in known)


def session_record(principal: Principal, id_token: str | None, now: float | None = None) -> dict[str, Any]:
    """What a signed-in session holds: the principal (with when it signed in) and the id_token hint, nothing else."""
    return {"principal": {"sub": principal.sub, "dept": principal.dept, "roles": list(principal.roles),
                          "town": principal.town, "name": principal.claims.get("name", principal.sub),
                          "since": time.time() if now is None else now},
            "id_token": id_token}


def signed_in() -> Principal | None:
    """The person this session belongs to, if it is signed in and younger than the working day."""
    held = session.get("principal")
    if not isinstance(held, dict) or time.time() - held.get("since", 0) > SESSION_HOURS * 3600:
        return None
    return Principal(sub=held["sub"], dept=held.get("dept", ""), roles=tuple(held.get("roles", ())),
                     aud=(current_app.extensions["offcampus.spec"].name,), town=held.get("town"),
                     claims={"name": held.get("name", held["sub"])})


def console_page(roles: tuple[str, ...]) -> Callable[[Callable], Callable]:
    """Check the session and the role, then the CSRF token of a POST, and run the page as that person."""

    def wrap(view: Callable) -> Callable:
        @functools.wraps(view)
        def checked(*args: Any, **kwargs: Any):
            principal = signed_in()
            if principal is None:
                if request.method in ("GET", "HEAD"):
                    return redirect(url_for("console.sign_in", next=request.full_path.rstrip("?")), 303)
                return page("console/refused.html", 401, reason="signed_out")
            g.principal = principal
            if not principal.has_any(roles):
                return page("console/refused.html", 403, reason="role", required=roles)
            if request.method == "POST":
                current_app.extensions[EXTENSION].csrf.protect()
            # what the view words (refusals, field errors) reads as the page does
            with force_locale(LOCALES[language()]):
                return view(*args, **kwargs)

        # functools.wraps copied no mark (the view had none): the route declares its access on the wrapper
        console_access(*roles)(checked)
        return checked

    return wrap


# the console's two languages parsed once: `force_locale` takes a Locale as it is, and parses a name on every call
LOCALES = {"en": Locale.parse("en"), "zh_CN": Locale.parse("zh_CN")}


def language() -> str:
    """The console's language: `?lang=` when given (and remembered), else the cookie, else the browser's."""
    chosen = request.args.get("lang") or request.cookies.get(LANG_COOKIE)
    if chosen:
        return "en" if chosen.startswith("en") else "zh_CN"
    return "en" if str(get_locale()) == "en" else "zh_CN"


def page(template: str, status_code: int = 200, /, **context: Any) -> Response:
    """Render a console page in the reader's language inside the kit's layout."""
    lang = language()
    with force_locale(LOCALES[lang]):
        principal = g.get("principal") if signed_in() else None
        here = current_app.extensions["offcampus.spec"].name
        html = render_template(template, principal=principal, nav=_navigation(principal),
                               service_title=lambda: service_name(here), service_name=service_name,
                               role_names=role_names, local_time=local_time,
                               consoles=_consoles(principal), html_lang="en" if lang == "en" else "zh-CN",
                               other_lang="zh" if lang == "en" else "en", **context)
    response = make_response(html, status_code)
    response.headers["Content-Language"] = "en" if lang == "en" else "zh-CN"
    if request.args.get("lang"):
        response.set_cookie(LANG_COOKIE, "en" if lang == "en" else "zh", path=PREFIX, httponly=True,
                            samesite="Lax", secure=current_app.extensions[EXTENSION].settings.secure_cookies,
                            max_age=365 * 86400)
    return response


def input_errors(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested messages as {dotted field name: [messages in the reader's language]}."""
    found: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            found.update(input_errors(value, f"{prefix}{key}."))
    elif isinstance(messages, list | tuple):
        name = prefix.rstrip(".")
        for message in messages:
            if isinstance(message, dict | list):
                found.update(input_errors(message, prefix))
            else:
                found.setdefault(name, []).append(translate_message(str(message)))
    return found


def refusal_page(template: str, error: DomainError, status: int | None = None, **context: Any) -> Response:
    """Show a page again with the service's refusal: each message beside its field, the rest on top."""
    answer = domain_problem(error)
    body = answer.get_json()
    by_field = {item["field"]: item["messages"] for item in body.get("errors", [])}
    return page(template, status or answer.status_code, problem=body, field_errors=by_field, **context)


def _navigation(principal: Principal | None) -> list[Screen]:
    if principal is None:
        return []
    screens = current_app.extensions.get(EXTENSION + ".screens", [])
    return [screen for screen in screens if principal.has_any(screen.roles)]


def _consoles(principal: Principal | None) -> list[tuple[str, str, bool]]:
    """The other consoles this person works in: (service, URL, is this one)."""
    if principal is None:
        return []
    settings = current_app.extensions["offcampus.settings"]
    here = current_app.extensions["offcampus.spec"].name
    return [(name, settings.service_url(name).rstrip("/") + PREFIX, name == here)
            for name, roles in CONSOLE_ROLES.items() if principal.has_any(roles)]


class ConsoleSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, opened under /console only: an API request never pays for one."""

    def open_session(self, app: Flask, request_: Any):
        """The console's session, or None (Flask's null session) for any other path."""
        if not request_.path.startswith(PREFIX):
            return None
        return super().open_session(app, request_)


class Console:
    """What the kit keeps per app: its settings, CSRF protection, the provider's client and the pages' policy."""

    def __init__(self, settings: ConsoleSettings, csrf: CSRFProtect, client: Any | None, policy: str):
        self.settings = settings
        self.csrf = csrf
        self.client = client
        self.policy = policy


def console_headers(response: Response) -> Response:
    """The console's headers on every answer of a console blueprint (never on the APIs': they do not pass here)."""
    headers = response.headers
    headers["Cache-Control"] = "no-store"
    if response.mimetype == "text/html" or "Content-Security-Policy" not in headers:
        # sign-out posts here and is sent on to the provider: the form may go there too
        headers["Content-Security-Policy"] = current_app.extensions[EXTENSION].policy
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Referrer-Policy"] = "same-origin"
        headers["X-Frame-Options"] = "DENY"
    return response


def install_console(app: Flask, settings: Any) -> Console:
    """Sessions, CSRF, sign-in, the console's headers, catalogs, and the kit's own pages, on a service's app.

    Nothing of it runs on an API request: the session opens under /console only, the headers are the console
    blueprints' own after-request hook, and the CSRF token is checked by each console POST (`console_page`).
    Flask-WTF's `init_app` would add a before-request hook to every request of the app, /v1 included, only to
    return there (the APIs are bearer-only, nothing to check): the kit sets Flask-WTF's documented settings
    and the templates' `csrf_token()` itself and calls `CSRFProtect.protect()` where a console page takes a POST.
    """
    from shared.console import screens, signin

    spec = app.extensions["offcampus.spec"]
    console_settings = ConsoleSettings.from_env(spec.name, settings)
    app.config.update(
        SECRET_KEY=console_settings.secret_key,
        SESSION_COOKIE_NAME=console_settings.cookie_name,
        SESSION_COOKIE_PATH=PREFIX,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=console_settings.secure_cookies,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=SESSION_HOURS),
        # the cookie is written when the session changes (sign-in, the CSRF token), not again on every page: its
        # expiry stays a working day from sign-in instead of sliding on, and a page does not sign a cookie each time
        SESSION_REFRESH_EACH_REQUEST=False,
        # the Flask-WTF settings `protect()` reads, at their documented defaults but the token's life: a working day
        WTF_CSRF_METHODS={"POST", "PUT", "PATCH", "DELETE"},
        WTF_CSRF_FIELD_NAME="csrf_token",
        WTF_CSRF_HEADERS=["X-CSRFToken", "X-CSRF-Token"],
        WTF_CSRF_TIME_LIMIT=SESSION_HOURS * 3600,
        WTF_CSRF_SSL_STRICT=True,
    )
    app.jinja_env.globals["csrf_token"] = generate_csrf
    app.session_interface = ConsoleSessions()
    issuer = urlsplit(console_settings.issuer) if console_settings.issuer else None
    policy = _NO_SCRIPT_POLICY.format(issuer=f" {issuer.scheme}://{issuer.netloc}" if issuer else "")
    console = Console(console_settings, CSRFProtect(), signin.provider_client(app, console_settings), policy)
    app.extensions[EXTENSION] = console
    # first, so the kit's and the service's own wording of a shared msgid ("Status") stays theirs
    get_babel(app).translation_directories.insert(0, str(HERE / "translations"))
    app.register_blueprint(signin.blp)
    app.register_blueprint(screens.blp)

    @app.errorhandler(CSRFError)
    def _csrf_refused(_error: CSRFError):
        return page("console/refused.html", 400, reason="csrf")  # only a console page checks the token

    return console


def access_of(app: Flask, endpoint: str) -> tuple[str, ...] | None:
    """What a console route declares (for tests and the authorization sweep)."""
    return declared_access(app.view_functions.get(endpoint))


def field_message(form: Any, name: str) -> list[str]:
    """A WTForms field's errors, translated."""
    return [_(message) for message in form[name].errors]
