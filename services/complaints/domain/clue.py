"""A clue: one complaint, from the moment it is filed to the answer its reporter reads by token."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from services.complaints.domain import Category, Channel
from services.complaints.domain.privacy import mask_personal_numbers

DESCRIPTION_MAX = 4000


class Status(StrEnum):
    """Where a clue stands; `submitted` is a public report the desk has not registered yet."""

    SUBMITTED = "submitted"
    RECEIVED = "received"
    TRIAGED = "triaged"
    REFERRED = "referred"
    ANSWERED = "answered"
    CLOSED = "closed"


# Open311 knows two statuses: a reporter's request is open until the desk closes it.
OPEN311_STATUS = {status: ("closed" if status is Status.CLOSED else "open") for status in Status}


def token_digest(token: str) -> str:
    """What is stored of a reporter's token: a digest, so the table alone cannot follow anyone's case."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class Reporter:
    """Who filed a complaint and what they wrote in full: sealed at rest, shown to the desk only."""

    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None
    email: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        """The details as a mapping (what is sealed)."""
        return {"first_name": self.first_name, "last_name": self.last_name, "phone": self.phone,
                "email": self.email}


@dataclass
class Place:
    """Where the complaint points: an address as written and/or a position; the town when it names one."""

    address: str | None = None
    lat: float | None = None
    long: float | None = None
    town: str | None = None


@dataclass
class Clue:
    """A complaint and how it is being handled."""

    id: str
    category: Category
    channel: Channel
    description: str  # in full: stored sealed, never in clear
    place: Place
    received_at: dt.datetime
    recorded_at: dt.datetime
    status: Status = Status.SUBMITTED
    reporter: Reporter = field(default_factory=Reporter)
    media_url: str | None = None  # a reference the reporter gave; never fetched
    attributes: dict[str, Any] = field(default_factory=dict)
    correlation_id: str | None = None
    due_on: dt.date | None = None
    department: str | None = None
    status_note: str | None = None
    updated_at: dt.datetime | None = None
    events: list[Any] = field(default_factory=list)

    @classmethod
    def file_public_report(cls, *, id: str, category: Category, channel: Channel, description: str,
                           place: Place, reporter: Reporter, at: dt.datetime, media_url: str | None = None,
                           attributes: dict[str, Any] | None = None,
                           correlation_id: str | None = None) -> tuple[Clue, str]:
        """A report from the public (Open311) and the token its reporter follows it with.

        No event yet: a public report becomes a clue (`complaints.clue.received`) when the desk registers it.
        """
        clue = cls(id=id, category=category, channel=channel, description=description, place=place,
                   received_at=at, recorded_at=at, reporter=reporter, media_url=media_url,
                   attributes=dict(attributes or {}), correlation_id=correlation_id, updated_at=at)
        return clue, secrets.token_urlsafe(24)

    @property
    def open311_status(self) -> str:
        """`open` or `closed`, as Open311 says it."""
        return OPEN311_STATUS[self.status]

    @property
    def public_description(self) -> str:
        """The description as the public sees it: phone and ID numbers masked."""
        return mask_personal_numbers(self.description)
