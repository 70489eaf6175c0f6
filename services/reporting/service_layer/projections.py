"""Projections: each event a service publishes becomes rows reporting can count."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.reporting.adapters.orm import institutions


def institution_registered(event, session: Session) -> None:
    """Add a newly registered institution to the book reporting counts from."""
    data = event.data
    existing = session.execute(sa.select(institutions.c.sequence).where(
        institutions.c.institution_id == data["institution_id"])).first()
    if existing is not None:
        return  # registration is the first event of an institution; anything known already is newer
    session.execute(institutions.insert().values(
        institution_id=data["institution_id"], name=data["name"], division_code=data["division_code"],
        town=data["town"], category=data["category"], registered_state=data["state"], state=data["state"],
        sequence=event.sequence or 0,
    ))

