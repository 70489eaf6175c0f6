"""Clues in and out of their table: the public columns in clear, the reporter and full text sealed."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.complaints.adapters.orm import clue_steps, clues, notifications, reporter_views
from services.complaints.adapters.vault import Vault
from services.complaints.domain import Category, Channel
from services.complaints.domain.clue import Clue, Place, Status, token_digest
from services.complaints.domain.privacy import mask_personal_numbers

# Public output never needs the sealed column: these are the columns an Open311 reader may see.
PUBLIC_COLUMNS = (clues.c.id, clues.c.status, clues.c.category, clues.c.description_public, clues.c.address,
                  clues.c.lat, clues.c.long, clues.c.media_url, clues.c.department, clues.c.due_on,
                  clues.c.status_note, clues.c.outcome, clues.c.received_at, clues.c.updated_at)


_INSERT = clues.insert()


def add(session: Session, vault: Vault, clue: Clue, token: str) -> None:
    """Store a new clue; only the token's digest is kept."""
    sealed = vault.seal(clue.id, {"description": clue.description, "reporter": clue.reporter.as_dict()})
    # the statement is built once and its values passed as parameters: `insert().values(...)` with every
    # value inline costs SQLAlchemy a new cache key per call (about a fifth of an intake's CPU, measured)
    session.execute(_INSERT, dict(
        id=clue.id, status=clue.status.value, category=clue.category.value, channel=clue.channel.value,
        description_public=clue.public_description, sealed=sealed, token_digest=token_digest(token),
        address=clue.place.address, lat=clue.place.lat, long=clue.place.long, town=clue.place.town,
        media_url=clue.media_url, attributes=clue.attributes, correlation_id=clue.correlation_id,
        department=clue.department, due_on=clue.due_on, status_note=clue.status_note,
        received_at=clue.received_at, recorded_at=clue.recorded_at, updated_at=clue.updated_at,
        external_ref=clue.external_ref, due_provisional=clue.due_provisional, institution_id=clue.institution_id))


def load(session: Session, clue_id: str, *, for_update: bool = True) -> Clue | None:
    """A clue to change (without its sealed details, which a change never needs)."""
    query = sa.select(clues).where(clues.c.id == clue_id)
    row = session.execute(query.with_for_update() if for_update else query).mappings().first()
    if row is None:
        return None
    return Clue(id=row["id"], category=Category(row["category"]), channel=Channel(row["channel"]),
                description="", place=Place(row["address"], row["lat"], row["long"], row["town"]),
                received_at=row["received_at"], recorded_at=row["recorded_at"], status=Status(row["status"]),
                correlation_id=row["correlation_id"], due_on=row["due_on"], due_provisional=row["due_provisional"],
                external_ref=row["external_ref"], institution_id=row["institution_id"],
                department=row["department"], status_note=row["status_note"], updated_at=row["updated_at"],
                **{name: row[name] for name in _HANDLING})


def save(session: Session, clue: Clue) -> None:
    """Write back what handling a clue may change."""
    session.execute(clues.update().where(clues.c.id == clue.id).values(
        status=clue.status.value, category=clue.category.value, town=clue.place.town, due_on=clue.due_on,
        due_provisional=clue.due_provisional, institution_id=clue.institution_id, department=clue.department,
        status_note=clue.status_note, updated_at=clue.updated_at, external_ref=clue.external_ref,
        **{name: getattr(clue, name) for name in _HANDLING}))
    if clue.steps:
        session.execute(clue_steps.insert(), [{"clue_id": clue.id, "action": step.action, "at": step.at,
                                               "by": step.by, "reason": step.reason} for step in clue.steps])
        clue.steps.clear()


def history_of(session: Session, clue_id: str) -> list[dict[str, Any]]:
    """The clue's handling steps, oldest first: action, at, by, reason."""
    query = (sa.select(clue_steps.c.action, clue_steps.c.at, clue_steps.c.by, clue_steps.c.reason)
             .where(clue_steps.c.clue_id == clue_id).order_by(clue_steps.c.at, clue_steps.c.id))
    return [dict(row) for row in session.execute(query).mappings()]


def duplicates_of(session: Session, clue: Clue, since: dt.datetime) -> list[str]:
    """Other clues about the same institution and category received since `since`, oldest first."""
    if clue.institution_id is None:
        return []
    return list(session.scalars(sa.select(clues.c.id).where(
        clues.c.institution_id == clue.institution_id, clues.c.category == clue.category.value,
        clues.c.received_at >= since, clues.c.id != clue.id).order_by(clues.c.received_at, clues.c.id)))


def ids_due_before(session: Session, day: dt.date) -> list[str]:
    """Clues still being handled whose deadline is before `day` and whose lateness was not yet published."""
    return list(session.scalars(sa.select(clues.c.id).where(
        clues.c.due_on < day, clues.c.overdue_at.is_(None),
        clues.c.status.in_(("received", "triaged", "referred"))).order_by(clues.c.due_on, clues.c.id)))


def rate(session: Session, clue: Clue, note: str | None) -> None:
    """Store the reporter's rating note, phone and ID numbers masked."""
    session.execute(clues.update().where(clues.c.id == clue.id).values(
        rating_note=mask_personal_numbers(note) if note else None))


def id_by_external_ref(session: Session, external_ref: str) -> str | None:
    """The clue imported under this reference, if any."""
    return session.scalar(sa.select(clues.c.id).where(clues.c.external_ref == external_ref))


_HANDLING = ("priority", "duplicate_of", "outcome", "triaged_at", "referred_at", "answered_at", "closed_at",
             "overdue_at", "satisfied")

