"""The days events are counted on: their own dates, or the county's local date of the event's time."""

from __future__ import annotations

from datetime import date, datetime

from shared.clock import LOCAL_TZ


def day(value: str | date | None) -> date | None:
    """A date from event data (ISO text on the wire), or None."""
    return date.fromisoformat(value) if isinstance(value, str) else value


def moment(value: str | datetime | None) -> datetime | None:
    """An aware instant from event data (RFC 3339 text on the wire), or None."""
    if isinstance(value, str):
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value


def local_day(instant: datetime) -> date:
    """The county's date (Asia/Shanghai) of an instant."""
    return instant.astimezone(LOCAL_TZ).date()


def event_day(event, field: str | None = None) -> date:
    """The day an event counts on: its own date field when it has one, else the local date of its time."""
    value = event.data.get(field) if field else None
    if value is None:
        return local_day(event.time)
    if isinstance(value, str) and "T" in value:
        return local_day(moment(value))
    return day(value)
