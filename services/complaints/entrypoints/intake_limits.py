"""Public intake is rate-limited per client (flask-limiter): memory when embedded, Redis in production."""

from __future__ import annotations

from collections.abc import Mapping

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

RATE_VARIABLE = "OFFCAMPUS_COMPLAINTS_INTAKE_RATE"
STORAGE_VARIABLE = "OFFCAMPUS_COMPLAINTS_RATE_LIMIT_STORAGE"  # e.g. redis://127.0.0.1:6379/0
DEFAULT_RATE = "60/minute"


def limit_intake(app: Flask, blueprints, environ: Mapping[str, str]) -> Limiter:
    """Limit the blueprints' POSTs per client address, all together; a client over the limit is answered 429."""
    limiter = Limiter(get_remote_address, app=app, storage_uri=environ.get(STORAGE_VARIABLE) or "memory://",
                      headers_enabled=True)
    # one shared limit: filing by the page or by Open311 draws on the same allowance
    shared = limiter.shared_limit(environ.get(RATE_VARIABLE) or DEFAULT_RATE, scope="intake", methods=["POST"])
    for blueprint in blueprints:
        shared(blueprint)
    return limiter
