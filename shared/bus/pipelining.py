"""A handler's writes without a round trip each: psycopg's pipeline mode inside the consumer's transaction.

A consumer's batch runs every handler in one transaction. Most handlers write a row or two per event and
never read what the write answers, yet each write waits for the database's reply before the next statement
goes: a round trip per event, which on PostgreSQL costs the client and the server more CPU than the insert
itself. Inside `pipelined(session)`, statements go out without waiting; the connection waits (a pipeline
*sync*) only when an answer is needed:

- after every statement except an INSERT that returns nothing (a SELECT, an UPDATE or DELETE, whose row
  count an ORM or a version check reads, anything with RETURNING, text statements);
- before a savepoint begins, and after every statement inside a savepoint;
- when the block ends, before the transaction commits.

So reads always see the writes before them, and an error of a pipelined INSERT is raised (as SQLAlchemy's
error, an `IntegrityError` for a broken constraint) by the next statement that waits, at the latest when the
block ends, always inside the transaction. Inside a savepoint nothing is deferred: a handler that catches a
database error around `session.begin_nested()` sees it where it would without the pipeline. (Catching one
without a savepoint leaves PostgreSQL's transaction failed; the consumer refuses to commit such a batch.)

Anything else than PostgreSQL through psycopg 3 runs as before.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import sqlalchemy as sa
from psycopg.pq import TransactionStatus
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session


def _on_psycopg(connection: sa.Connection) -> bool:
    return connection.dialect.name == "postgresql" and connection.dialect.driver == "psycopg"


@contextmanager
def pipelined(session: Session) -> Iterator[None]:
    """Run the block's statements in pipeline mode on the session's connection (PostgreSQL + psycopg 3)."""
    connection = session.connection()
    if not _on_psycopg(connection):
        yield
        return

    def wrapped(exc: psycopg.Error) -> sa.exc.DBAPIError:  # an error raised outside SQLAlchemy, named as it would
        return sa.exc.DBAPIError.instance(None, None, exc, psycopg.Error, dialect=connection.dialect)

    def after_cursor_execute(conn, cursor, statement, parameters, context, executemany) -> None:
        if _needs_answer(context) or conn.in_nested_transaction():
            pipeline.sync()  # the result (or an earlier statement's error) is in before SQLAlchemy reads it

    def before_savepoint(conn, name) -> None:
        try:  # an earlier insert's error must not look like the savepoint's own
            pipeline.sync()
        except psycopg.Error as exc:
            raise wrapped(exc) from exc

    # Listening on this one connection for the block only: a listener on the Engine class would put every
    # statement of every engine (each HTTP request's too) through SQLAlchemy's event dispatch.
    try:
        with connection.connection.driver_connection.pipeline() as pipeline:
            sa_event.listen(connection, "after_cursor_execute", after_cursor_execute)
            sa_event.listen(connection, "savepoint", before_savepoint)
            try:
                yield
            finally:
                sa_event.remove(connection, "after_cursor_execute", after_cursor_execute)
                sa_event.remove(connection, "savepoint", before_savepoint)
    except psycopg.Error as exc:  # raised by the last sync
        raise wrapped(exc) from exc


class FailedTransaction(RuntimeError):
    """The database already rolled the transaction back (a database error was caught and ignored)."""


def refuse_failed_transaction(session: Session) -> None:
    """Raise FailedTransaction when PostgreSQL has failed the session's transaction.

    psycopg commits such a transaction without complaint, and the server quietly rolls it back: a consumer
    would acknowledge events whose effects (and inbox rows) are gone. Costs no round trip.
    """
    connection = session.connection()
    if not _on_psycopg(connection):
        return
    if connection.connection.driver_connection.info.transaction_status == TransactionStatus.INERROR:
        raise FailedTransaction("a database error was caught and ignored; PostgreSQL rolled the transaction back")


def _needs_answer(context: Any) -> bool:
    """Whether SQLAlchemy will read this statement's result: everything but an INSERT returning nothing."""
    compiled = getattr(context, "compiled", None)
    if compiled is None or not context.isinsert:
        return True
    return bool(compiled.effective_returning)
