"""Signing in through the county's OpenID provider (authorization code + PKCE, Authlib's Flask client) and out.

The session keeps the principal and the id_token (the hint the provider needs to end its own session), for
at most the working day; the platform never sees a password.
"""

from __future__ import annotations

from typing import Any

import requests
import structlog
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.flask_client import OAuth
from flask import Blueprint, Flask, current_app, g, redirect, request, session, url_for

from shared.auth import public
from shared.console.claims import SignInRefused, principal_from_claims
from shared.console.kit import EXTENSION, PREFIX, console_headers, page, session_record, signed_in
from shared.console.settings import ConsoleSettings
from shared.county import county_config

log = structlog.get_logger(__name__)
blp = Blueprint("console", __name__, url_prefix=PREFIX, template_folder="templates", static_folder="static",
                static_url_path="/kit-static")
blp.after_request(console_headers)
# what breaks when the provider cannot be reached or answers nonsense: a page saying so, never a 500
PROVIDER_DOWN = (requests.RequestException, AuthlibBaseError, ValueError, KeyError, RuntimeError)


def provider_client(app: Flask, settings: ConsoleSettings) -> Any | None:
    """Authlib's client of the provider for this service, or None when sign-in is not configured."""
    if not settings.signs_in:
        return None
    oauth = OAuth(app)
    return oauth.register(
        "county", client_id=settings.client_id, client_secret=settings.client_secret,
        server_metadata_url=f"{settings.issuer}/.well-known/openid-configuration",
        client_kwargs={"scope": settings.scope, "code_challenge_method": "S256", "timeout": 5},
    )


def _client():
    return current_app.extensions[EXTENSION].client


def _safe_next(target: str | None) -> str:
    """Only a console path of this service: never an open redirect."""
    if target and target.startswith(PREFIX) and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("console_kit.home")


@blp.get("/login")
@public
def sign_in():
    """Send the person to the provider's sign-in form; back at /console/auth/callback."""
    client = _client()
    if client is None:
        return page("console/provider_down.html", 503, reason="not_configured")
    target = _safe_next(request.args.get("next"))
    session.clear()
    session["next"] = target
    try:
        return client.authorize_redirect(url_for("console.callback", _external=True))
    except PROVIDER_DOWN as exc:
        log.warning("console_provider_unreachable", error=exc.__class__.__name__)
        return page("console/provider_down.html", 503, reason="unreachable")


@blp.get("/auth/callback")
@public
def callback():
    """Take the code, check the id_token (signature by `kid`, issuer, audience, nonce) and start the session."""
    client = _client()
    if client is None:
        return page("console/provider_down.html", 503, reason="not_configured")
    try:
        token = client.authorize_access_token()
    except requests.RequestException as exc:
        log.warning("console_provider_unreachable", error=exc.__class__.__name__)
        return page("console/provider_down.html", 503, reason="unreachable")
    except PROVIDER_DOWN as exc:
        log.warning("console_sign_in_failed", error=exc.__class__.__name__)
        return page("console/refused.html", 400, reason="sign_in_failed")
    claims = token.get("userinfo") or {}
    console = current_app.extensions[EXTENSION]
    target = _safe_next(session.get("next"))
    session.clear()
    try:
        principal = principal_from_claims(claims, console.settings.claim_names, county_config(),
                                          current_app.extensions["offcampus.spec"].name)
    except SignInRefused as refusal:
        log.info("console_sign_in_refused", code=refusal.code, sub=claims.get("sub"))
        return page("console/refused.html", 403, reason=refusal.code, facts=refusal.facts)
    session.permanent = True
    session.update(session_record(principal, token.get("id_token")))
    log.info("console_signed_in", sub=principal.sub, roles=list(principal.roles))
    return redirect(target, 303)


@blp.post("/logout")
@public
def sign_out():
    """End this console's session and the provider's (its end_session_endpoint, with the id_token hint)."""
    console = current_app.extensions[EXTENSION]
    if signed_in() is not None:
        console.csrf.protect()
    hint = session.get("id_token")
    session.clear()
    client = _client()
    if client is None or not hint:
        return redirect(url_for("console.signed_out"), 303)
    try:
        found = client.create_logout_url(post_logout_redirect_uri=url_for("console.signed_out", _external=True),
                                         id_token_hint=hint, client_id=console.settings.client_id)
    except PROVIDER_DOWN as exc:
        log.warning("console_provider_unreachable", error=exc.__class__.__name__)
        return page("console/provider_down.html", 503, reason="signed_out_here")
    return redirect(found["url"], 303)


@blp.get("/signed-out")
@public
def signed_out():
    """Where the provider sends the person after ending its session."""
    g.principal = None
    return page("console/signed_out.html")
