"""A clue: one complaint, from the moment it is filed to the answer its reporter reads by token."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from services.complaints.domain import Category, Channel
from services.complaints.domain.events import ClueHandled, ClueRated, ClueReceived, ClueReferred
from services.complaints.domain.privacy import mask_personal_numbers
from shared.clock import LOCAL_TZ
from shared.refusals import IllegalTransition, Refused, Violation

DESCRIPTION_MAX = 4000
REASON_MAX = 500
DESK_CHANNELS = (Channel.HOTLINE, Channel.MAILBOX, Channel.WALK_IN, Channel.GOVERNMENT_HOTLINE)
PRIORITIES = ("normal", "urgent")
OUTCOMES = ("substantiated", "partly_substantiated", "unsubstantiated", "withdrawn", "transferred")
# what an inspection found, as the clue's outcome
OUTCOME_OF_INSPECTION = {"compliant": "unsubstantiated", "rectification_ordered": "partly_substantiated",
                         "violation": "substantiated"}


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


@dataclass(frozen=True)
class Deadline:
    """When an answer is due, and whether the calendar for that year is official or provisional."""

    on: dt.date
    provisional: bool


def deadline(calendar, received_on: dt.date, working_days: int) -> Deadline:
    """`working_days` working days after the day received (official calendar; weekdays for unknown years)."""
    due = calendar.add_working_days(received_on, working_days)
    span = (due - received_on).days
    provisional = any(calendar.is_provisional(received_on + dt.timedelta(days=n)) for n in range(span + 1))
    return Deadline(due, provisional)


def _refuse_future(received_at: dt.datetime, now: dt.datetime) -> None:
    # a paper record is entered late, but nothing is received tomorrow (a minute's clock skew is allowed)
    if received_at > now + dt.timedelta(minutes=1):
        raise Refused([Violation("received_at_in_future", "received_at", {"now": now.isoformat()})])


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
    notify: bool = False  # consented to be told of the answer by email or SMS

    def as_dict(self) -> dict[str, str | bool | None]:
        """The details as a mapping (what is sealed)."""
        return {"first_name": self.first_name, "last_name": self.last_name, "phone": self.phone,
                "email": self.email, "notify": self.notify}


@dataclass(frozen=True)
class Step:
    """One step of a clue's handling, for its history: what, when, by whom, and why (a referral says why)."""

    action: str  # triaged | referred | answered | closed
    at: dt.datetime
    by: str | None = None  # the desk's subject; none when an inspection's result answered it
    reason: str | None = None


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
    due_provisional: bool = False
    external_ref: str | None = None
    institution_id: str | None = None
    department: str | None = None
    status_note: str | None = None
    updated_at: dt.datetime | None = None
    priority: str | None = None
    duplicate_of: str | None = None
    outcome: str | None = None
    triaged_at: dt.datetime | None = None
    referred_at: dt.datetime | None = None
    answered_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    overdue_at: dt.datetime | None = None
    satisfied: bool | None = None
    events: list[Any] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)  # taken since loaded: the adapter adds them to the history

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

    @classmethod
    def record_at_desk(cls, *, id: str, category: Category, channel: Channel, description: str, place: Place,
                       reporter: Reporter, received_at: dt.datetime, now: dt.datetime, due: Deadline,
                       external_ref: str | None = None, correlation_id: str | None = None) -> tuple[Clue, str]:
        """A complaint the desk took by phone, letter or in person; received_at may be long past, never ahead."""
        _refuse_future(received_at, now)
        clue = cls(id=id, category=category, channel=channel, description=description, place=place,
                   received_at=received_at, recorded_at=now, reporter=reporter, correlation_id=correlation_id,
                   updated_at=now, external_ref=external_ref)
        clue._receive(due)
        return clue, secrets.token_urlsafe(24)

    def register(self, *, town: str, due: Deadline, now: dt.datetime, category: Category | None = None,
                 external_ref: str | None = None) -> None:
        """The desk registers a public report as a clue: placed in a town, given its deadline (and its reference
        in the desk's register, when it gives one)."""
        self._check("register", Status.SUBMITTED)
        self.place.town = town
        self.external_ref = external_ref or self.external_ref
        self.category = category or self.category
        self.updated_at = now
        self._receive(due)

    def _receive(self, due: Deadline) -> None:
        if not self.place.town:
            raise Refused([Violation("town_required", "town")])
        self.status, self.due_on, self.due_provisional = Status.RECEIVED, due.on, due.provisional
        self.events.append(ClueReceived(subject=self.id, category=self.category.value, channel=self.channel.value,
                                        town=self.place.town, institution_id=self.institution_id,
                                        received_at=self.received_at, due_on=due.on))

    def triage(self, *, category: Category, institution_id: str | None, department: str,
               duplicate_of: str | None, now: dt.datetime, by: str | None = None) -> None:
        """Settle what the clue is about, which institution, who is responsible, and what it repeats."""
        self._check("triage", Status.RECEIVED, Status.TRIAGED)
        self.category, self.institution_id = category, institution_id
        self.department = department
        self.duplicate_of = duplicate_of
        self.status, self.updated_at, self.triaged_at = Status.TRIAGED, now, now
        self.steps.append(Step("triaged", now, by))

    def refer(self, *, priority: str, place: str | None, department: str | None, now: dt.datetime,
              reason: str, on: dt.date | None = None, by: str | None = None) -> None:
        """Send the clue to its department for a targeted inspection, due by the clue's deadline, saying why
        (`on`: the day it was referred, when it happened before it was recorded)."""
        self._check("refer", Status.TRIAGED)
        reason = (reason or "").strip()
        if not reason:
            raise Refused([Violation("reason_required", "reason")])
        self.department = department or self.department
        self.priority, self.status, self.updated_at, self.referred_at = priority, Status.REFERRED, now, now
        self.steps.append(Step("referred", now, by, reason))
        self.events.append(ClueReferred(subject=self.id, category=self.category.value,
                                        institution_id=self.institution_id, place=place or self.place.address,
                                        town=self.place.town, department=self.department, priority=priority,
                                        due_on=self.due_on, referred_on=on))

    def answer(self, *, outcome: str | None, note: str | None, on: dt.date, now: dt.datetime,
               by: str | None = None) -> None:
        """Record the answer the reporter reads (an inspection's result, or the desk's own)."""
        self._check("answer", Status.RECEIVED, Status.TRIAGED, Status.REFERRED)
        self.outcome, self.status_note = outcome, note
        self.status, self.answered_at, self.updated_at = Status.ANSWERED, now, now
        self.steps.append(Step("answered", now, by))
        self.events.append(ClueHandled("answered", self.id, self.category.value, outcome, self.on_time(on), now))

    def close(self, *, outcome: str, note: str, on: dt.date, now: dt.datetime, by: str | None = None) -> None:
        """Close the clue with its outcome and a note the reporter can read."""
        self._check("close", Status.RECEIVED, Status.TRIAGED, Status.REFERRED, Status.ANSWERED)
        on_time = self.on_time(self.answered_at_date or on)
        self.outcome, self.status_note = outcome, note
        self.status, self.closed_at, self.updated_at = Status.CLOSED, now, now
        self.steps.append(Step("closed", now, by))
        self.events.append(ClueHandled("closed", self.id, self.category.value, outcome, on_time, now))

    def flag_overdue(self, today: dt.date, now: dt.datetime) -> bool:
        """Publish once that the deadline passed unanswered, judged from the recorded dates only."""
        if (self.status in (Status.SUBMITTED, Status.ANSWERED, Status.CLOSED) or self.overdue_at
                or self.due_on is None or today <= self.due_on):
            return False
        self.overdue_at = now
        self.events.append(ClueHandled("overdue", self.id, self.category.value, None, False, now))
        return True

    def rate(self, *, satisfied: bool, now: dt.datetime) -> None:
        """The reporter's rating of the answer; only an answered or closed clue can be rated, once."""
        if self.status not in (Status.ANSWERED, Status.CLOSED) or self.satisfied is not None:
            raise IllegalTransition(self.status.value, "rate", ())
        self.satisfied, self.updated_at = satisfied, now
        self.events.append(ClueRated(subject=self.id, category=self.category.value, satisfied=satisfied, at=now))

    def on_time(self, on: dt.date) -> bool:
        """Whether something done on `on` meets the deadline."""
        return self.due_on is None or on <= self.due_on

    def last_step_at(self) -> dt.datetime:
        """When the newest step of its handling happened: a later step cannot be dated before it."""
        return max(at for at in (self.received_at, self.triaged_at, self.referred_at, self.answered_at) if at)

    @property
    def answered_at_date(self) -> dt.date | None:
        """The local day the reporter was answered, if they were."""
        return self.answered_at.astimezone(LOCAL_TZ).date() if self.answered_at else None

    def allowed_actions(self) -> tuple[str, ...]:
        """What the desk may do next."""
        return {Status.SUBMITTED: ("register",), Status.RECEIVED: ("triage", "answer", "close"),
                Status.TRIAGED: ("triage", "refer", "answer", "close"), Status.REFERRED: ("answer", "close"),
                Status.ANSWERED: ("close",), Status.CLOSED: ()}[self.status]

    def _check(self, action: str, *allowed: Status) -> None:
        if self.status not in allowed:
            raise IllegalTransition(self.status.value, action, self.allowed_actions())

    @property
    def open311_status(self) -> str:
        """`open` or `closed`, as Open311 says it."""
        return OPEN311_STATUS[self.status]

    @property
    def public_description(self) -> str:
        """The description as the public sees it: phone and ID numbers masked."""
        return mask_personal_numbers(self.description)
