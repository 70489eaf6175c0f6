"""`Idempotency-Key` for creating POSTs: the same key and body give the same answer, once.

A row is found by a digest of caller, path and key, so no two callers' keys can meet however long they are.
The stored answer may hold personal data (complaints answer with a reporter's token): it is sealed with
AES-GCM under a key derived from the Idempotency-Key itself, which only the caller holds, and the request's
fingerprint is keyed the same way, so the table alone reveals neither the answer nor the body.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import Flask, Response, after_this_request, g, request
from flask_babel import gettext as _

from shared.db import Database
from shared.errors import problem

_TABLE = "idempotency_keys"
_KEY_MAX = 200
_NONCE_BYTES = 12


def scope_of(caller: str, path: str, key: str) -> str:
    """The row's id: a hex digest of caller, path and key (fits the 300-character column, never collides)."""
    return hashlib.sha256("\0".join((caller, path, key)).encode("utf-8", "surrogatepass")).hexdigest()


def _secret(key: str, scope: str, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=scope.encode(), info=purpose).derive(
        key.encode("utf-8", "surrogatepass"))


def _fingerprint(key: str, scope: str, body: bytes) -> str:
    return hmac.new(_secret(key, scope, b"offcampus idempotency fingerprint"), body, hashlib.sha256).hexdigest()


def seal(key: str, scope: str, body: bytes) -> bytes:
    """The answer encrypted for storage: nonce and AES-GCM ciphertext, bound to its scope."""
    nonce = os.urandom(_NONCE_BYTES)
    return nonce + AESGCM(_secret(key, scope, b"offcampus idempotency answer")).encrypt(nonce, body, scope.encode())


def unseal(key: str, scope: str, sealed: bytes) -> bytes:
    """The stored answer decrypted (raises InvalidTag when it was not sealed under this key and scope)."""
    aead = AESGCM(_secret(key, scope, b"offcampus idempotency answer"))
    return aead.decrypt(sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:], scope.encode())


def define_idempotency_table(metadata: sa.MetaData) -> sa.Table:
    """The table remembering each key's request fingerprint and stored answer."""
    return sa.Table(
        _TABLE, metadata,
        sa.Column("scope", sa.String(300), primary_key=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("status", sa.Integer, nullable=True),  # null while the first request is still running
        sa.Column("body", sa.LargeBinary, nullable=True),
        sa.Column("content_type", sa.String(100), nullable=True),
        sa.Column("location", sa.String(500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def create_idempotency_table(op) -> None:
    """Create the table in a service's alembic migration."""
    op.create_table(
        _TABLE,
        sa.Column("scope", sa.String(300), primary_key=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("status", sa.Integer, nullable=True),
        sa.Column("body", sa.LargeBinary, nullable=True),
        sa.Column("content_type", sa.String(100), nullable=True),
        sa.Column("location", sa.String(500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def install_idempotency(app: Flask, database: Database, table: sa.Table, ttl_hours: int = 24) -> None:
    """Replay the stored answer for a repeated key; refuse the key reused with another body."""

    @app.before_request
    def _replay():
        if request.method != "POST":
            return None
        key = request.headers.get("Idempotency-Key")
        if key is None:
            return None
        if not key or len(key) > _KEY_MAX:
            return problem(400, code="idempotency_key_invalid",
                           detail=_("Idempotency-Key must be 1 to %(n)s characters.", n=_KEY_MAX))
        caller = g.principal.sub if g.get("principal") else "public"
        scope = scope_of(caller, request.path, key)
        fingerprint = _fingerprint(key, scope, request.get_data())
        now = datetime.now(UTC)
        with database.engine.begin() as conn:
            conn.execute(table.delete().where(table.c.created_at < now - timedelta(hours=ttl_hours)))
            row = conn.execute(sa.select(table).where(table.c.scope == scope)).first()
            if row is None:
                try:
                    conn.execute(table.insert().values(scope=scope, fingerprint=fingerprint, created_at=now))
                except sa.exc.IntegrityError:
                    row = conn.execute(sa.select(table).where(table.c.scope == scope)).first()
        if row is None:
            # the first request with this key: its answer is remembered once it is made (only this request
            # carries the hook, so no other request pays for it)
            after_this_request(functools.partial(_remember, scope, key))
            return None
        if row.fingerprint != fingerprint:
            return problem(422, code="idempotency_key_reused",
                           detail=_("This Idempotency-Key was already used with a different request body."))
        if row.status is None:
            return problem(409, code="idempotency_in_progress",
                           detail=_("A request with this Idempotency-Key is still being processed."))
        body = unseal(key, scope, row.body) if row.body is not None else b""
        response = Response(body, status=row.status, content_type=row.content_type)
        if row.location:
            response.headers["Location"] = row.location
        response.headers["Idempotent-Replayed"] = "true"
        return response

    def _remember(scope: str, key: str, response: Response) -> Response:
        with database.engine.begin() as conn:
            if response.status_code >= 500:  # let the client try again with the same key
                conn.execute(table.delete().where(table.c.scope == scope))
            else:
                conn.execute(table.update().where(table.c.scope == scope).values(
                    status=response.status_code, body=seal(key, scope, response.get_data()),
                    content_type=response.content_type, location=response.headers.get("Location")))
        return response
