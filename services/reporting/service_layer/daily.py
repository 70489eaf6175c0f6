"""The whole country's figures, summed from the daily counts the projector keeps (a few rows a figure a day).

Each function answers what its namesake in `summary` counts from the projection rows, for a scope naming no
place: states as of `to` sum every change up to that day; flows sum the days of the period.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.reporting.adapters.orm import daily_counts, round_days
from services.reporting.domain.figures import Scope, rate

d = daily_counts.c


def _period(scope: Scope) -> list:
    conditions = []
    if scope.date_from is not None:
        conditions.append(d.day >= scope.date_from)
    if scope.date_to is not None:
        conditions.append(d.day <= scope.date_to)
    return conditions


def _by_key(session: Session, figure: str, scope: Scope, *, as_of: bool = False,
            key: str | None = None) -> dict[str, int]:
    """A figure's sum by key, over the period's days (or every day up to `to`); keys summing to 0 left out."""
    conditions = [d.figure == figure]
    if not as_of:
        conditions += _period(scope)
    elif scope.date_to is not None:
        conditions.append(d.day <= scope.date_to)
    if key is not None:
        conditions.append(d.key == key)
    rows = session.execute(sa.select(d.key, sa.func.sum(d.n)).where(*conditions).group_by(d.key))
    return {name: int(n) for name, n in rows if n}


def _total(session: Session, figure: str, scope: Scope, *, as_of: bool = False) -> int:
    return sum(_by_key(session, figure, scope, as_of=as_of).values())


def states_as_of(session: Session, scope: Scope) -> dict[tuple[str, str], int]:
    """Institutions by (category, state) as of `to`."""
    return {tuple(key.split("\t", 1)): n for key, n in _by_key(session, "state", scope, as_of=True).items()}


def discipline_before(session: Session, scope: Scope) -> int:
    """Discipline institutions registered as stock on or before `to`."""
    return _total(session, "before", scope, as_of=True)


def institutions_banned(session: Session, scope: Scope) -> int:
    """Institutions banned within the period."""
    return _total(session, "banned", scope)


def institutions_filed(session: Session, scope: Scope) -> int:
    """Institutions with a filing by `to`."""
    return _total(session, "filed", scope, as_of=True)


def licence_reminders(session: Session, scope: Scope) -> int:
    """Licence expiry reminders sent in the period."""
    return _total(session, "licence_reminders", scope)


def person_times(session: Session, scope: Scope, campaign_id: str | None = None) -> dict[str, int]:
    """Person-times by campaign in the period."""
    return _by_key(session, "person_times", scope, key=campaign_id)


def inspections(session: Session, scope: Scope) -> dict[str, dict[str, int]]:
    """Completed visits by campaign and outcome in the period."""
    found: dict[str, dict[str, int]] = {}
    for key, n in _by_key(session, "inspections", scope).items():
        campaign, outcome = key.rsplit("\t", 1)
        found.setdefault(campaign, {})[outcome] = n
    return found


def rounds_held(session: Session, scope: Scope) -> dict[str, int]:
    """Rounds held per campaign in the period: counted from each round's first day while the period has no
    first day, else the distinct rounds with a day in it."""
    if scope.date_from is None:
        return _by_key(session, "rounds", scope, as_of=True)
    r = round_days.c
    held = sa.select(r.campaign_id, r.round).where(r.n > 0, r.day >= scope.date_from, *(
        [r.day <= scope.date_to] if scope.date_to is not None else [])).distinct().subquery()
    rows = session.execute(sa.select(held.c.campaign_id, sa.func.count()).group_by(held.c.campaign_id))
    return {campaign: n for campaign, n in rows}


def case_figures(session: Session, scope: Scope) -> dict[str, Any]:
    """Cases opened and punished in the period, sanctions by kind and fines."""
    fines = _by_key(session, "fines_fen", scope)
    return {"cases_opened": _total(session, "cases_opened", scope),
            "cases_punished": _total(session, "cases_punished", scope),
            "sanctions_by_kind": _by_key(session, "sanctions", scope), "fines_fen": sum(fines.values())}


def complaint_figures(session: Session, scope: Scope) -> dict[str, Any]:
    """Complaints received and closed in the period; the on-time rate over those answered, closed or overdue.

    Handled = settled in the period + overdue in it - those with both days in it (counted once)."""
    totals: dict[str, int] = defaultdict(int)
    figures = ("complaints_received", "complaints_closed", "complaints_settled", "complaints_overdue",
               "complaints_on_time")
    for figure, n in session.execute(sa.select(d.figure, sa.func.sum(d.n)).where(
            d.figure.in_(figures), *_period(scope)).group_by(d.figure)):
        totals[figure] = int(n or 0)
    both = [d.figure == "complaints_settled_and_overdue"]  # day: the earlier of the two; key: the later, ISO
    if scope.date_from is not None:
        both.append(d.day >= scope.date_from)
    if scope.date_to is not None:
        both.append(d.key <= scope.date_to.isoformat())
    twice = int(session.scalar(sa.select(sa.func.sum(d.n)).where(*both)) or 0)
    handled = totals["complaints_settled"] + totals["complaints_overdue"] - twice
    return {"complaints_received": totals["complaints_received"], "complaints_closed": totals["complaints_closed"],
            "complaints_handled": handled, "complaints_on_time": totals["complaints_on_time"],
            "complaints_on_time_rate": rate(totals["complaints_on_time"], handled)}

