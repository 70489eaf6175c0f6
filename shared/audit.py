"""The audit trail: who tried which write through a service's API, when, and what came of it.

Every POST, PUT, PATCH and DELETE that reaches one of the service's routes leaves one record: who (`sub`,
department, roles, town), when, what (method, path, endpoint, status, the resource id) and the request's
correlation and request ids. Never a request body: bodies may hold personal data (a reporter's phone).

Refused attempts are recorded too (401, 403, 409, 422...): a supervisor reviewing the trail wants to see
who tried what they had no right to. Requests to paths no route serves (404/405 before any view) are not
API writes; they are only logged.

The record is written right after the write, in a transaction of its own, before the answer leaves: the kit
does not own the view's transaction (a view commits through its service's unit of work, and a refused write
has none), so it cannot join it. A process killed between the two commits loses that one record; a failure
to write it is logged with the whole record (`audit_record_lost`) and never turns the answer into a 500.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import sqlalchemy as sa
import structlog
from flask import Flask, Response, g, request

from shared.db import Database, UtcDateTime

AUDIT_TABLE = "audit_records"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
FIELDS = ("id", "at", "sub", "dept", "roles", "town", "method", "path", "endpoint", "status", "resource_id",
          "correlation_id", "request_id")

log = structlog.get_logger(__name__)


def _columns() -> list[sa.SchemaItem]:
    return [
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("sub", sa.String(200), nullable=True),  # null: a public write (complaint intake) or no token
        sa.Column("dept", sa.String(50), nullable=True),
        sa.Column("roles", sa.String(200), nullable=False, server_default=""),  # space-separated
        sa.Column("town", sa.String(100), nullable=True),
        sa.Column("method", sa.String(10), nullable=False),
        sa.Column("path", sa.String(500), nullable=False),
        sa.Column("endpoint", sa.String(200), nullable=False),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("resource_id", sa.String(200), nullable=True),
        sa.Column("correlation_id", sa.String(128), nullable=True),
        sa.Column("request_id", sa.String(128), nullable=True),
        sa.Index("ix_audit_records_at", "at"),
        sa.Index("ix_audit_records_sub_at", "sub", "at"),
    ]


def define_audit_table(metadata: sa.MetaData) -> sa.Table:
    """The service's audit trail table."""
    return sa.Table(AUDIT_TABLE, metadata, *_columns())


def create_audit_table(op) -> None:
    """Create the table in a service's alembic migration."""
    op.create_table(AUDIT_TABLE, *_columns())


def drop_audit_table(op) -> None:
    """Drop the table in a service's alembic downgrade."""
    op.drop_table(AUDIT_TABLE)


def audit_table(metadata: sa.MetaData) -> sa.Table:
    """The audit table among a service's tables."""
    return metadata.tables[AUDIT_TABLE]


def _cut(value: str | None, size: int) -> str | None:
    return value[:size] if value is not None else None


def _resource_id(response: Response) -> str | None:
    """The created resource's id from `Location`, else the innermost id in the path."""
    location = response.headers.get("Location")
    if location and 200 <= response.status_code < 300:
        return location.rstrip("/").rsplit("/", 1)[-1] or None
    args = request.view_args or {}
    return str(list(args.values())[-1]) if args else None


def record_of(response: Response) -> dict:
    """The audit record of the current request and its answer."""
    principal = g.get("principal")
    return {
        "at": datetime.now(UTC),
        "sub": _cut(principal.sub, 200) if principal else None,
        "dept": _cut(principal.dept, 50) if principal else None,
        "roles": _cut(" ".join(principal.roles), 200) if principal else "",
        "town": _cut(principal.town, 100) if principal else None,
        "method": request.method,
        "path": _cut(request.path, 500),
        "endpoint": _cut(request.endpoint, 200),
        "status": response.status_code,
        "resource_id": _cut(_resource_id(response), 200),
        "correlation_id": g.get("correlation_id"),
        "request_id": getattr(request, "request_id", None),
    }


def install_audit(app: Flask, database: Database, metadata: sa.MetaData) -> None:
    """Record every write to one of the app's routes, granted or refused, right after it is answered."""
    table = audit_table(metadata)
    # built once, the record passed as parameters: `.values(**record)` costs a new cache key per request
    insert = table.insert()

    @app.after_request
    def _record(response: Response) -> Response:
        if request.method not in WRITE_METHODS or request.endpoint is None:
            return response
        record: dict = {}
        try:
            record = record_of(response)
            # one INSERT in autocommit: a transaction of its own without a BEGIN and a COMMIT to wait for
            with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(insert, record)
        except Exception:  # the write stands: losing its record must not fail it, so say it loudly instead
            log.exception("audit_record_lost", **{key: str(value) for key, value in record.items()})
        return response


def audit_query(table: sa.Table, *, sub: str | None = None, since: datetime | None = None,
                until: datetime | None = None, path: str | None = None) -> sa.Select:
    """The records matching the filters, newest first."""
    query = sa.select(table).order_by(table.c.id.desc())
    if sub is not None:
        query = query.where(table.c.sub == sub)
    if since is not None:
        query = query.where(table.c.at >= since)
    if until is not None:
        query = query.where(table.c.at < until)
    if path:
        query = query.where(table.c.path.startswith(path, autoescape=True))
    return query


def audit_page(database: Database, query: sa.Select, page: int, page_size: int) -> tuple[list, int]:
    """One page of the query's records, and how many there are in all."""
    with database.engine.connect() as conn:
        total = conn.execute(sa.select(sa.func.count()).select_from(query.order_by(None).subquery())).scalar_one()
        rows = conn.execute(query.limit(page_size).offset((page - 1) * page_size)).mappings().all()
    return [_as_read(row) for row in rows], total


def audit_rows(database: Database, query: sa.Select, batch: int = 500) -> Iterator[dict]:
    """Every record of the query, fetched `batch` at a time so an export of years stays small in memory."""
    with database.engine.connect() as conn:
        result = conn.execution_options(yield_per=batch).execute(query)
        for row in result.mappings():
            yield _as_read(row)


def _as_read(row) -> dict:
    return {**row, "roles": row["roles"].split()}
