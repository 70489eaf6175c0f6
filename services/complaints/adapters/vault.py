"""The reporter's details and full description, sealed at rest with AES-GCM under a configured key.

The key is `OFFCAMPUS_COMPLAINTS_SEALING_KEY` (32 bytes, URL-safe base64). A development or test process
without one uses a fixed development key; production refuses to start without it, so no reporter is ever
stored under a key everyone knows.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Mapping
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from shared.config import Settings, SettingsError

KEY_VARIABLE = "OFFCAMPUS_COMPLAINTS_SEALING_KEY"
_DEVELOPMENT_KEY = b"offcampus-complaints-development"  # 32 bytes, development and tests only
_NONCE_BYTES = 12


class Vault:
    """Seals and opens what only the desk may read, each sealed value bound to its clue."""

    def __init__(self, key: bytes):
        if len(key) != 32:
            raise SettingsError(f"{KEY_VARIABLE} must be 32 bytes (URL-safe base64), got {len(key)}")
        self._aead = AESGCM(key)

    @classmethod
    def configured(cls, settings: Settings, environ: Mapping[str, str] | None = None) -> Vault:
        """The vault under the configured key; the development key only where development is allowed."""
        environ = os.environ if environ is None else environ
        raw = environ.get(KEY_VARIABLE)
        if raw:
            try:
                return cls(base64.urlsafe_b64decode(raw.encode() + b"=" * (-len(raw) % 4)))
            except ValueError as exc:
                raise SettingsError(f"{KEY_VARIABLE} is not URL-safe base64: {exc}") from exc
        if settings.is_development:
            return cls(_DEVELOPMENT_KEY)
        raise SettingsError(f"{KEY_VARIABLE} is required outside development (reporters' details are sealed)")

    def seal(self, clue_id: str, value: Mapping[str, Any]) -> bytes:
        """The value as nonce + ciphertext, readable only with this key and for this clue."""
        nonce = os.urandom(_NONCE_BYTES)
        plain = json.dumps(value, ensure_ascii=False).encode()
        return nonce + self._aead.encrypt(nonce, plain, clue_id.encode())

    def open(self, clue_id: str, sealed: bytes) -> dict[str, Any]:
        """The sealed value (raises cryptography's InvalidTag for another key or another clue's value)."""
        plain = self._aead.decrypt(sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:], clue_id.encode())
        return json.loads(plain)
