"""Typed settings, read once from the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt

SERVICE_PORTS = {"registry": 8001, "inspection": 8002, "complaints": 8003, "reporting": 8004}
# Signs tokens for `offcampus up` and tests only; `serve` and `worker` refuse it outside development.
DEVELOPMENT_JWT_SECRET = "offcampus-development-secret-not-for-production"  # noqa: S105
DEFAULT_MAX_BODY_BYTES = 1024 * 1024
DEFAULT_JWT_MAX_TTL_SECONDS = 24 * 3600


class SettingsError(ValueError):
    """The environment holds a value the platform cannot run with."""


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: verified tokens are remembered per key
class VerificationKey:
    """One public key of the set tokens are verified against, chosen by the `kid` in a token's header."""

    kid: str
    algorithm: str
    key: Any


def _int(environ: Mapping[str, str], name: str, default: int | None) -> int | None:
    raw = environ.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from exc


def _seconds(environ: Mapping[str, str], name: str) -> float | None:
    raw = environ.get(name, "").strip()
    if not raw:
        return None
    try:
        seconds = float(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a number of seconds, got {raw!r}") from exc
    if seconds != seconds or seconds in (float("inf"), float("-inf")):
        raise SettingsError(f"{name} must be a number of seconds, got {raw!r}")
    return seconds


@dataclass(frozen=True)
class Settings:
    """Everything a service process needs to know about where it runs."""

    env: str = "production"
    jwt_secret: str | None = None
    jwt_public_key: str | None = None
    jwt_private_key: str | None = None
    jwt_keys: tuple[VerificationKey, ...] = ()  # OFFCAMPUS_JWT_JWKS: rotate a signing key without downtime
    jwt_signing_kid: str | None = None  # OFFCAMPUS_JWT_KID: the `kid` minted tokens name
    jwt_max_ttl_seconds: int = DEFAULT_JWT_MAX_TTL_SECONDS
    amqp_url: str | None = None
    bus_namespace: str = "offcampus"
    var_dir: Path = Path("var")
    database_urls: Mapping[str, str] = field(default_factory=dict)
    service_urls: Mapping[str, str] = field(default_factory=dict)
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    log_level: str = "INFO"
    log_format: str = "json"
    metrics_port: int | None = None
    default_locale: str = "zh_CN"
    idempotency_ttl_hours: int = 24
    county_config: Path | None = None  # OFFCAMPUS_COUNTY_CONFIG (None: shared.county.configured_county)
    # rehearsals and end-to-end tests only: every process's clock moved by this much (shared.clock.ShiftedClock)
    clock_shift_seconds: float | None = None  # OFFCAMPUS_CLOCK_SHIFT_SECONDS, refused in production
    # OFFCAMPUS_CHECKS_EVERY_SECONDS: the worker runs each scheduled check at least this often
    checks_every_seconds: float | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read the settings from the process environment (or the mapping given)."""
        environ = os.environ if environ is None else environ
        database_urls = {
            svc: environ[f"OFFCAMPUS_{svc.upper()}_DATABASE_URL"]
            for svc in SERVICE_PORTS
            if environ.get(f"OFFCAMPUS_{svc.upper()}_DATABASE_URL")
        }
        service_urls = {
            svc: environ.get(f"OFFCAMPUS_{svc.upper()}_URL", f"http://127.0.0.1:{port}")
            for svc, port in SERVICE_PORTS.items()
        }
        return cls(
            env=environ.get("OFFCAMPUS_ENV", "production"),
            jwt_secret=environ.get("OFFCAMPUS_JWT_SECRET") or None,
            jwt_public_key=_read_key(environ.get("OFFCAMPUS_JWT_PUBLIC_KEY")),
            jwt_private_key=_read_key(environ.get("OFFCAMPUS_JWT_PRIVATE_KEY")),
            jwt_keys=read_key_set(environ.get("OFFCAMPUS_JWT_JWKS")),
            jwt_signing_kid=environ.get("OFFCAMPUS_JWT_KID") or None,
            jwt_max_ttl_seconds=_int(environ, "OFFCAMPUS_JWT_MAX_TTL_SECONDS", DEFAULT_JWT_MAX_TTL_SECONDS),
            amqp_url=environ.get("OFFCAMPUS_AMQP_URL") or None,
            bus_namespace=environ.get("OFFCAMPUS_BUS_NAMESPACE", "offcampus"),
            var_dir=Path(environ.get("OFFCAMPUS_VAR_DIR", "var")),
            database_urls=database_urls,
            service_urls=service_urls,
            max_body_bytes=_int(environ, "OFFCAMPUS_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES),
            log_level=environ.get("OFFCAMPUS_LOG_LEVEL", "INFO").upper(),
            log_format=environ.get("OFFCAMPUS_LOG_FORMAT", "json"),
            metrics_port=_int(environ, "OFFCAMPUS_METRICS_PORT", None),
            default_locale=environ.get("OFFCAMPUS_DEFAULT_LOCALE", "zh_CN"),
            idempotency_ttl_hours=_int(environ, "OFFCAMPUS_IDEMPOTENCY_TTL_HOURS", 24),
            county_config=Path(environ["OFFCAMPUS_COUNTY_CONFIG"]) if environ.get("OFFCAMPUS_COUNTY_CONFIG") else None,
            clock_shift_seconds=_seconds(environ, "OFFCAMPUS_CLOCK_SHIFT_SECONDS"),
            checks_every_seconds=_seconds(environ, "OFFCAMPUS_CHECKS_EVERY_SECONDS"),
        )

    @property
    def is_development(self) -> bool:
        """True when running as a developer's or test machine, where the development secret is allowed."""
        return self.env in ("development", "test")

    @property
    def uses_development_secret(self) -> bool:
        """True when tokens are checked with the fixed development secret (nothing else configured)."""
        return not self.verifies_with_public_keys and (self.jwt_secret in (None, DEVELOPMENT_JWT_SECRET))

    @property
    def verifies_with_public_keys(self) -> bool:
        """True when tokens are RS256, checked against OFFCAMPUS_JWT_PUBLIC_KEY and/or the JWKS key set."""
        return bool(self.jwt_public_key or self.jwt_keys)

    @property
    def signing_secret(self) -> str:
        """The HS256 secret: the configured one, or the development secret."""
        return self.jwt_secret or DEVELOPMENT_JWT_SECRET

    def database_url(self, service: str) -> str:
        """The service's own database: the configured URL, else an SQLite file under the var dir."""
        if service in self.database_urls:
            return self.database_urls[service]
        return f"sqlite:///{(self.var_dir / f'{service}.sqlite3').resolve()}"

    def service_url(self, service: str) -> str:
        """Where clients find a service's HTTP API."""
        return self.service_urls.get(service, f"http://127.0.0.1:{SERVICE_PORTS.get(service, 8000)}")


def read_key_set(value: str | None) -> tuple[VerificationKey, ...]:
    """A JWKS (JSON text or a path to a file) as verification keys by `kid`; every key must name its `kid`."""
    if not value:
        return ()
    text = value if value.lstrip().startswith("{") else _read_file(value, "JWKS")
    try:
        key_set = jwt.PyJWKSet.from_json(text)
    except (jwt.PyJWTError, ValueError) as exc:
        raise SettingsError(f"OFFCAMPUS_JWT_JWKS is not a usable JSON Web Key Set: {exc}") from exc
    keys = tuple(VerificationKey(kid=k.key_id, algorithm=k.algorithm_name, key=k.key) for k in key_set.keys)
    if any(not k.kid for k in keys) or len({k.kid for k in keys}) != len(keys):
        raise SettingsError("every key in OFFCAMPUS_JWT_JWKS needs its own `kid`")
    if any(k.algorithm.startswith("HS") for k in keys):
        raise SettingsError("OFFCAMPUS_JWT_JWKS holds public keys only (no shared HS secrets)")
    return keys


def _read_file(value: str, what: str) -> str:
    path = Path(value)
    if path.is_file():
        return path.read_text()
    raise SettingsError(f"{what} is neither inline text nor a readable file: {value!r}")


def _read_key(value: str | None) -> str | None:
    """A PEM key given inline or as a path to a file."""
    if not value:
        return None
    if value.lstrip().startswith("-----BEGIN"):
        return value
    path = Path(value)
    if path.is_file():
        return path.read_text()
    raise SettingsError(f"JWT key is neither PEM text nor a readable file: {value!r}")
