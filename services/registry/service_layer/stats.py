"""The pressure-reduction figures, counted as DOMAIN.md says ("How the figures are counted")."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.registry.adapters.orm import institutions
from services.registry.domain import lifecycle as lc

DISCIPLINE = "discipline"
_RATE_PLACES = Decimal("0.001")  # 73/81 = 0.901
_PERCENT_PLACES = Decimal("0.1")  # shown as 90.1%


def reduction(before: int, licensed: int) -> dict[str, Any]:
    """Before, licensed now, how many fewer, and the rate (before - licensed) / before, rounded half up."""
    figures: dict[str, Any] = {"before": before, "licensed_now": licensed, "reduced_by": before - licensed,
                               "rate": None, "rate_display": None}
    if before:
        exact = Decimal(before - licensed) / Decimal(before)
        figures["rate"] = float(exact.quantize(_RATE_PLACES, ROUND_HALF_UP))
        figures["rate_display"] = f"{(exact * 100).quantize(_PERCENT_PLACES, ROUND_HALF_UP)}%"
    return figures


def reduction_figures(session: Session, *, town: str | None = None,
                      division_code: str | None = None) -> dict[str, Any]:
    """The figures for all the registry's counties and, within each, per town.

    Before = discipline institutions registered in state `stock` (a later conversion does not take one out);
    licensed now = discipline institutions in state `licensed` (a converted one is no longer discipline).
    """
    c = institutions.c
    before = sa.func.sum(sa.case((sa.and_(c.registered_state == lc.STOCK, c.registered_category == DISCIPLINE), 1),
                                 else_=0))
    licensed = sa.func.sum(sa.case((sa.and_(c.state == lc.LICENSED, c.category == DISCIPLINE), 1), else_=0))
    query = sa.select(c.division_code, c.town, before.label("before"), licensed.label("licensed")).group_by(
        c.division_code, c.town).order_by(c.division_code, c.town)
    if town is not None:
        query = query.where(c.town == town)
    if division_code is not None:
        query = query.where(c.division_code == division_code)
    counties: dict[str, dict[str, Any]] = {}
    for row in session.execute(query):
        county = counties.setdefault(row.division_code, {"division_code": row.division_code, "before": 0,
                                                         "licensed_now": 0, "towns": []})
        county["before"] += int(row.before or 0)
        county["licensed_now"] += int(row.licensed or 0)
        county["towns"].append({"town": row.town, **reduction(int(row.before or 0), int(row.licensed or 0))})
    listed = [{**county, **reduction(county["before"], county["licensed_now"])} for county in counties.values()]
    total_before = sum(county["before"] for county in listed)
    total_licensed = sum(county["licensed_now"] for county in listed)
    return {"total": reduction(total_before, total_licensed), "counties": listed}
