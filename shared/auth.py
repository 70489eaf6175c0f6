"""Bearer JWT authentication and role checks, deny-by-default.

Every view needs a valid token unless marked `@public`; `@requires(*roles)` narrows it to roles. The check
runs in `before_request`, so it always precedes body validation whatever the decorator order.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable

from flask import Flask, current_app, g, request
from flask_babel import gettext as _
from flask_smorest import Blueprint as SmorestBlueprint

from shared.clock import EXTENSION as CLOCK
from shared.clock import SYSTEM_CLOCK
from shared.config import Settings
from shared.county import EXTENSION as COUNTY
from shared.county import CountyConfig, county_config
from shared.errors import problem
from shared.i18n import N_
from shared.refusals import Forbidden
from shared.tokens import Principal, TokenError, decode_token, mint_token

__all__ = ["Principal", "TokenError", "confine_write_to_town", "console_access", "current_principal", "decode_token",
           "install_auth", "mint_token", "public", "requires", "token_refusal"]

ROLES = ("clerk", "desk", "inspector", "supervisor", "leader", "admin", "integrator")
# Roles that belong to no department: the county file's table neither grants nor limits them.
NO_DEPARTMENT_ROLES = ("admin", "integrator")
REPORT_READERS = ("leader", "supervisor", "clerk", "desk", "admin")
_MARK = "_offcampus_access"
# Paths the kit itself serves without a token.
PUBLIC_ENDPOINTS = {"static", "healthz", "readyz", "metrics", "api-docs.openapi_json",
                     "api-docs.openapi_swagger_ui", "swagger_assets"}


def public(func: Callable) -> Callable:
    """Mark a view (or MethodView method) as open to callers without a token."""
    setattr(func, _MARK, ("public",))
    return func


def requires(*roles: str) -> Callable[[Callable], Callable]:
    """Mark a view as open to callers holding any of the roles (none named: any authenticated caller)."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles: {sorted(unknown)}")

    # documented through flask-smorest's public `Blueprint.doc` (a static method: no blueprint needed here)
    documented = SmorestBlueprint.doc(security=[{"bearerAuth": []}], responses={
        "401": {"$ref": "#/components/responses/Unauthenticated"},
        "403": {"$ref": "#/components/responses/Forbidden"},
    })

    def mark(func: Callable) -> Callable:
        func = documented(func)
        setattr(func, _MARK, ("roles", *roles))
        return func

    return mark


def console_access(*roles: str) -> Callable[[Callable], Callable]:
    """Mark a console page as open to people signed in (a session, never a bearer token) holding one of the roles.

    The bearer check leaves such a page alone; the console kit (`shared.console`) checks the session."""
    unknown = set(roles) - set(ROLES)
    if unknown or not roles:
        raise ValueError(f"a console page names the roles it serves; unknown: {sorted(unknown)}")

    def mark(func: Callable) -> Callable:
        setattr(func, _MARK, ("console", *roles))
        return func

    return mark


def token_refusal(principal: Principal, county: CountyConfig) -> str | None:
    """Why the county does not accept a token's roles and department (a problem code), or None when it does.

    Every role must be one the platform knows; a department, when named, must be in the county file's table,
    and every departmental role must be one that department may hold there (no department: none at all).
    """
    return _refusal(principal.roles, principal.dept, _table_of(county))


def _table_of(county: CountyConfig) -> frozenset[tuple[str, frozenset[str]]]:
    return frozenset((dept, frozenset(roles)) for dept, roles in county.departments.items())


# The same few (roles, department) pairs arrive on every request: each answer is remembered.
@functools.lru_cache(maxsize=256)
def _refusal(roles: tuple[str, ...], dept: str, table: frozenset[tuple[str, frozenset[str]]]) -> str | None:
    held = dict(table)
    if any(role not in ROLES for role in roles):
        return "token_role_unknown"
    if dept and dept not in held:
        return "token_department_unknown"
    if any(role not in NO_DEPARTMENT_ROLES and role not in held.get(dept, ()) for role in roles):
        return "token_role_outside_department"
    return None


def confine_write_to_town(town: str) -> None:
    """Refuse (403) a town officer's write about another town; a caller without a town claim writes anywhere."""
    principal = current_principal()
    if principal is not None and principal.town and town != principal.town:
        raise Forbidden(OUTSIDE_TOWN, code="town_outside_claim", town=principal.town, requested_town=town)


