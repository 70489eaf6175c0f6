"""Projections of the complaints desk's events: clues received, referred, answered, closed, overdue.

No reporter's personal data arrives on the bus, so none is kept here either.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.reporting.adapters.orm import clues
from services.reporting.service_layer.dates import event_day, local_day, moment


def _clue(event, session: Session, own: dict) -> None:
    """Merge one event's facts into its clue: its own fields always, the category when it is the newest news."""
    data = event.data
    sequence = event.sequence or 0
    held = session.execute(sa.select(clues.c.sequence, clues.c.settled_at).where(
        clues.c.clue_id == data["clue_id"]).with_for_update()).first()
    if held is None:
        session.execute(clues.insert().values(clue_id=data["clue_id"], category=data["category"],
                                              sequence=sequence, **own))
        return
    # the first answer or closing is when handling ended; a later one changes only its own day
    if "settled_at" in own and held.settled_at is not None and held.settled_at <= own["settled_at"]:
        own = {name: value for name, value in own.items() if name not in ("settled_at", "settled_on", "on_time")}
    values = {**own, "category": data["category"], "sequence": sequence} if sequence > held.sequence else own
    if values:
        session.execute(clues.update().where(clues.c.clue_id == data["clue_id"]).values(**values))


def clue_received(event, session: Session) -> None:
    """A complaint came in: received on its own date, due by its deadline."""
    data = event.data
    received_at = moment(data["received_at"])
    _clue(event, session, {"channel": data["channel"], "town": data["town"], "institution_id": data["institution_id"],
                           "received_at": received_at, "received_on": local_day(received_at),
                           "due_on": event_day(event, "due_on")})


def clue_referred(event, session: Session) -> None:
    """A clue was referred to a department (counted by department)."""
    data = event.data
    _clue(event, session, {"referred_on": event_day(event), "department": data["department"],
                           "priority": data["priority"], "town": data["town"]})


def _settled(event, session: Session, day_field: str) -> None:
    data = event.data
    at = moment(data["at"])
    own = {day_field: local_day(at), "settled_at": at, "settled_on": local_day(at), "on_time": data["on_time"]}
    if data.get("outcome") is not None:
        own["outcome"] = data["outcome"]
    _clue(event, session, own)


def clue_answered(event, session: Session) -> None:
    """The reporter was answered: handling ended then, on time or not."""
    _settled(event, session, "answered_on")


def clue_closed(event, session: Session) -> None:
    """The clue was closed: counted as closed, and as handled if it was not answered before."""
    _settled(event, session, "closed_on")


def clue_overdue(event, session: Session) -> None:
    """The clue passed its deadline unanswered: it counts in the on-time rate's denominator, not on time."""
    _clue(event, session, {"overdue_on": event_day(event, "at")})


def clue_rated(event, session: Session) -> None:
    """The reporter rated the answer: satisfied or not, counted on the day they rated it (the latest rating wins)."""
    _clue(event, session, {"satisfied": event.data["satisfied"], "rated_on": event_day(event, "at")})
