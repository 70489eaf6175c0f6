"""The figures a request may see: its county, town and period, within the reader's town claim."""

from __future__ import annotations

from services.reporting.domain.figures import Scope
from shared.auth import current_principal
from shared.county import county_config


def scope_of(args: dict) -> Scope:
    """The scope asked for; a town officer's token keeps it to their own town."""
    principal = current_principal()
    town = (principal.town if principal is not None else None) or args.get("town")
    code = args.get("division_code")
    towns = None
    if code is not None:
        towns = tuple(town.name for town in county_config().county(code).towns)
    return Scope(division_code=code, town=town, towns=towns, date_from=args.get("date_from"),
                 date_to=args.get("date_to"))
