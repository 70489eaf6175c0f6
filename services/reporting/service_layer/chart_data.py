"""What each chart draws, counted from the projections over the scope's period (or all the data's days)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.reporting.adapters.orm import clues, institution_timeline, tasks
from services.reporting.domain.figures import Scope
from services.reporting.service_layer.complaint_stats import complaint_stats
from services.reporting.service_layer.series import series
from services.reporting.service_layer.summary import in_place

CHARTS = ("institutions-by-state", "inspections-per-week", "complaints-by-category", "on-time-rate")
_MOST_WEEKS, _MOST_MONTHS = 104, 60


def span(session: Session, scope: Scope, today: date) -> tuple[date, date]:
    """The scope's period; where it is open, the first and last days the data knows in its place (else today): a
    town's charts span that town's days, never another town's."""
    firsts, lasts = [], []
    for column in (institution_timeline.c.occurred_on, tasks.c.inspected_on, clues.c.received_on):
        first, last = session.execute(sa.select(sa.func.min(column), sa.func.max(column)).where(
            *in_place(column.table.c.town, scope))).one()
        firsts += [first] if first else []
        lasts += [last] if last else []
    first = scope.date_from or (min(firsts) if firsts else today)
    last = scope.date_to or (max(lasts) if lasts else today)
    return first, max(first, last)


def chart_data(session: Session, name: str, scope: Scope, today: date) -> dict[str, Any]:
    """The labels and values of one chart (`CHARTS`); time charts show at most two years of weeks, five of months."""
    first, last = span(session, scope, today)
    if name == "complaints-by-category":
        rows = complaint_stats(session, replace(scope, date_from=first, date_to=last))["by_category"]
        return {"labels": [row["category"] for row in rows], "values": [row["received"] for row in rows]}
    if name == "inspections-per-week":
        first = max(first, last - timedelta(weeks=_MOST_WEEKS))
        periods = series(session, replace(scope, date_from=first, date_to=last), "week")
        return {"labels": [str(period["date_from"]) for period in periods],
                "values": [period["inspections"] for period in periods]}
    first = max(first, (last.replace(day=1) - timedelta(days=31 * _MOST_MONTHS)).replace(day=1))
    periods = series(session, replace(scope, date_from=first, date_to=last), "month")
    labels = [period["date_from"].strftime("%Y-%m") for period in periods]
    if name == "on-time-rate":
        return {"labels": labels, "series": {"on_time": [
            None if period["complaints_on_time_rate"] is None else round(period["complaints_on_time_rate"] * 100, 1)
            for period in periods]}}
    states = sorted({state for period in periods for state in period["institutions_by_state"]})
    return {"labels": labels, "series": {state: [period["institutions_by_state"].get(state, 0) for period in periods]
                                         for state in states}}
