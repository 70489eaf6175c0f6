"""Clues in and out of their table: the public columns in clear, the reporter and full text sealed."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.complaints.adapters.orm import clues
from services.complaints.adapters.vault import Vault
from services.complaints.domain.clue import Clue, token_digest

# Public output never needs the sealed column: these are the columns an Open311 reader may see.
PUBLIC_COLUMNS = (clues.c.id, clues.c.status, clues.c.category, clues.c.description_public, clues.c.address,
                  clues.c.lat, clues.c.long, clues.c.media_url, clues.c.department, clues.c.due_on,
                  clues.c.status_note, clues.c.received_at, clues.c.updated_at)


def add(session: Session, vault: Vault, clue: Clue, token: str) -> None:
    """Store a new clue; only the token's digest is kept."""
    sealed = vault.seal(clue.id, {"description": clue.description, "reporter": clue.reporter.as_dict()})
    session.execute(clues.insert().values(
        id=clue.id, status=clue.status.value, category=clue.category.value, channel=clue.channel.value,
        description_public=clue.public_description, sealed=sealed, token_digest=token_digest(token),
        address=clue.place.address, lat=clue.place.lat, long=clue.place.long, town=clue.place.town,
        media_url=clue.media_url, attributes=clue.attributes, correlation_id=clue.correlation_id,
        department=clue.department, due_on=clue.due_on, status_note=clue.status_note,
        received_at=clue.received_at, recorded_at=clue.recorded_at, updated_at=clue.updated_at))


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
