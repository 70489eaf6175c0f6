"""Bearer JWTs: minted with `iat` and a bounded lifetime, verified against the key their `kid` names.

HS256 with a shared secret on a developer's machine; RS256 in production, against `OFFCAMPUS_JWT_PUBLIC_KEY`
(tokens without a `kid`) and a JWKS key set (`OFFCAMPUS_JWT_JWKS`, tokens naming a `kid`). Rotating a
signing key without downtime: publish the new public key in the set beside the old one, switch the signer
to the new private key and `kid`, and drop the old key once its last tokens have expired.
"""

from __future__ import annotations

import functools
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import jwt

from shared.config import SERVICE_PORTS, Settings, VerificationKey

LEEWAY_SECONDS = 30  # clocks of the issuer and of this service may differ by this much


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
    """The token is missing, malformed, expired, forged, too long-lived or meant for another service."""


def mint_token(settings: Settings, *, sub: str, dept: str, roles: Iterable[str],
               aud: Iterable[str] | None = None, town: str | None = None, ttl: int = 3600,
               now: float | None = None) -> str:
    """Sign a token for the given claims (development tooling, tests and the demo)."""
    if not 0 < ttl <= settings.jwt_max_ttl_seconds:
        raise ValueError(f"a token lives 1 to {settings.jwt_max_ttl_seconds} seconds, not {ttl}")
    issued = int(time.time() if now is None else now)
    claims: dict[str, Any] = {
        "sub": sub, "roles": list(roles), "aud": list(aud or SERVICE_PORTS),
        "iat": issued, "nbf": issued, "exp": issued + ttl, "jti": uuid.uuid4().hex,
    }
    if dept:  # admin and integrator belong to no department
        claims["dept"] = dept
    if town:
        claims["town"] = town
    if settings.jwt_private_key:
        headers = {"kid": settings.jwt_signing_kid} if settings.jwt_signing_kid else None
        return jwt.encode(claims, settings.jwt_private_key, algorithm="RS256", headers=headers)
    return jwt.encode(claims, settings.signing_secret, algorithm="HS256")


def decode_token(token: str, settings: Settings, audience: str, now: float | None = None) -> Principal:
    """Verify a token's signature, audience and lifetime with the key it names, and its times against `now`."""
    key, algorithm = _key_for(token, settings)
    principal = _verified(token, key, algorithm, audience, settings.jwt_max_ttl_seconds)
    _check_times(principal.claims, time.time() if now is None else now)
    return principal


def _key_for(token: str, settings: Settings) -> tuple[Any, str]:
    if not settings.verifies_with_public_keys:
        return settings.signing_secret, "HS256"
    kid = _kid_of(token)
    if kid is not None and settings.jwt_keys:
        for candidate in settings.jwt_keys:
            if candidate.kid == kid:
                return candidate, candidate.algorithm  # hashed by identity for the cache below
        raise TokenError("token_unknown_key")
    if settings.jwt_public_key:
        return settings.jwt_public_key, "RS256"
    raise TokenError("token_unknown_key")  # only a key set is configured, and the token names no key of it


@functools.lru_cache(maxsize=1024)
def _kid_of(token: str) -> str | None:
    try:
        kid = jwt.get_unverified_header(token).get("kid")
    except jwt.PyJWTError as exc:
        raise TokenError("token_invalid") from exc
    return kid if isinstance(kid, str) else None


def _check_times(claims: dict[str, Any], now: float) -> None:
    if claims["exp"] <= now - LEEWAY_SECONDS:
        raise TokenError("token_expired")
    if claims["iat"] > now + LEEWAY_SECONDS or claims.get("nbf", claims["iat"]) > now + LEEWAY_SECONDS:
        raise TokenError("token_not_yet_valid")


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


# Verifying costs 40-100 us a request (PyJWT checks the base64 alphabet character by character and re-vets
# the key each time): a quarter of the kit's overhead, for a token a caller sends unchanged for hours. What
# never changes for a token (signature, audience, claims, lifetime) is checked once and remembered per
# (token, key, algorithm, audience, maximum lifetime); its times are checked on every use against the
# clock (`_check_times`). Refused tokens raise, so they are never remembered. The Principal is frozen.
@functools.lru_cache(maxsize=1024)
def _verified(token: str, key: Any, algorithm: str, audience: str, max_ttl: int) -> Principal:
    try:
        claims = jwt.decode(
            token, key.key if isinstance(key, VerificationKey) else key, algorithms=[algorithm], audience=audience,
            options={"require": ["sub", "exp", "aud", "iat"], "verify_exp": False, "verify_iat": False,
                     "verify_nbf": False},
        )
    except jwt.InvalidAudienceError as exc:
        raise TokenError("token_wrong_audience") from exc
    except jwt.InvalidAlgorithmError as exc:
        raise TokenError("token_wrong_algorithm") from exc
    except jwt.PyJWTError as exc:
        raise TokenError("token_invalid") from exc
    roles = claims.get("roles")
    times = (claims["exp"], claims["iat"], claims.get("nbf", claims["iat"]))
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles) or not all(map(_number, times)):
        raise TokenError("token_invalid")
    if claims["exp"] - claims["iat"] > max_ttl:
        raise TokenError("token_lifetime_too_long")
    aud = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    town = claims.get("town")
    return Principal(sub=str(claims["sub"]), dept=str(claims.get("dept", "")), roles=tuple(roles),
                     aud=tuple(aud), town=town if isinstance(town, str) else None, claims=claims)
