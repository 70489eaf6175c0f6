"""Notices to institutions: a holiday reminder for every active institution in a campaign's towns."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from services.registry.adapters.orm import institutions, notices
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
    """Record the reminder for every active institution in the towns; return how many were new.

    An institution reminded of this campaign's holiday on this day already is not reminded twice.
    """
    already = sa.select(notices.c.id).where(
        notices.c.institution_id == institutions.c.id, notices.c.kind == HOLIDAY_REMINDER,
        notices.c.campaign_id == campaign_id, notices.c.remind_on == remind_on, notices.c.holiday == holiday)
    reminded = sa.select(
        institutions.c.id, sa.literal(HOLIDAY_REMINDER), sa.literal(campaign_id), sa.literal(holiday),
        sa.literal(remind_on, sa.Date), sa.literal(event_id), sa.literal(clock.now(), notices.c.recorded_at.type),
    ).where(institutions.c.town.in_(sorted(set(towns))), institutions.c.state.in_(ACTIVE_STATES),
            ~sa.exists(already))
    inserted = uow.session.execute(notices.insert().from_select(
        ["institution_id", "kind", "campaign_id", "holiday", "remind_on", "event_id", "recorded_at"], reminded))
    uow.commit()
    return inserted.rowcount
