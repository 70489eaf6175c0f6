"""Engines, a session per request or message, and a unit of work per request (`shared.unit_of_work`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from typing import Any

import sqlalchemy as sa
from flask import Flask, g
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session, sessionmaker

from shared.unit_of_work import BatchUnitOfWork, UnitOfWork

__all__ = ["BatchUnitOfWork", "Database", "UnitOfWork", "UtcDateTime", "install_session", "make_engine",
           "request_session", "request_uow"]


class UtcDateTime(sa.TypeDecorator):
    """A timestamp stored in UTC and always read back timezone-aware, on SQLite as on PostgreSQL."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime: store aware times (UTC)")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)  # SQLite keeps no offset; we only ever store UTC
        return value


def make_engine(url: str, **kwargs: Any) -> sa.Engine:
    """An engine tuned for the backend: WAL and foreign keys on SQLite, a checked pool on PostgreSQL."""
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)

        @sa_event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    # No pre-ping: it costs a database round trip on every checkout (every request). A connection that died
    # with a database restart fails its one request as a 503 (shared.errors) and the pool drops it and every
    # older one (SQLAlchemy invalidates the pool on a disconnect); recycling bounds a connection's age.
    kwargs.setdefault("pool_pre_ping", False)
    kwargs.setdefault("pool_recycle", 1800)
    kwargs.setdefault("pool_size", 5)
    kwargs.setdefault("max_overflow", 10)
    return sa.create_engine(url, **kwargs)


class Database:
    """A service's engine and session factory, made once per app or worker (never at import time)."""

    def __init__(self, url: str, **engine_kwargs: Any):
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        self.sessions = sessionmaker(bind=self.engine, expire_on_commit=False)
        self.relay_wakeup: Callable[[], None] | None = None

    def unit_of_work(self, correlation_id: str | None = None) -> UnitOfWork:
        """A fresh unit of work on this database."""
        return UnitOfWork(self.sessions, on_commit=self.relay_wakeup, correlation_id=correlation_id)

    def ping(self) -> None:
        """Raise if the database does not answer."""
        with self.engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def install_session(app: Flask, database: Database) -> None:
    """Give each request its own session (`request_session()`), closed when the request ends."""
    app.extensions["offcampus.db"] = database

    @app.teardown_appcontext
    def _close_session(_exc):
        session = g.pop("db_session", None)
        if session is not None:
            session.close()


def request_session() -> Session:
    """The current request's session, opened on first use."""
    from flask import current_app

    if "db_session" not in g:
        g.db_session = current_app.extensions["offcampus.db"].sessions()
    return g.db_session


def request_uow() -> UnitOfWork:
    """A unit of work for the current request, carrying its correlation id into every event."""
    from flask import current_app

    return current_app.extensions["offcampus.db"].unit_of_work(correlation_id=g.get("correlation_id"))
