"""The complaints desk's figures: received, referred, answered, closed, overdue, on time, how fast, by category."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.reporting.adapters.orm import clues
from services.reporting.domain.figures import Scope, median, rate
from services.reporting.service_layer.summary import in_period, in_place

c = clues.c


def _counts(session: Session, scope: Scope, day, by) -> dict[str, int]:
    rows = session.execute(sa.select(by, sa.func.count()).where(
        day.is_not(None), by.is_not(None), *in_place(c.town, scope), *in_period(day, scope)).group_by(by))
    return {key: n for key, n in rows}


def complaint_stats(session: Session, scope: Scope) -> dict[str, Any]:
    """Complaints by what happened to them in the period, and by category, channel and department."""
    place = in_place(c.town, scope)
    settled = sa.and_(c.settled_on.is_not(None), *in_period(c.settled_on, scope))
    overdue = sa.and_(c.overdue_on.is_not(None), *in_period(c.overdue_on, scope))
    handled_rows = session.execute(sa.select(c.category, c.on_time, c.settled_on, c.overdue_on, c.received_at,
                                             c.settled_at).where(sa.or_(settled, overdue), *place)).all()
    received = _counts(session, scope, c.received_on, c.category)
    closed = _counts(session, scope, c.closed_on, c.category)
    categories: dict[str, dict[str, Any]] = {}
    hours = []
    for row in handled_rows:
        counted = categories.setdefault(row.category, {"handled": 0, "on_time": 0})
        counted["handled"] += 1
        in_time = row.on_time is True and scope.within(row.settled_on)
        counted["on_time"] += int(in_time)
        if scope.within(row.settled_on) and row.received_at is not None and row.settled_at is not None:
            hours.append((row.settled_at - row.received_at).total_seconds() / 3600)
    rated = dict(session.execute(sa.select(c.satisfied, sa.func.count()).where(
        c.rated_on.is_not(None), *place, *in_period(c.rated_on, scope)).group_by(c.satisfied)).all())
    handled = sum(counted["handled"] for counted in categories.values())
    on_time = sum(counted["on_time"] for counted in categories.values())
    by_category = [{"category": category, "received": received.get(category, 0), "closed": closed.get(category, 0),
                    "handled": categories.get(category, {}).get("handled", 0),
                    "on_time_rate": rate(categories.get(category, {}).get("on_time", 0),
                                         categories.get(category, {}).get("handled", 0))}
                   for category in sorted(set(received) | set(closed) | set(categories))]
    return {
        "received": sum(received.values()),
        "referred": sum(_counts(session, scope, c.referred_on, c.department).values()),
        "answered": sum(_counts(session, scope, c.answered_on, c.category).values()),
        "closed": sum(closed.values()),
        "overdue": sum(_counts(session, scope, c.overdue_on, c.category).values()),
        "handled": handled, "on_time": on_time, "on_time_rate": rate(on_time, handled),
        "median_handling_hours": median(hours),
        "ratings": {"count": sum(rated.values()), "satisfied": rated.get(True, 0),
                    "satisfaction_rate": rate(rated.get(True, 0), sum(rated.values()))},
        "by_category": by_category,
        "by_channel": _counts(session, scope, c.received_on, c.channel),
        "by_department": _counts(session, scope, c.referred_on, c.department),
    }
