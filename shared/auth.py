"""Bearer JWT authentication and role checks, deny-by-default.

Every view needs a valid token unless marked `@public`; `@requires(*roles)` narrows it to roles. The check
runs in `before_request`, so it always precedes body validation whatever the decorator order.
"""

from __future__ import annotations

import functools
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import jwt
from flask import Flask, current_app, g, request
from flask_babel import gettext as _
from flask_smorest import Blueprint as SmorestBlueprint

from shared.config import SERVICE_PORTS, Settings
from shared.errors import problem

ROLES = ("clerk", "desk", "inspector", "supervisor", "leader", "admin", "integrator")
DEPARTMENTS = (
    "education", "civil_affairs", "market_regulation", "culture_tourism", "fire", "urban_management",
    "public_security",
)
REPORT_READERS = ("leader", "supervisor", "clerk", "desk", "admin")
_MARK = "_offcampus_access"
# Paths the kit itself serves without a token.
PUBLIC_ENDPOINTS = {"static", "healthz", "readyz", "metrics", "api-docs.openapi_json",
                     "api-docs.openapi_swagger_ui", "swagger_assets"}


@dataclass(frozen=True)
class Principal:
    """Who is calling: the verified claims of their token."""

    sub: str
    dept: str
    roles: tuple[str, ...]
    aud: tuple[str, ...]
    town: str | None = None
    claims: dict[str, Any] = field(default_factory=dict)

    def has_any(self, roles: Iterable[str]) -> bool:
        """True when the caller holds at least one of the roles."""
        return bool(set(self.roles) & set(roles))


class TokenError(Exception):
    """The token is missing, malformed, expired, forged or meant for another service."""


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


def mint_token(settings: Settings, *, sub: str, dept: str, roles: Iterable[str],
               aud: Iterable[str] | None = None, town: str | None = None, ttl: int = 3600) -> str:
    """Sign a token for the given claims (development tooling, tests and the demo)."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": sub, "dept": dept, "roles": list(roles), "aud": list(aud or SERVICE_PORTS),
        "iat": now, "nbf": now, "exp": now + ttl, "jti": uuid.uuid4().hex,
    }
    if town:
        claims["town"] = town
    if settings.jwt_private_key:
        return jwt.encode(claims, settings.jwt_private_key, algorithm="RS256")
    return jwt.encode(claims, settings.signing_secret, algorithm="HS256")


_LEEWAY_SECONDS = 30


def decode_token(token: str, settings: Settings, audience: str) -> Principal:
    """Verify a token with the one algorithm configured and check it names this service."""
    if settings.jwt_public_key:
        key, algorithm = settings.jwt_public_key, "RS256"
    else:
        key, algorithm = settings.signing_secret, "HS256"
    principal = _verified(token, key, algorithm, audience)
    if int(principal.claims["exp"]) <= time.time() - _LEEWAY_SECONDS:
        return _verify(token, key, algorithm, audience)  # expired since it was remembered: fails as before
    return principal


# Verifying costs 40-100 us a request (PyJWT checks the base64 alphabet character by character and re-vets
# the key each time): a quarter of the kit's overhead, for a token a caller sends unchanged for hours. A
# verified token is remembered per (token, key, algorithm, audience); of the checks only `exp` can turn
# false later (`nbf`, `iat`, signature, audience cannot), so decode_token re-checks it on every use.
# Refused tokens raise, so they are never remembered. The Principal is shared by those requests: it is frozen.
@functools.lru_cache(maxsize=1024)
def _verified(token: str, key: str, algorithm: str, audience: str) -> Principal:
    return _verify(token, key, algorithm, audience)


def _verify(token: str, key: str, algorithm: str, audience: str) -> Principal:
    try:
        claims = jwt.decode(
            token, key, algorithms=[algorithm], audience=audience,
            options={"require": ["sub", "exp", "aud"]}, leeway=_LEEWAY_SECONDS,
        )
    except jwt.ExpiredSignatureError as exc:
        raise TokenError("token_expired") from exc
    except jwt.InvalidAudienceError as exc:
        raise TokenError("token_wrong_audience") from exc
    except jwt.InvalidAlgorithmError as exc:
        raise TokenError("token_wrong_algorithm") from exc
    except jwt.PyJWTError as exc:
        raise TokenError("token_invalid") from exc
    roles = claims.get("roles")
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise TokenError("token_invalid")
    aud = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    return Principal(sub=str(claims["sub"]), dept=str(claims.get("dept", "")), roles=tuple(roles),
                     aud=tuple(aud), town=claims.get("town"), claims=claims)


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


_DETAILS = {
    "token_missing": lambda: _("Send a bearer token in the Authorization header."),
    "token_expired": lambda: _("The token has expired; ask for a new one."),
    "token_wrong_audience": lambda: _("The token is not meant for this service."),
    "token_wrong_algorithm": lambda: _("The token is signed with an algorithm this service does not accept."),
    "token_invalid": lambda: _("The token is not valid."),
}


def _unauthenticated(code: str):
    return problem(401, code=code, detail=_DETAILS[code](),
                   headers={"WWW-Authenticate": 'Bearer realm="offcampus"'})


def install_auth(app: Flask, settings: Settings, service: str) -> None:
    """Check every request's token against the marks on its view before anything else runs."""

    @app.before_request
    def _authenticate():
        g.principal = None
        if request.endpoint is None:
            return None  # unknown routes fall through to a 404/405 problem
        if request.method == "OPTIONS":
            # to anyone, and only the methods allowed: never the view (a view's own `options` would skip auth)
            return current_app.make_default_options_response()
        if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint.endswith(".static"):
            return None
        access = _access_of(current_app)
        header = request.headers.get("Authorization", "")
        token = header[7:].strip() if header[:7].lower() == "bearer " else None
        if access and access[0] == "public":
            if token:  # a public view may still know who asks, but never refuses a bad token
                try:
                    g.principal = decode_token(token, settings, service)
                except TokenError:
                    g.principal = None
            return None
        if not token:
            return _unauthenticated("token_missing")
        try:
            g.principal = decode_token(token, settings, service)
        except TokenError as exc:
            return _unauthenticated(str(exc))
        allowed = access[1:] if access else ()
        if allowed and not g.principal.has_any(allowed):
            return problem(403, code="forbidden",
                           detail=_("This action needs one of the roles: %(roles)s.", roles=", ".join(allowed)),
                           required_roles=list(allowed))
        return None


def current_principal() -> Principal | None:
    """The caller of the current request, if authenticated."""
    return g.get("principal")
