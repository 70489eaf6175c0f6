"""A rebuild asked for through the API runs as a job: a thread of the web process, its progress in `rebuild_jobs`.

A national archive takes minutes to replay, longer than a web worker may spend on a request (gunicorn's
timeout), so `start` answers at once and the rebuild runs beside the requests, in one transaction of its own
as `offcampus rebuild reporting` runs it: an interrupted rebuild rolls back and the old projections stay.
Its state and progress are written on another connection as it goes, so any worker can answer how far it is.

Only one runs at a time. On PostgreSQL the job's connection holds an advisory lock (per schema) from before the
job is recorded until after it is marked done or failed; a process that dies loses its connection and so the
lock, and a job still marked queued or running with nobody holding the lock is shown as failed (interrupted)
instead of running forever. On SQLite (the embedded single-process platform) a lock of the process does the same,
and the progress is written only when the job starts and ends: SQLite lets one writer at a time, the rebuild.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.reporting.adapters.orm import rebuild_jobs
from services.reporting.service_layer import rebuild
from shared.clock import current_clock
from shared.db import Database
from shared.refusals import N_, Conflict, NotFound

log = logging.getLogger(__name__)
QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
UNFINISHED = (QUEUED, RUNNING)
INTERRUPTED = N_("Interrupted: the process running it stopped before it finished; the projections are as before.")
_LOCK_CLASS = 72_026_110  # the advisory lock's first key; the second is the schema's hash
_PROCESS_LOCKS: dict[str, threading.Lock] = {}  # SQLite: one per database file
_PROCESS_LOCKS_GUARD = threading.Lock()


def _process_lock(database: Database) -> threading.Lock:
    with _PROCESS_LOCKS_GUARD:
        return _PROCESS_LOCKS.setdefault(database.url, threading.Lock())


def _postgres(database: Database) -> bool:
    return database.engine.dialect.name == "postgresql"


class _Holder:
    """The rebuild's own connection, holding the one-rebuild-at-a-time lock until `release`."""

    def __init__(self, database: Database):
        self.database = database
        self.connection = database.engine.connect()
        self.locked = False

    def acquire(self) -> bool:
        if _postgres(self.database):
            self.locked = bool(self.connection.scalar(sa.text(
                "SELECT pg_try_advisory_lock(:cls, hashtext(current_schema()))"), {"cls": _LOCK_CLASS}))
            self.connection.commit()  # a session-level lock: it outlives this transaction and the rebuild's
        else:
            self.locked = _process_lock(self.database).acquire(blocking=False)
        return self.locked

    def release(self) -> None:
        try:
            if self.locked and _postgres(self.database):
                self.connection.rollback()
                self.connection.execute(sa.text("SELECT pg_advisory_unlock(:cls, hashtext(current_schema()))"),
                                        {"cls": _LOCK_CLASS})
                self.connection.commit()
            self.connection.close()
        except Exception:  # the connection broke: dropping it frees the lock in PostgreSQL
            log.exception("rebuild: releasing the lock failed; dropping the connection")
            self.connection.invalidate()
            self.connection.close()
        finally:
            if self.locked and not _postgres(self.database):
                _process_lock(self.database).release()
            self.locked = False


def _someone_rebuilds(database: Database) -> bool:
    """Whether a live process holds the rebuild lock (a job marked running without it died with its process)."""
    if not _postgres(database):
        return _process_lock(database).locked()
    with database.engine.connect() as connection:
        free = connection.scalar(sa.text("SELECT pg_try_advisory_lock(:cls, hashtext(current_schema()))"),
                                 {"cls": _LOCK_CLASS})
        if free:
            connection.execute(sa.text("SELECT pg_advisory_unlock(:cls, hashtext(current_schema()))"),
                               {"cls": _LOCK_CLASS})
        connection.commit()
    return not free


def _mark(database: Database, job_id: int, **values: Any) -> None:
    with database.engine.begin() as connection:
        connection.execute(rebuild_jobs.update().where(rebuild_jobs.c.job_id == job_id).values(**values))


def _mark_dead_jobs(connection: sa.Connection) -> None:
    """Jobs marked queued or running while nobody rebuilds: their process died."""
    connection.execute(rebuild_jobs.update().where(rebuild_jobs.c.state.in_(UNFINISHED))
                       .values(state=FAILED, error=INTERRUPTED, finished_at=current_clock().now()))


def start(database: Database, requested_by: str) -> int:
    """Record a rebuild and start it in a thread; its job id. Conflict while another one runs."""
    holder = _Holder(database)
    try:
        if not holder.acquire():
            raise Conflict(N_("A rebuild is already running (job %(job_id)s)."), code="rebuild.running",
                           job_id=_latest_unfinished(database))
        with database.engine.begin() as connection:
            _mark_dead_jobs(connection)  # this process holds the lock now: no other job is alive
            job_id = connection.execute(rebuild_jobs.insert().values(
                state=QUEUED, events_done=0, requested_by=requested_by,
                requested_at=current_clock().now())).inserted_primary_key[0]
    except BaseException:
        holder.release()
        raise
    threading.Thread(target=_run, args=(holder, job_id), name=f"reporting-rebuild-{job_id}", daemon=True).start()
    return job_id


def _latest_unfinished(database: Database) -> int | None:
    with database.engine.connect() as connection:
        return connection.scalar(sa.select(sa.func.max(rebuild_jobs.c.job_id))
                                 .where(rebuild_jobs.c.state.in_(UNFINISHED)))


def _run(holder: _Holder, job_id: int) -> None:
    """Replay the archive in one transaction on the holder's connection, telling the job's row how far it is."""
    database = holder.database
    live_progress = _postgres(database)

    def progress(done: int, total: int) -> None:
        if live_progress:
            _mark(database, job_id, events_done=done, events_total=total)

    try:
        _mark(database, job_id, state=RUNNING, started_at=current_clock().now())
        with Session(bind=holder.connection) as session:
            replayed = rebuild.rebuild(session, progress=progress)
            session.commit()
        _mark(database, job_id, state=DONE, events_done=replayed, events_total=replayed,
              finished_at=current_clock().now())
        log.info("rebuild job %s replayed %s events", job_id, replayed)
    except Exception as exc:  # noqa: BLE001 - the job's row says what went wrong; the transaction rolled back
        log.exception("rebuild job %s failed", job_id)
        try:
            _mark(database, job_id, state=FAILED, error=f"{type(exc).__name__}: {exc}"[:2000],
                  finished_at=current_clock().now())
        except Exception:  # noqa: BLE001 - nobody holds the lock once released: the job then reads as interrupted
            log.exception("rebuild job %s: recording the failure failed", job_id)
    finally:
        holder.release()


def status(database: Database, job_id: int) -> dict[str, Any]:
    """The job's state and progress; one marked unfinished whose process died is marked failed (interrupted)."""
    def read() -> sa.Row | None:
        with database.engine.connect() as connection:
            return connection.execute(sa.select(rebuild_jobs).where(rebuild_jobs.c.job_id == job_id)).first()

    row = read()
    if row is None:
        raise NotFound(N_("There is no rebuild %(job_id)s."), code="rebuild.not_found", job_id=job_id)
    if row.state in UNFINISHED and not _someone_rebuilds(database):
        with database.engine.begin() as connection:  # only if still unfinished: it may have just finished
            connection.execute(rebuild_jobs.update().where(rebuild_jobs.c.job_id == job_id,
                                                           rebuild_jobs.c.state.in_(UNFINISHED))
                               .values(state=FAILED, error=INTERRUPTED, finished_at=current_clock().now()))
        row = read()
    return dict(row._mapping)
