"""The figures week by week or month by month: states at each period's end, flows within it."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy.orm import Session

from services.reporting.domain.figures import DISCIPLINE, LICENSED, Scope, periods, reduction_rate
from services.reporting.service_layer.summary import (
    case_figures,
    complaint_figures,
    discipline_before,
    inspection_count,
    institutions_banned,
    person_times,
    states_as_of,
)


def series(session: Session, scope: Scope, interval: str) -> list[dict[str, Any]]:
    """One entry per week (Monday to Sunday) or month covering [from, to], each clipped to the period."""
    entries = []
    for first, last in periods(scope.date_from, scope.date_to, interval):
        span = replace(scope, date_from=first, date_to=last)
        states = states_as_of(session, span)
        by_state: dict[str, int] = {}
        for (_, state), n in states.items():
            by_state[state] = by_state.get(state, 0) + n
        before, licensed = discipline_before(session, span), states.get((DISCIPLINE, LICENSED), 0)
        cases, complaints = case_figures(session, span), complaint_figures(session, span)
        entries.append({
            "date_from": first, "date_to": last, "institutions_by_state": by_state,
            "discipline_before": before, "discipline_licensed": licensed,
            "reduction_rate": reduction_rate(before, licensed),
            "institutions_banned": institutions_banned(session, span),
            "inspections": inspection_count(session, span),
            "inspector_person_times": sum(person_times(session, span).values()),
            "cases_opened": cases["cases_opened"], "cases_punished": cases["cases_punished"],
            "complaints_received": complaints["complaints_received"],
            "complaints_closed": complaints["complaints_closed"],
            "complaints_on_time_rate": complaints["complaints_on_time_rate"],
        })
    return entries
