"""Notices to institutions: a holiday reminder for every institution operating in a campaign's towns."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from services.registry.adapters.orm import institution_history, institutions, notices
from services.registry.domain import lifecycle as lc
from services.registry.domain.rule_texts import N_
from shared.clock import SYSTEM_CLOCK, Clock
from shared.unit_of_work import BatchUnitOfWork

HOLIDAY_REMINDER = "holiday_reminder"
# still operating: on the books, applying, licensed, rectifying, or converted to non-discipline
ACTIVE_STATES = tuple(state for state in lc.STATES if state not in lc.TERMINAL)
MESSAGES = {
    HOLIDAY_REMINDER: N_("Holiday reminder for %(holiday)s (issued for %(remind_on)s): no discipline tutoring for "
                         "primary and secondary school students on statutory holidays, rest days or in school "
                         "vacations; keep to the filed training times, fees and fire-safety rules. Inspections "
                         "will follow."),
}


def issue_holiday_reminders(uow: BatchUnitOfWork, *, campaign_id: str, holiday: str, remind_on: dt.date,
                            towns: list[str], event_id: str, clock: Clock = SYSTEM_CLOCK) -> int:
    """Record the reminder for every institution in the towns that was operating on `remind_on`; return how
    many were new.

    Operating on that day: on the books by then and, after the last step it took up to that day (its history,
    by the days the steps happened), in an active state. A reminder that arrives late (a campaign generated
    after its reminder day) so reaches the institutions of that day, not those of the day it arrived: one
    closed since is still reminded, one registered since is not. An institution reminded of this campaign's
    holiday on this day already is not reminded twice.
    """
    already = sa.select(notices.c.id).where(
        notices.c.institution_id == institutions.c.id, notices.c.kind == HOLIDAY_REMINDER,
        notices.c.campaign_id == campaign_id, notices.c.remind_on == remind_on, notices.c.holiday == holiday)
    step = institution_history.alias("step")
    state_that_day = (sa.select(step.c.to_state)
                      .where(step.c.institution_id == institutions.c.id, step.c.occurred_on <= remind_on)
                      .order_by(step.c.occurred_on.desc(), step.c.position.desc()).limit(1).scalar_subquery())
    reminded = sa.select(
        institutions.c.id, sa.literal(HOLIDAY_REMINDER), sa.literal(campaign_id), sa.literal(holiday),
        sa.literal(remind_on, sa.Date), sa.literal(event_id), sa.literal(clock.now(), notices.c.recorded_at.type),
    ).where(institutions.c.town.in_(sorted(set(towns))), state_that_day.in_(ACTIVE_STATES), ~sa.exists(already))
    inserted = uow.session.execute(notices.insert().from_select(
        ["institution_id", "kind", "campaign_id", "holiday", "remind_on", "event_id", "recorded_at"], reminded))
    uow.commit()
    return inserted.rowcount
