"""Text the registry writes into its records when no person is asking (a ban carried out for inspection).

A request renders its text in the reader's language at read time; a record written by the worker has no
reader yet, so it is written in the county's working language, Chinese, from the same catalogs.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from babel.support import Translations

from services.registry.domain.rule_texts import N_

TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"
RECORD_LOCALE = "zh_CN"

BAN_BY_CASE = N_("Banned on the decision of inspection case %(case_id)s, decided on %(decided_on)s.")


@cache
def _catalog() -> Translations:
    return Translations.load(str(TRANSLATIONS), [RECORD_LOCALE])


def recorded_text(message: str, **params: object) -> str:
    """A message in the record language, with its figures filled in."""
    return _catalog().gettext(message) % params