DESK_COLUMNS = (clues.c.id, clues.c.status, clues.c.category, clues.c.channel, clues.c.description_public,
                clues.c.address, clues.c.lat, clues.c.long, clues.c.town, clues.c.media_url, clues.c.attributes,
                clues.c.correlation_id, clues.c.department, clues.c.due_on, clues.c.due_provisional,
                clues.c.external_ref, clues.c.institution_id, clues.c.status_note, clues.c.received_at,
                clues.c.recorded_at, clues.c.updated_at, clues.c.priority, clues.c.duplicate_of, clues.c.outcome,
                clues.c.triaged_at, clues.c.referred_at, clues.c.answered_at, clues.c.closed_at, clues.c.overdue_at,
                clues.c.satisfied, clues.c.rating_note)


def desk_row(session: Session, clue_id: str) -> dict[str, Any] | None:
    """One clue as the desk sees it, with its sealed column."""
    row = session.execute(sa.select(*DESK_COLUMNS, clues.c.sealed).where(clues.c.id == clue_id)).mappings().first()
    return dict(row) if row else None


def desk_page(session: Session, *, filters: dict[str, Any], page: int, page_size: int) -> tuple[list[dict], int]:
    """A page of clues, newest received first, and the total; filters are column = value."""
    query = sa.select(*DESK_COLUMNS)
    for column, value in filters.items():
        if value is not None:
            query = query.where(clues.c[column] == value)
    total = session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    rows = session.execute(query.order_by(clues.c.received_at.desc(), clues.c.id.desc())
                           .limit(page_size).offset((page - 1) * page_size)).mappings()
    return [dict(row) for row in rows], total


def note_reporter_view(session: Session, clue_id: str, viewer: str, at: dt.datetime) -> None:
    """Remember that `viewer` read this clue's reporter."""
    session.execute(reporter_views.insert().values(clue_id=clue_id, viewer=viewer, viewed_at=at))


def id_by_token(session: Session, token: str) -> str | None:
    """The clue a reporter's token follows, if any."""
    return session.scalar(sa.select(clues.c.id).where(clues.c.token_digest == token_digest(token)))


def public_row(session: Session, clue_id: str) -> dict[str, Any] | None:
    """One clue's public columns."""
    row = session.execute(sa.select(*PUBLIC_COLUMNS).where(clues.c.id == clue_id)).mappings().first()
    return dict(row) if row else None


def public_rows(session: Session, *, ids: list[str] | None = None, category: str | None = None,
                open311_status: str | None = None, start: dt.datetime | None = None,
                end: dt.datetime | None = None, limit: int = 1000) -> list[dict[str, Any]]:
    """Clues' public columns, newest first: by id, or by category, Open311 status and received window."""
    query = sa.select(*PUBLIC_COLUMNS)
    if ids is not None:
        query = query.where(clues.c.id.in_(ids))
    else:
        if category:
            query = query.where(clues.c.category == category)
        if open311_status == "closed":
            query = query.where(clues.c.status == "closed")
        elif open311_status == "open":
            query = query.where(clues.c.status != "closed")
        if start is not None:
            query = query.where(clues.c.received_at >= start)
        if end is not None:
            query = query.where(clues.c.received_at <= end)
    query = query.order_by(clues.c.received_at.desc(), clues.c.id.desc()).limit(limit)
    return [dict(row) for row in session.execute(query).mappings()]


def erase_reporters(session: Session, closed_before: dt.datetime) -> int:
    """Drop the sealed reporter and full description of clues closed before then; how many were erased."""
    result = session.execute(clues.update().where(clues.c.closed_at < closed_before, clues.c.sealed.is_not(None))
                             .values(sealed=None))
    return result.rowcount


def owe_notice(session: Session, clue_id: str, kind: str, at: dt.datetime) -> None:
    """Remember that the reporter is owed a message (sent, if they consented, by the notices check)."""
    session.execute(notifications.insert().values(clue_id=clue_id, kind=kind, created_at=at, attempts=0))


def notices_due(session: Session, max_attempts: int, limit: int = 100) -> list[dict[str, Any]]:
    """Unsent notices, oldest first, each with its clue's sealed details and public reply."""
    query = (sa.select(notifications.c.id, notifications.c.clue_id, notifications.c.kind, clues.c.sealed,
                       clues.c.status_note, clues.c.outcome, clues.c.received_at)
             .join(clues, clues.c.id == notifications.c.clue_id)
             .where(notifications.c.sent_at.is_(None), notifications.c.attempts < max_attempts)
             .order_by(notifications.c.id).limit(limit).with_for_update(of=notifications, skip_locked=True))
    return [dict(row) for row in session.execute(query).mappings()]


def notice_sent(session: Session, notice_id: int, outcome: str, at: dt.datetime) -> None:
    """Mark a notice done: sent by email or SMS, or not wanted."""
    session.execute(notifications.update().where(notifications.c.id == notice_id).values(sent_at=at, outcome=outcome))


def notice_failed(session: Session, notice_id: int, error: str) -> None:
    """Count a failed attempt (the error's kind only: a message may name the address)."""
    session.execute(notifications.update().where(notifications.c.id == notice_id).values(
        attempts=notifications.c.attempts + 1, last_error=error))


def reporter_views_of(session: Session, clue_id: str) -> list[dict[str, Any]]:
    """Who read this clue's reporter and when, oldest first."""
    query = (sa.select(reporter_views.c.viewer, reporter_views.c.viewed_at)
             .where(reporter_views.c.clue_id == clue_id).order_by(reporter_views.c.id))
    return [dict(row) for row in session.execute(query).mappings()]