def declared_access(func: Callable | None) -> tuple[str, ...] | None:
    """What a view function or method declares: `("public",)`, `("roles", *roles)`, or None (nothing)."""
    return getattr(func, _MARK, None) if func is not None else None


def _access_of(app: Flask) -> tuple[str, ...] | None:
    view = app.view_functions.get(request.endpoint) if request.endpoint else None
    if view is None:
        return None
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        # the method MethodView.dispatch_request will run: HEAD runs `get` when the class has no `head`
        method = request.method.lower()
        target = getattr(view_class, method, None)
        if target is None and method == "head":
            target = getattr(view_class, "get", None)
        found = declared_access(target) or declared_access(view_class)
        if found:
            return found
    return declared_access(view)


OUTSIDE_TOWN = N_("A town officer of %(town)s writes about institutions in %(town)s only.")
_REFUSED_TOKENS = {
    "token_role_unknown": lambda: _("The token names a role this platform does not know."),
    "token_department_unknown": lambda: _("The token names a department the county file does not list."),
    "token_role_outside_department": lambda: _(
        "The token names a role its department may not hold in this county (or a departmental role without a "
        "department)."),
}
_DETAILS = {
    "token_missing": lambda: _("Send a bearer token in the Authorization header."),
    "token_expired": lambda: _("The token has expired; ask for a new one."),
    "token_wrong_audience": lambda: _("The token is not meant for this service."),
    "token_wrong_algorithm": lambda: _("The token is signed with an algorithm this service does not accept."),
    "token_invalid": lambda: _("The token is not valid."),
    "token_not_yet_valid": lambda: _("The token is not valid yet; check the issuer's clock."),
    "token_unknown_key": lambda: _("The token is signed with a key this service does not know."),
    "token_lifetime_too_long": lambda: _("The token lives longer than this service accepts; ask for a shorter one."),
}


def _unauthenticated(code: str):
    return problem(401, code=code, detail=_DETAILS[code](),
                   headers={"WWW-Authenticate": 'Bearer realm="offcampus"'})


def install_auth(app: Flask, settings: Settings, service: str) -> None:
    """Check every request's token against the marks on its view before anything else runs."""

    clock = app.extensions.get(CLOCK, SYSTEM_CLOCK)
    now = time.time if clock is SYSTEM_CLOCK else (lambda: clock.now().timestamp())
    # the county file and the views are fixed once the app is built: read them once, not per request
    table = _table_of(app.extensions.get(COUNTY) or county_config())
    access_of: dict[tuple[str, str], tuple[str, ...] | None] = {}

    def _refused(principal: Principal) -> str | None:
        return _refusal(principal.roles, principal.dept, table)

    @app.before_request
    def _authenticate():
        # `g.principal` is set only for a caller let in; readers ask `current_principal()` (None when unset)
        endpoint, method = request.endpoint, request.method
        if endpoint is None:
            return None  # unknown routes fall through to a 404/405 problem
        if method == "OPTIONS":
            # to anyone, and only the methods allowed: never the view (a view's own `options` would skip auth)
            return current_app.make_default_options_response()
        if endpoint in PUBLIC_ENDPOINTS or endpoint.endswith(".static"):
            return None
        key = (endpoint, method)
        if key not in access_of:
            access_of[key] = _access_of(current_app)
        access = access_of[key]
        if access and access[0] == "console":
            return None  # a person's session, checked by the console kit; a bearer token opens no page
        header = request.environ.get("HTTP_AUTHORIZATION", "")
        token = header[7:].strip() if header[:7].lower() == "bearer " else None
        if access and access[0] == "public":
            if token:  # a public view may still know who asks, but never refuses a bad token
                try:
                    principal = decode_token(token, settings, service, now())
                except TokenError:
                    principal = None
                if principal is not None and not _refused(principal):
                    g.principal = principal
            return None
        if not token:
            return _unauthenticated("token_missing")
        try:
            principal = decode_token(token, settings, service, now())
        except TokenError as exc:
            return _unauthenticated(str(exc))
        refused = _refused(principal)
        if refused:
            return problem(403, code=refused, detail=_REFUSED_TOKENS[refused](), dept=principal.dept or None,
                           roles=list(principal.roles))
        g.principal = principal
        allowed = access[1:] if access else ()
        if allowed and not principal.has_any(allowed):
            return problem(403, code="forbidden",
                           detail=_("This action needs one of the roles: %(roles)s.", roles=", ".join(allowed)),
                           required_roles=list(allowed))
        return None


def current_principal() -> Principal | None:
    """The caller of the current request, if authenticated."""
    return g.get("principal")
