"""The complaints desk's figures: received, referred, answered, closed, overdue, on time, how fast and how the
reporters rated the answers — in all, by category, by the department a complaint was referred to, by channel.

Every count is of complaints whose own event is dated within the period: received on `received_on`, referred on
`referred_on`, answered on `answered_on`, closed on `closed_on`, overdue on `overdue_on`, rated on `rated_on`.
Handled: answered, closed or overdue in the period (settled in it — its first answer or closing — or overdue in
it; counted once). On time: settled in the period by its deadline. The on-time rate is on time / handled to 3
places, null when none was handled (the summary's `complaints_on_time_rate`, by the same rule). The median
handling time is in hours to 1 place, from `received_at` to the first answer or closing, over the complaints
settled in the period. A complaint's department is the one it was referred to (null: never referred); its
category, the newest its events tell. The counts of all complaints are the sums of the categories' (and of the
departments').
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.reporting.adapters.orm import clues
from services.reporting.domain.figures import Scope, median, rate
from services.reporting.service_layer.summary import in_period, in_place

c = clues.c

# the counts each group has, in the answer's order
COUNTS = ("received", "referred", "answered", "closed", "overdue", "handled", "on_time")


def _on(day, scope: Scope) -> sa.ColumnElement[bool]:
    return sa.and_(day.is_not(None), *in_period(day, scope))


def _counted(session: Session, scope: Scope) -> dict[tuple[str, str | None], dict[str, int]]:
    """Each (category, department)'s counts in the period (only those with one above 0), in one query."""
    settled, overdue = _on(c.settled_on, scope), _on(c.overdue_on, scope)
    rated = _on(c.rated_on, scope)
    figures = {"received": _on(c.received_on, scope), "referred": sa.and_(_on(c.referred_on, scope),
                                                                        c.department.is_not(None)),
               "answered": _on(c.answered_on, scope), "closed": _on(c.closed_on, scope), "overdue": overdue,
               "handled": sa.or_(settled, overdue), "on_time": sa.and_(settled, c.on_time.is_(True)),
               "rated": rated, "satisfied": sa.and_(rated, c.satisfied.is_(True))}
    rows = session.execute(sa.select(c.category, c.department, *(
        sa.func.count().filter(condition).label(name) for name, condition in figures.items())).where(
        *in_place(c.town, scope)).group_by(c.category, c.department)).mappings()
    found = {}
    for row in rows:
        counts = {name: int(row[name]) for name in figures}
        if any(counts.values()):
            found[(row["category"], row["department"])] = counts
    return found


def _hours(session: Session, scope: Scope) -> list[tuple[str, str | None, float]]:
    """(category, department, hours from receipt to the first answer or closing) of the complaints settled in the
    period."""
    rows = session.execute(sa.select(c.category, c.department, c.received_at, c.settled_at).where(
        _on(c.settled_on, scope), c.received_at.is_not(None), c.settled_at.is_not(None), *in_place(c.town, scope)))
    return [(category, department, (settled_at - received_at).total_seconds() / 3600)
            for category, department, received_at, settled_at in rows]


def _figures(counts: dict[str, int], hours: list[float]) -> dict[str, Any]:
    """One group's figures (or all complaints') from its counts and handling times."""
    return {**{name: counts.get(name, 0) for name in COUNTS},
            "on_time_rate": rate(counts.get("on_time", 0), counts.get("handled", 0)),
            "median_handling_hours": median(hours),
            "ratings": {"count": counts.get("rated", 0), "satisfied": counts.get("satisfied", 0),
                        "satisfaction_rate": rate(counts.get("satisfied", 0), counts.get("rated", 0))}}


def _by(position: int, counted: dict, hours: list) -> dict:
    """The groups' figures by one part of the (category, department) key."""
    summed: dict[Any, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    times: dict[Any, list[float]] = defaultdict(list)
    for key, counts in counted.items():
        for name, n in counts.items():
            summed[key[position]][name] += n
    for row in hours:
        times[row[position]].append(row[2])
    return {group: _figures(summed[group], times[group]) for group in summed}


def complaint_stats(session: Session, scope: Scope) -> dict[str, Any]:
    """Complaints by what happened to them in the period: in all, by category, department and channel."""
    counted, hours = _counted(session, scope), _hours(session, scope)
    everything: dict[str, int] = defaultdict(int)
    for counts in counted.values():
        for name, n in counts.items():
            everything[name] += n
    by_category = _by(0, counted, hours)
    by_department = _by(1, counted, hours)
    channels = session.execute(sa.select(c.channel, sa.func.count()).where(
        _on(c.received_on, scope), c.channel.is_not(None), *in_place(c.town, scope)).group_by(c.channel))
    return {
        **_figures(everything, [row[2] for row in hours]),
        "by_category": [{"category": category, **by_category[category]} for category in sorted(by_category)],
        "departments": [{"department": department, **by_department[department]}
                        for department in sorted(by_department, key=lambda name: (name is None, name or ""))],
        "by_channel": {channel: n for channel, n in channels},
        "by_department": {department: figures["referred"] for department, figures in sorted(
            by_department.items(), key=lambda item: (item[0] is None, item[0] or ""))
            if department is not None and figures["referred"]},
    }
