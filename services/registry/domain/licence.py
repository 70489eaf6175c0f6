"""A licence in two halves, and the record of what happened to an institution."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from services.registry.domain.errors import TransitionRefused

SCHOOL_RUNNING_LICENCE = "school_running_licence"  # education bureau
REGISTRATION_CERTIFICATE = "registration_certificate"  # private non-enterprise unit, civil affairs
BUSINESS_LICENCE = "business_licence"  # market regulation; non-discipline institutions only
REGISTRATION_KINDS = (REGISTRATION_CERTIFICATE, BUSINESS_LICENCE)


@dataclass(frozen=True, kw_only=True)
class LicenceHalf:
    """One certificate: its number, when it was issued and the last day it is valid."""

    number: str
    issued_on: dt.date
    valid_until: dt.date


@dataclass(frozen=True, kw_only=True)
class Licence:
    """The school-running licence (education bureau) and the registration certificate or business licence."""

    school_licence: LicenceHalf
    registration: LicenceHalf
    registration_kind: str = REGISTRATION_CERTIFICATE

    @property
    def valid_until(self) -> dt.date:
        """The licence holds while both halves do."""
        return min(self.school_licence.valid_until, self.registration.valid_until)

    def halves(self) -> tuple[tuple[str, LicenceHalf], ...]:
        """Each half with its kind (`school_running_licence`, and the registration kind)."""
        return ((SCHOOL_RUNNING_LICENCE, self.school_licence), (self.registration_kind, self.registration))

    def check(self, category: str, on: dt.date) -> None:
        """Refuse a licence that cannot be issued to this category on this date."""
        if self.registration_kind not in REGISTRATION_KINDS:
            raise TransitionRefused("licence.registration_kind", "licence.registration.kind",
                                    kind=str(self.registration_kind))
        for (kind, half), where in zip(self.halves(), ("school_running_licence", "registration"), strict=True):
            item = f"licence.{where}"
            if not (half.number or "").strip():
                raise TransitionRefused("licence.number_required", f"{item}.number", kind=kind)
            if half.valid_until <= half.issued_on:
                raise TransitionRefused("licence.valid_until_before_issued", f"{item}.valid_until", kind=kind,
                                        issued_on=half.issued_on.isoformat(),
                                        valid_until=half.valid_until.isoformat())
            if half.valid_until < on:
                raise TransitionRefused("licence.expired", f"{item}.valid_until", kind=kind,
                                        valid_until=half.valid_until.isoformat())
        # discipline institutions for school pupils are registered as non-profit (civil affairs) since 2021
        if category == "discipline" and self.registration_kind != REGISTRATION_CERTIFICATE:
            raise TransitionRefused("licence.business_licence_for_discipline", "licence.registration.kind")


@dataclass(frozen=True, kw_only=True)
class HistoryEntry:
    """One step in an institution's life: what, when it happened, when it was recorded, who and why."""

    action: str
    from_state: str | None
    to_state: str
    occurred_on: dt.date
    recorded_at: dt.datetime
    actor: str
    reason: str | None = None
    case_id: str | None = None
    deadline: dt.date | None = None
    document_number: str | None = None  # a ban decided on paper before the platform: the decision's number
