"""Figures the county reports upward, counted from reporting's own projections."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.reporting.adapters.orm import institutions


def institution_counts(session: Session, town: str | None = None) -> dict:
    """Institutions known to reporting, by category and state (county-wide or for one town)."""
    query = sa.select(institutions.c.category, institutions.c.state, sa.func.count().label("n")) \
        .group_by(institutions.c.category, institutions.c.state)
    if town:
        query = query.where(institutions.c.town == town)
    rows = session.execute(query).all()
    by_category: dict[str, dict[str, int]] = {}
    for category, state, n in rows:
        by_category.setdefault(category, {})[state] = n
    return {"town": town, "total": sum(n for *_, n in rows), "by_category": by_category}
