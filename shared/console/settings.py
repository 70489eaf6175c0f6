"""Where a service's console signs people in: the provider, this service's client, the session's key."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass

from shared.config import Settings
from shared.console.claims import ClaimNames

SESSION_HOURS = 8  # a working day: after it the person signs in again


@dataclass(frozen=True)
class ConsoleSettings:
    """OFFCAMPUS_OIDC_ISSUER, OFFCAMPUS_<SVC>_OIDC_CLIENT_ID / _SECRET, OFFCAMPUS_<SVC>_CONSOLE_SECRET_KEY."""

    service: str
    issuer: str | None
    client_id: str
    client_secret: str | None
    secret_key: str | None
    secure_cookies: bool
    claim_names: ClaimNames
    scope: str = "openid profile offcampus"

    @classmethod
    def from_env(cls, service: str, settings: Settings, environ: Mapping[str, str] | None = None) -> ConsoleSettings:
        """Read once when the app is built; in development a missing session key is derived, never in production."""
        environ = os.environ if environ is None else environ
        prefix = f"OFFCAMPUS_{service.upper()}_"
        secret_key = environ.get(prefix + "CONSOLE_SECRET_KEY") or environ.get("OFFCAMPUS_CONSOLE_SECRET_KEY")
        if not secret_key and settings.is_development:
            # the development JWT secret is public anyway: a session key derived from it protects nothing more
            secret_key = hashlib.sha256(f"console:{service}:{settings.signing_secret}".encode()).hexdigest()
        return cls(
            service=service,
            issuer=(environ.get("OFFCAMPUS_OIDC_ISSUER") or "").rstrip("/") or None,
            client_id=environ.get(prefix + "OIDC_CLIENT_ID") or f"offcampus-{service}",
            client_secret=environ.get(prefix + "OIDC_CLIENT_SECRET") or None,
            secret_key=secret_key,
            secure_cookies=not settings.is_development,
            claim_names=ClaimNames.from_env(environ),
        )

    @property
    def signs_in(self) -> bool:
        """True when everything sign-in needs is configured."""
        return bool(self.issuer and self.client_secret and self.secret_key)

    @property
    def cookie_name(self) -> str:
        """Four services on one host share cookies across ports: each names its own."""
        return f"offcampus_{self.service}_console"
