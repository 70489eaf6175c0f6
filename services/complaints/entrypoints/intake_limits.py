"""Public intake is rate-limited per client (flask-limiter): memory when embedded, Redis in production."""

from __future__ import annotations

from collections.abc import Mapping

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

RATE_VARIABLE = "OFFCAMPUS_COMPLAINTS_INTAKE_RATE"
STORAGE_VARIABLE = "OFFCAMPUS_COMPLAINTS_RATE_LIMIT_STORAGE"  # e.g. redis://127.0.0.1:6379/0
DEFAULT_RATE = "60/minute"


def limit_intake(app: Flask, blueprint, environ: Mapping[str, str]) -> Limiter:
    """Limit the blueprint's POSTs per client address; a client over the limit is answered 429."""
    limiter = Limiter(get_remote_address, app=app, storage_uri=environ.get(STORAGE_VARIABLE) or "memory://",
                      headers_enabled=True)
    limiter.limit(environ.get(RATE_VARIABLE) or DEFAULT_RATE, methods=["POST"])(blueprint)
    return limiter
