"""Domain events the Institution records, in the past tense; each names the bus event it becomes.

The unit of work collects them from `institution.events` and writes them to the outbox (which numbers
them per aggregate); `data()` gives the v1 `data` of the contract in `shared/events/registry.py` and
`subject` the aggregate id.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any, ClassVar


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


@dataclass(frozen=True, kw_only=True)
class RegistryEvent:
    """Common shape: the bus type, the aggregate it is about, and its place in that aggregate's history."""

    type: ClassVar[str]
    institution_id: Any

    @property
    def subject(self) -> str:
        """The CloudEvents subject: the institution's id."""
        return str(self.institution_id)

    def data(self) -> dict[str, Any]:
        """The event's `data`, JSON-ready: dates as ISO strings, the institution id as text (as contracted)."""
        data = {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self)}
        data["institution_id"] = self.subject
        return data


@dataclass(frozen=True, kw_only=True)
class InstitutionRegistered(RegistryEvent):
    """An institution was put on the books."""

    type: ClassVar[str] = "registry.institution.registered"
    name: str
    credit_code: str
    division_code: str
    town: str
    address: str
    category: str
    subject_group: str
    state: str
    occurred_on: dt.date
    # public registration data the board shows (v1, additive); None when none was recorded
    legal_representative: str | None = None


@dataclass(frozen=True, kw_only=True)
class InstitutionTransitioned(RegistryEvent):
    """Fields every lifecycle event carries."""

    name: str
    division_code: str
    town: str
    category: str
    from_state: str
    to_state: str
    occurred_on: dt.date
    reason: str | None = None


@dataclass(frozen=True, kw_only=True)
class ReviewStarted(InstitutionTransitioned):
    """The re-examination of an institution began."""

    type: ClassVar[str] = "registry.institution.review_started"


@dataclass(frozen=True, kw_only=True)
class InstitutionLicensed(InstitutionTransitioned):
    """An institution was licensed (or its licence renewed)."""

    type: ClassVar[str] = "registry.institution.licensed"
    licence_valid_until: dt.date


@dataclass(frozen=True, kw_only=True)
class RectificationOrdered(InstitutionTransitioned):
    """An institution was ordered to rectify by a deadline."""

    type: ClassVar[str] = "registry.institution.rectification_ordered"
    deadline: dt.date


@dataclass(frozen=True, kw_only=True)
class RectificationOverdue(InstitutionTransitioned):
    """A rectification deadline passed without the institution being licensed, banned or closed."""

    type: ClassVar[str] = "registry.institution.rectification_overdue"
    deadline: dt.date


@dataclass(frozen=True, kw_only=True)
class InstitutionBanned(InstitutionTransitioned):
    """An institution was banned, citing the case behind it, or the paper decision of a ban decided before the
    platform."""

    type: ClassVar[str] = "registry.institution.banned"
    case_id: str | None = None
    document_number: str | None = None


@dataclass(frozen=True, kw_only=True)
class InstitutionClosed(InstitutionTransitioned):
    """An institution closed voluntarily or was deregistered."""

    type: ClassVar[str] = "registry.institution.closed"


@dataclass(frozen=True, kw_only=True)
class InstitutionConverted(InstitutionTransitioned):
    """A discipline institution became a non-discipline one."""

    type: ClassVar[str] = "registry.institution.converted"


@dataclass(frozen=True, kw_only=True)
class LicenceExpiring(RegistryEvent):
    """One half of a licence expires within the county's reminder period."""

    type: ClassVar[str] = "registry.licence.expiring"
    name: str
    town: str
    kind: str  # `school_running_licence`, `registration_certificate` or `business_licence`
    number: str
    valid_until: dt.date
