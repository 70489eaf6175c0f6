"""The platform's departments as a person reads them: each department code's office, translated where shown.

The codes are the bus vocabulary's (`shared.events.vocabulary.DEPARTMENTS`); a unit test keeps the two equal.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

OFFICE_NAMES = {
    "education": _l("Education Bureau"),
    "civil_affairs": _l("Civil Affairs Bureau"),
    "market_regulation": _l("Market Regulation Bureau"),
    "culture_tourism": _l("Culture and Tourism Bureau"),
    "fire": _l("Fire and Rescue Brigade"),
    "urban_management": _l("Urban Management Bureau"),
    "public_security": _l("Public Security Bureau"),
}


def office_name(code: str) -> str:
    """The office of a department code in the request's language (the code itself for one the kit does not name)."""
    return str(OFFICE_NAMES[code]) if code in OFFICE_NAMES else code
