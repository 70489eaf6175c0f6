"""What a clue records as it is handled; each names the bus event it becomes. None carries the reporter."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, ClassVar


@dataclass(frozen=True)
class ClueReceived:
    """The desk registered a clue (a public report becomes one here)."""

    type: ClassVar[str] = "complaints.clue.received"
    subject: str
    category: str
    channel: str
    town: str
    institution_id: str | None
    received_at: dt.datetime
    due_on: dt.date

    def data(self) -> dict[str, Any]:
        """The contract's data."""
        return {"clue_id": self.subject, "category": self.category, "channel": self.channel, "town": self.town,
                "institution_id": self.institution_id, "received_at": self.received_at.isoformat(),
                "due_on": self.due_on.isoformat()}


@dataclass(frozen=True)
class ClueReferred:
    """The clue went to a department for a targeted inspection."""

    type: ClassVar[str] = "complaints.clue.referred"
    subject: str
    category: str
    institution_id: str | None
    place: str | None
    town: str
    department: str
    priority: str
    due_on: dt.date
    referred_on: dt.date | None = None  # the day it happened (a paper record's own day)

    def data(self) -> dict[str, Any]:
        """The contract's data: the place is where to inspect, never a person."""
        found = {"clue_id": self.subject, "category": self.category, "institution_id": self.institution_id,
                 "place": self.place, "town": self.town, "department": self.department, "priority": self.priority,
                 "due_on": self.due_on.isoformat()}
        if self.referred_on is not None:
            found["referred_on"] = self.referred_on.isoformat()
        return found


@dataclass(frozen=True)
class ClueHandled:
    """The clue was answered, closed, or passed its deadline (`what` names which)."""

    what: str  # answered | closed | overdue
    subject: str
    category: str
    outcome: str | None
    on_time: bool
    at: dt.datetime

    @property
    def type(self) -> str:
        """The bus type: complaints.clue.<what>."""
        return f"complaints.clue.{self.what}"

    def data(self) -> dict[str, Any]:
        """The contract's data."""
        return {"clue_id": self.subject, "category": self.category, "outcome": self.outcome,
                "on_time": self.on_time, "at": self.at.isoformat()}


@dataclass(frozen=True)
class ClueRated:
    """The reporter said whether the answer satisfied them (the desk's 回访); the note stays in complaints."""

    type: ClassVar[str] = "complaints.clue.rated"
    subject: str
    category: str
    satisfied: bool
    at: dt.datetime

    def data(self) -> dict[str, Any]:
        """The contract's data: satisfied or not, never the note."""
        return {"clue_id": self.subject, "category": self.category, "satisfied": self.satisfied,
                "at": self.at.isoformat()}
