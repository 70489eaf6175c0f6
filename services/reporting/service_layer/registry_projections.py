"""Projections of the registry's events: institutions over time, filings, licence reminders."""

from __future__ import annotations

from sqlalchemy.orm import Session

from services.reporting.adapters.orm import filings, institution_timeline, institutions, licence_notices
from services.reporting.service_layer.dates import event_day
from shared.bus.tables import insert_for
from shared.replica import keep_newest


def _insert_once(session: Session, table, row: dict, keys: list[str]) -> None:
    """Insert a row unless one with the same key is there (a replayed or repeated event changes nothing)."""
    insert = insert_for(session.connection().dialect.name)
    if insert is None:
        session.execute(table.insert().values(**row))
        return
    session.execute(insert(table).values(**row).on_conflict_do_nothing(index_elements=keys))


def _reached(event, session: Session, *, state: str, registered: bool) -> None:
    data = event.data
    _insert_once(session, institution_timeline, {
        "institution_id": data["institution_id"], "sequence": event.sequence or 0,
        "occurred_on": event_day(event, "occurred_on"), "division_code": data["division_code"],
        "town": data["town"], "category": data["category"], "state": state, "registered": registered,
    }, ["institution_id", "sequence"])
    row = {"name": data["name"], "division_code": data["division_code"], "town": data["town"],
           "category": data["category"], "state": state}
    if registered:
        row.update(registered_state=state, address=data["address"])
    keep_newest(session, institutions, {"institution_id": data["institution_id"]}, row, event.sequence,
                fill_in=("registered_state", "address"))


def institution_registered(event, session: Session) -> None:
    """An institution entered the books: it counts from its registration day (in *before* if it was stock)."""
    _reached(event, session, state=event.data["state"], registered=True)


def institution_changed(event, session: Session) -> None:
    """An institution reached a state on the day the event says (licensed, banned, converted, ...)."""
    _reached(event, session, state=event.data["to_state"], registered=False)


def filing_published(event, session: Session) -> None:
    """A filing went on the public board: the institution counts as filed from that day."""
    data = event.data
    _insert_once(session, filings, {"filing_id": data["filing_id"], "institution_id": data["institution_id"],
                                    "published_on": event_day(event)}, ["filing_id"])


def licence_expiring(event, session: Session) -> None:
    """A licence reminder went out: one notice per institution, licence half and expiry date."""
    data = event.data
    _insert_once(session, licence_notices, {
        "institution_id": data["institution_id"], "kind": data["kind"], "valid_until": event_day(event, "valid_until"),
        "town": data["town"], "noticed_on": event_day(event),
    }, ["institution_id", "kind", "valid_until"])
