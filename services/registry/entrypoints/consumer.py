"""The events the registry subscribes to, and the use case each one feeds."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from services.registry.service_layer import notices, sanctions, visits
from shared.bus import Event
from shared.clock import current_clock
from shared.unit_of_work import BatchUnitOfWork


def sanction_imposed(event: Event, session: Session) -> None:
    """A ban sanction bans the institution it names, once per case; other sanctions are inspection's own."""
    data = event.data
    if data["kind"] != "ban":
        return
    sanctions.carry_out_ban(BatchUnitOfWork(session, event.correlationid), case_id=data["case_id"],
                            institution_ref=data.get("institution_id"),
                            decided_on=dt.date.fromisoformat(data["decided_on"]), event_id=event.id,
                            clock=current_clock())


def reminder_issued(event: Event, session: Session) -> None:
    """A holiday reminder becomes a notice to every institution operating in its towns on its reminder day."""
    data = event.data
    notices.issue_holiday_reminders(BatchUnitOfWork(session, event.correlationid),
                                    campaign_id=data["campaign_id"], holiday=data["holiday"],
                                    remind_on=dt.date.fromisoformat(data["remind_on"]), towns=data["towns"],
                                    event_id=event.id, clock=current_clock())


def task_completed(event: Event, session: Session) -> None:
    """An inspection of an institution on the books becomes its last inspection (the board shows the day)."""
    data = event.data
    visits.record_inspection(session, institution_ref=data.get("institution_id"),
                             inspected_on=dt.date.fromisoformat(str(data["inspected_on"])), outcome=data["outcome"],
                             task_id=data["task_id"])


HANDLERS = {
    "inspection.case.sanction_imposed": sanction_imposed,
    "inspection.campaign.reminder_issued": reminder_issued,
    "inspection.task.completed": task_completed,
}
